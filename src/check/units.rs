//! The nearest valid unit for one Slipway does not know: `2GB` is `2G`, `512MiB` is `512Mi`,
//! `30sec` is `30s`, `2cores` is `2`. Each correction says whether it is certain (the same
//! amount, spelled the Kubernetes way: a safe fix that `slipway check --fix` applies) or only
//! likely (`90x` is probably `90s`: offered, never applied by itself).

use super::values::QuantityKind;

/// A unit to write instead of the one found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Nearest {
    /// The unit to write; empty for none (`2cores` is `2`).
    pub unit: &'static str,
    /// True when the replacement means exactly what was written.
    pub certain: bool,
}

const fn certain(unit: &'static str) -> Nearest {
    Nearest {
        unit,
        certain: true,
    }
}

/// Other spellings of the duration units, all meaning the same amount.
const DURATION_SPELLINGS: &[(&str, &str)] = &[
    ("msec", "ms"),
    ("msecs", "ms"),
    ("millis", "ms"),
    ("milliseconds", "ms"),
    ("millisecond", "ms"),
    ("MS", "ms"),
    ("S", "s"),
    ("sec", "s"),
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("min", "m"),
    ("mins", "m"),
    ("minute", "m"),
    ("minutes", "m"),
    ("H", "h"),
    ("hr", "h"),
    ("hrs", "h"),
    ("hour", "h"),
    ("hours", "h"),
    ("D", "d"),
    ("day", "d"),
    ("days", "d"),
];

/// The duration unit closest to `unit`: another spelling of a known unit is certain; any
/// other word gets seconds, the most common unit in a spec, as a guess.
pub fn duration(unit: &str) -> Nearest {
    match DURATION_SPELLINGS
        .iter()
        .find(|(written, _)| *written == unit)
    {
        Some((_, unit)) => certain(unit),
        None => Nearest {
            unit: "s",
            certain: false,
        },
    }
}

/// Memory units written the way people write bytes: `GB` is `G`, `GiB` is `Gi`, `gi` is
/// `Gi`, `K` is `k`. Kubernetes quantities have no `B`.
fn memory(unit: &str) -> Option<Nearest> {
    let without_bytes = unit
        .strip_suffix(['B', 'b'])
        .filter(|rest| !rest.is_empty())
        .unwrap_or(unit);
    let mut chars = without_bytes.chars();
    let prefix = chars.next()?.to_ascii_uppercase();
    let binary = match chars.as_str() {
        "" => false,
        "i" | "I" => true,
        _ => return None,
    };
    const DECIMAL: &[(char, &str)] = &[
        ('K', "k"),
        ('M', "M"),
        ('G', "G"),
        ('T', "T"),
        ('P', "P"),
        ('E', "E"),
    ];
    const BINARY: &[(char, &str)] = &[
        ('K', "Ki"),
        ('M', "Mi"),
        ('G', "Gi"),
        ('T', "Ti"),
        ('P', "Pi"),
        ('E', "Ei"),
    ];
    let table = if binary { BINARY } else { DECIMAL };
    let (_, suffix) = table.iter().find(|(letter, _)| *letter == prefix)?;
    // A lowercase `b` is bits to some readers: the byte suffix is then only a guess.
    Some(Nearest {
        unit: suffix,
        certain: !unit_is_bits(unit),
    })
}

fn unit_is_bits(unit: &str) -> bool {
    unit.len() > 1 && unit.ends_with('b')
}

/// CPU written in words: `2cores` is `2`, `500mcpu` is `500m`.
fn cpu(unit: &str) -> Option<Nearest> {
    match unit.to_ascii_lowercase().as_str() {
        "core" | "cores" | "cpu" | "cpus" | "vcpu" | "vcpus" => Some(certain("")),
        "mc" | "mcpu" | "millicore" | "millicores" | "millicpu" => Some(certain("m")),
        _ => None,
    }
}

/// The quantity unit closest to `unit`, if there is a sure one.
pub(crate) fn quantity(unit: &str, kind: QuantityKind) -> Option<Nearest> {
    match kind {
        QuantityKind::Memory => memory(unit),
        QuantityKind::Cpu => cpu(unit),
    }
}

#[cfg(test)]
mod tests {
    use super::{duration, quantity};
    use crate::check::values::QuantityKind;

    #[test]
    fn memory_written_in_bytes_becomes_a_kubernetes_suffix() {
        let memory = |unit| quantity(unit, QuantityKind::Memory).map(|n| n.unit);
        assert_eq!(memory("GB"), Some("G"));
        assert_eq!(memory("GiB"), Some("Gi"));
        assert_eq!(memory("gi"), Some("Gi"));
        assert_eq!(memory("KB"), Some("k"));
        assert_eq!(memory("mb"), Some("M"));
        assert!(!quantity("Gb", QuantityKind::Memory).unwrap().certain);
        assert_eq!(memory("x"), None);
        assert_eq!(memory("B"), None);
    }

    #[test]
    fn cpu_in_words_becomes_cores_or_millicores() {
        let cpu = |unit| quantity(unit, QuantityKind::Cpu).map(|n| n.unit);
        assert_eq!(cpu("cores"), Some(""));
        assert_eq!(cpu("mcpu"), Some("m"));
        assert_eq!(cpu("GB"), None);
    }

    #[test]
    fn durations_in_words_are_certain_and_anything_else_is_a_guess() {
        assert_eq!(duration("sec").unit, "s");
        assert!(duration("minutes").certain);
        assert_eq!(duration("x").unit, "s");
        assert!(!duration("x").certain);
    }
}
