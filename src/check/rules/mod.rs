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

#[cfg(test)]
pub(super) fn messages(rule: &dyn Rule, f: &super::Family) -> Vec<String> {
    let mut out = Vec::new();
    rule.check(f, &super::Limits::default(), &mut out);
    out
}
