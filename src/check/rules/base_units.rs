//! `base_units`: a non-base unit in the name, such as `milliseconds` or `kilobytes`
//! (promlint's `lintMetricUnits`).

use crate::check::{Family, Limits, Rule};

pub(super) struct BaseUnits;

/// Units promlint knows, each with its base unit (base units map to themselves).
const UNITS: &[(&str, &str)] = &[
    ("amperes", "amperes"),
    ("bytes", "bytes"),
    ("celsius", "celsius"),
    ("grams", "grams"),
    ("joules", "joules"),
    ("kelvin", "kelvin"),
    ("meters", "meters"),
    ("metres", "metres"),
    ("seconds", "seconds"),
    ("volts", "volts"),
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("kelvins", "kelvin"),
    ("fahrenheit", "celsius"),
    ("rankine", "celsius"),
    ("inches", "meters"),
    ("yards", "meters"),
    ("miles", "meters"),
    ("bits", "bytes"),
    ("calories", "joules"),
    ("pounds", "grams"),
    ("ounces", "grams"),
];

/// The prefixes promlint knows (`mibi` is its spelling).
const PREFIXES: &[&str] = &[
    "", "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];

/// The unit written in `name` and its base unit, if a word of the name is a known unit
/// with or without a prefix. promlint looks units up in a Go map, whose order is random:
/// for a name with two different units it may report either (or none, when one is a base
/// unit); this takes the units in the table's order, base units first, then the prefixes in
/// theirs, then the words in the name's. Each word is matched once against the units it ends
/// with (one pass over the name, not one per unit and prefix: this rule was a sixth of
/// `check`'s time).
pub(crate) fn unit_of(name: &str) -> Option<(String, &'static str)> {
    let mut best: Option<(usize, usize, &str)> = None;
    for word in name.split('_') {
        for (u, (unit, _)) in UNITS.iter().enumerate() {
            if best.is_some_and(|b| b.0 < u) {
                break;
            }
            let Some(prefix) = word.strip_suffix(unit) else {
                continue;
            };
            let Some(p) = PREFIXES.iter().position(|x| *x == prefix) else {
                continue;
            };
            // Earlier words win ties, as the word loop is the innermost in the table's order.
            if best.is_none_or(|b| (u, p) < (b.0, b.1)) {
                best = Some((u, p, word));
            }
        }
    }
    best.map(|(u, _, word)| (word.to_string(), UNITS[u].1))
}

impl Rule for BaseUnits {
    fn id(&self) -> &'static str {
        "base_units"
    }
    fn describe(&self) -> &'static str {
        "a non-base unit in the name (milliseconds, kilobytes, hours, …)"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if let Some((unit, base)) = unit_of(&f.name).filter(|(u, b)| u != b) {
            out.push(format!("use base unit {base:?} instead of {unit:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unit_of;

    #[test]
    fn prefixed_and_plain_units_are_found_by_whole_word() {
        assert_eq!(
            unit_of("a_milliseconds"),
            Some(("milliseconds".into(), "seconds"))
        );
        assert_eq!(
            unit_of("disk_kilobytes_total"),
            Some(("kilobytes".into(), "bytes"))
        );
        assert_eq!(unit_of("x_seconds"), Some(("seconds".into(), "seconds")));
        assert_eq!(unit_of("thermometers_total"), None);
        assert_eq!(unit_of("hours_x"), Some(("hours".into(), "seconds")));
        // The table's order decides between two units, then the prefixes', then the words'.
        assert_eq!(
            unit_of("a_milliseconds_bytes"),
            Some(("bytes".into(), "bytes"))
        );
        assert_eq!(
            unit_of("a_kiloseconds_milliseconds"),
            Some(("milliseconds".into(), "seconds"))
        );
        assert_eq!(
            unit_of("a_hours_minutes"),
            Some(("minutes".into(), "seconds"))
        );
        assert_eq!(
            unit_of("x_seconds_seconds_total"),
            Some(("seconds".into(), "seconds"))
        );
    }
}
