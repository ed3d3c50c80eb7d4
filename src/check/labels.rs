//! One label's values across a family's series, as the lint tallies them for
//! `unbounded_label`, and the label name's own tests.

use super::family::Hashes;
use crate::parse::Label;

/// Distinct values remembered per label, past which only the count of ID-like values grows.
const VALUES_KEPT: usize = 256;

/// One label name's values across a family's series.
#[derive(Debug, Clone, Default)]
pub struct LabelValues {
    /// The label name.
    pub name: String,
    /// Hashes of the distinct values seen (at most [`VALUES_KEPT`]), in the order seen.
    kept: Vec<u64>,
    /// The same as a set, made only when the family tallies on its own
    /// (`Family::own_tally`).
    seen: Option<Hashes>,
    /// Distinct values that look unbounded (IDs, UUIDs, raw paths), counted while the
    /// distinct values are remembered.
    pub unbounded: u64,
    /// The first value that looked unbounded.
    pub example: Option<String>,
    /// What the name is, decided once: `(le, quantile, camelCase)`.
    pub(super) kind: (bool, bool, bool),
    /// The hash of the value last tallied on its own.
    last: Option<u64>,
}

impl LabelValues {
    /// Label `name`, no value seen yet.
    pub(super) fn new(name: &str) -> LabelValues {
        LabelValues {
            name: name.to_string(),
            kind: (name == "le", name == "quantile", camel(name)),
            ..LabelValues::default()
        }
    }

    /// Remembers the value of `label` by the hash the lexer took of the pair (the label
    /// name is the same for every value, so the hashes tell values apart as well as hashes
    /// of the values would, without hashing again). `new`: whether the parser's count, in
    /// step with this tally, has not seen it; `None`: look it up here.
    pub(super) fn tally(&mut self, label: &Label<'_>, new: Option<bool>) {
        if self.kept.len() >= VALUES_KEPT {
            return;
        }
        let new = match new {
            Some(new) => new,
            None => self.own_insert(label.hash),
        };
        if !new {
            return;
        }
        self.kept.push(label.hash);
        let value = &*label.value;
        if super::ids::unbounded(value) {
            self.unbounded += 1;
            if self.example.is_none() {
                self.example = Some(value.to_string());
            }
        }
    }

    /// Whether `hash` is new, by a set of the label's own (made from the values kept when
    /// first needed).
    fn own_insert(&mut self, hash: u64) -> bool {
        // The value of the previous series again (a family's `job` or `instance`): no lookup.
        if self.last.replace(hash) == Some(hash) {
            return false;
        }
        let kept = &self.kept;
        self.seen
            .get_or_insert_with(|| kept.iter().copied().collect())
            .insert(hash)
    }
}

/// camelCase as promlint finds it: a lower-case letter followed by an upper-case one.
pub fn camel(name: &str) -> bool {
    name.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}
