//! `unit_abbreviations`: abbreviated units such as `_ms` or `_sec` in the name, one message
//! per abbreviation found (promlint's `lintUnitAbbreviations`).

use crate::check::{Family, Limits, Rule};

pub(super) struct UnitAbbreviations;

/// promlint's abbreviations, in its order.
const ABBREVIATIONS: &[&str] = &[
    "s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d",
];

impl Rule for UnitAbbreviations {
    fn id(&self) -> &'static str {
        "unit_abbreviations"
    }
    fn describe(&self) -> &'static str {
        "an abbreviated unit (_ms, _sec, _kb, …) in the name"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        let n = f.name.to_lowercase();
        let found = ABBREVIATIONS
            .iter()
            .filter(|a| super::has_part(&n, a))
            .count();
        super::repeat(
            out,
            found as u64,
            "metric names should not contain abbreviated units",
        );
    }
}
