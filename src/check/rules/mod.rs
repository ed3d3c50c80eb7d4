//! The rules, one file each: promtool's nine (promlint's order, with its messages), then
//! promtune's own.

mod base_units;
mod camel_case;
mod counter_total;
mod duplicate_series;
mod family_series;
mod help_text;
mod reserved_colon;
mod reserved_suffixes;
mod type_in_name;
mod unbounded_label;
mod unit_abbreviations;
mod unit_consistency;

use super::Rule;

/// Every rule in the order promtool runs its own.
pub(super) static ALL: &[&dyn Rule] = &[
    &help_text::HelpText,
    &base_units::BaseUnits,
    &counter_total::CounterTotal,
    &reserved_suffixes::ReservedSuffixes,
    &type_in_name::TypeInName,
    &reserved_colon::ReservedColon,
    &camel_case::CamelCase,
    &unit_abbreviations::UnitAbbreviations,
    &duplicate_series::DuplicateSeries,
    &unit_consistency::UnitConsistency,
    &unbounded_label::UnboundedLabel,
    &family_series::FamilySeries,
];

/// `n` copies of `message` (promlint repeats a message per series or per label).
fn repeat(out: &mut Vec<String>, n: u64, message: &str) {
    out.extend((0..n).map(|_| message.to_string()));
}

/// Whether the lower-cased name `n` holds `word` between underscores or as its last part
/// (promlint's test for type names and abbreviations: `_word_` anywhere, or `_word` at the
/// end). Looked for after each underscore, without building the two patterns: this runs
/// 19 times per family, and the `format!`s were most of the rules' cost.
fn has_part(n: &str, word: &str) -> bool {
    let (b, w) = (n.as_bytes(), word.as_bytes());
    b.iter().enumerate().any(|(i, &c)| {
        let rest = &b[i + 1..];
        c == b'_' && rest.starts_with(w) && rest.get(w.len()).is_none_or(|&c| c == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Family;
    use crate::model::MetricType;

    /// The scan after each underscore answers as the two patterns do, on names built from
    /// the words it looks for, underscores and other letters.
    #[test]
    fn has_part_is_the_two_patterns() {
        let pieces = [
            "_",
            "s",
            "ms",
            "gauge",
            "histogram",
            "x",
            "__",
            "gauge_histogram",
        ];
        let words = ["s", "ms", "gauge", "histogram", "gauge_histogram", "x"];
        let mut names = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|n| pieces.iter().map(move |p| format!("{n}{p}")))
                .collect();
            names.extend(longer);
            names.dedup();
        }
        for n in &names {
            for w in words {
                let patterns = n.contains(&format!("_{w}_")) || n.ends_with(&format!("_{w}"));
                assert_eq!(has_part(n, w), patterns, "{n:?} {w:?}");
            }
        }
    }

    fn messages(rule: &dyn Rule, f: &Family) -> Vec<String> {
        let mut out = Vec::new();
        rule.check(f, &crate::check::Limits::default(), &mut out);
        out
    }

    /// promtune's reading of `# TYPE x counter` over `x_total` samples (OpenMetrics, or the
    /// text format as Go and Python clients write it) is a counter with `_total`: fine.
    #[test]
    fn a_counter_whose_samples_carry_total_is_fine() {
        let mut f = Family::new("requests", MetricType::Counter, 1);
        assert_eq!(
            messages(&counter_total::CounterTotal, &f),
            [r#"counter metrics should have "_total" suffix"#]
        );
        f.total = true;
        assert!(messages(&counter_total::CounterTotal, &f).is_empty());
    }

    /// `# UNIT` consistency applies to OpenMetrics only, and a declared base unit is fine.
    #[test]
    fn units_in_openmetrics_names_need_their_unit_line() {
        let mut f = Family::new("req_milliseconds", MetricType::Gauge, 1);
        assert!(messages(&unit_consistency::UnitConsistency, &f).is_empty());
        f.om = true;
        assert_eq!(messages(&unit_consistency::UnitConsistency, &f).len(), 1);
        f.unit = Some("milliseconds".into());
        assert_eq!(
            messages(&unit_consistency::UnitConsistency, &f),
            [r#"# UNIT milliseconds is not a base unit: use "seconds""#]
        );
        let mut g = Family::new("req_seconds", MetricType::Gauge, 1);
        g.om = true;
        g.unit = Some("seconds".into());
        assert!(messages(&unit_consistency::UnitConsistency, &g).is_empty());
    }
}
