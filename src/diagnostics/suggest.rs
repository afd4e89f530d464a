//! "Did you mean" suggestions by edit distance.
//!
//! Comparing every unknown name with every declared one is quadratic, and a hostile spec can
//! hold thousands of both (a 240 KB file with 10,000 unknown references to 5,000 similar
//! names took 23 s). So the work is bounded: names longer than [`MAX_COMPARED_CHARS`] are
//! never compared, candidates whose length alone puts them too far away are skipped, and
//! while a [`SuggestionBudget`] is active (the pipeline starts one per check) suggestions stop
//! once the budget of edit-distance cells is spent. The budget is per thread and a check runs
//! on one thread, so the same input always gets the same suggestions.

use std::cell::Cell;

/// Names longer than this are never compared: no typo of a 64-character name is worth a
/// suggestion, and the distance takes time quadratic in the length.
pub(crate) const MAX_COMPARED_CHARS: usize = 64;

/// The edit-distance cells (and candidates looked at) one check may spend on suggestions:
/// enough for dozens of suggestions among hundreds of names, about a tenth of a second in a
/// debug build.
pub(crate) const CHECK_BUDGET: u64 = 4_000_000;

thread_local! {
    /// Cells left in the active budget; `None` when no budget is active (no limit).
    static CELLS_LEFT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// While this value lives, suggestions on this thread share `cells` of work.
pub struct SuggestionBudget {
    previous: Option<u64>,
}

impl SuggestionBudget {
    /// The budget of one check of a spec ([`CHECK_BUDGET`]).
    pub(crate) fn for_one_check() -> SuggestionBudget {
        SuggestionBudget::start(CHECK_BUDGET)
    }

    pub fn start(cells: u64) -> SuggestionBudget {
        SuggestionBudget {
            previous: CELLS_LEFT.with(|left| left.replace(Some(cells))),
        }
    }
}

impl Drop for SuggestionBudget {
    fn drop(&mut self) {
        CELLS_LEFT.with(|left| left.set(self.previous));
    }
}

/// The cells left in the active budget; `None` when no budget is active.
pub(crate) fn cells_left() -> Option<u64> {
    CELLS_LEFT.with(Cell::get)
}

/// Takes `cells` from the active budget; false when the budget cannot pay for them.
pub(crate) fn spend(cells: u64) -> bool {
    CELLS_LEFT.with(|left| match left.get() {
        None => true,
        Some(available) if available >= cells => {
            left.set(Some(available - cells));
            true
        }
        Some(_) => {
            left.set(Some(0));
            false
        }
    })
}

/// The candidate closest to `written`, if it is close enough to be a plausible typo.
pub fn suggest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    closest(written, candidates).map(|found| found.name)
}

/// The closest candidate, and whether it was the only one close enough: a typo with one
/// plausible correction is certain enough for `slipway check --fix` to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closest<'a> {
    pub name: &'a str,
    pub only: bool,
}

pub fn closest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<Closest<'a>> {
    let written_chars = written.chars().count();
    if written_chars > MAX_COMPARED_CHARS {
        return None;
    }
    let written_lower = written.to_ascii_lowercase();
    let limit = (written_chars / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut others_close = false;
    for candidate in candidates {
        if !spend(1) {
            return None;
        }
        let candidate_chars = candidate.chars().count();
        if candidate == written || candidate_chars > MAX_COMPARED_CHARS {
            continue;
        }
        let same_but_case = candidate.eq_ignore_ascii_case(written);
        if candidate_chars.abs_diff(written_chars) > limit && !same_but_case {
            continue;
        }
        if !spend((written_chars * candidate_chars) as u64) {
            return None;
        }
        let distance = strsim::damerau_levenshtein(&written_lower, &candidate.to_ascii_lowercase());
        if distance > limit && !same_but_case {
            continue;
        }
        if let Some((_, previous)) = best {
            others_close |= previous != candidate;
        }
        if best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| Closest {
        name,
        only: !others_close,
    })
}

/// `" (did you mean `x`?)"` or nothing, for messages that carry the hint inline.
pub fn did_you_mean<'a>(written: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(written, candidates)
        .map(|best| format!("did you mean `{best}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{closest, suggest, SuggestionBudget};

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("replica", ["replicas", "ports"]), Some("replicas"));
        assert_eq!(suggest("stagign", ["staging", "prod"]), Some("staging"));
        assert_eq!(suggest("zzz", ["replicas", "ports"]), None);
        assert_eq!(suggest("Prod", ["prod"]), Some("prod"));
    }

    #[test]
    fn knows_whether_the_closest_name_is_the_only_close_one() {
        let only = closest("replica", ["replicas", "ports"]).unwrap();
        assert!(only.only);
        let shared = closest("stag", ["stage", "stags"]).unwrap();
        assert_eq!(shared.name, "stage");
        assert!(!shared.only);
        assert!(closest("web", ["web", "web2"]).unwrap().only);
    }

    #[test]
    fn long_names_are_not_compared() {
        let long = "a".repeat(100);
        let near = format!("{}b", "a".repeat(99));
        assert_eq!(suggest(&long, [near.as_str()]), None);
    }

    #[test]
    fn a_spent_budget_stops_suggesting_until_it_ends() {
        {
            let _budget = SuggestionBudget::start(100);
            assert_eq!(suggest("replica", ["replicas"]), Some("replicas"));
            assert_eq!(suggest("replica", ["replicas"]), None);
        }
        assert_eq!(suggest("replica", ["replicas"]), Some("replicas"));
    }
}
