//! "Did you mean" suggestions by edit distance.

/// The candidate closest to `written`, if it is close enough to be a plausible typo.
pub fn suggest<'a>(written: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let written_lower = written.to_ascii_lowercase();
    let limit = (written.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != written)
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&written_lower, &candidate.to_ascii_lowercase());
            (distance, candidate)
        })
        .filter(|(distance, candidate)| {
            *distance <= limit || candidate.eq_ignore_ascii_case(written)
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, candidate)| candidate)
}

/// `" (did you mean `x`?)"` or nothing, for messages that carry the hint inline.
pub fn did_you_mean<'a>(written: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(written, candidates)
        .map(|best| format!("did you mean `{best}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("replica", ["replicas", "ports"]), Some("replicas"));
        assert_eq!(suggest("stagign", ["staging", "prod"]), Some("staging"));
        assert_eq!(suggest("zzz", ["replicas", "ports"]), None);
        assert_eq!(suggest("Prod", ["prod"]), Some("prod"));
    }
}
