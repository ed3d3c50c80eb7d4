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
/// unit); this takes the units in the table's order, base units first.
pub(crate) fn unit_of(name: &str) -> Option<(String, &'static str)> {
    for (unit, base) in UNITS {
        for p in PREFIXES {
            for word in name.split('_') {
                if word.len() == p.len() + unit.len() && word.starts_with(p) && word.ends_with(unit)
                {
                    return Some((word.to_string(), base));
                }
            }
        }
    }
    None
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
    }
}
