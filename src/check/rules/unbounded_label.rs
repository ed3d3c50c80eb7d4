//! `unbounded_label` (promtune's): a label whose values look unbounded (IDs, UUIDs, raw
//! paths), each a new series.

use crate::check::{Family, Limits, Rule};

pub(super) struct UnboundedLabel;

impl Rule for UnboundedLabel {
    fn id(&self) -> &'static str {
        "unbounded_label"
    }
    fn describe(&self) -> &'static str {
        "a label whose values look unbounded (IDs, UUIDs, raw paths)"
    }
    fn promtool(&self) -> bool {
        false
    }
    fn check(&self, f: &Family, limits: &Limits, out: &mut Vec<String>) {
        for l in f
            .labels
            .iter()
            .filter(|l| l.unbounded >= limits.unbounded_values)
        {
            out.push(format!(
                "label {:?} has {} values that look like IDs or raw paths (such as {:?}): each one is a series",
                l.name,
                l.unbounded,
                l.example.as_deref().unwrap_or("")
            ));
        }
    }
}
