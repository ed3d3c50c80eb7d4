//! `unbounded_label` (promtune's): a label whose values look unbounded (IDs, UUIDs, raw
//! paths), each a new series. The verdict is the cost report's (`model::suspect`), taken
//! from the parser's count of the label's values: one rule for both.

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
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        for l in &f.labels {
            let Some(s) = &l.suspect else {
                continue;
            };
            let plus = if l.distinct_capped { " or more" } else { "" };
            let of = if u64::from(s.looked_at) == l.distinct && !l.distinct_capped {
                format!("{} of its {} distinct values", s.matching, l.distinct)
            } else {
                format!(
                    "{} of the first {} of its {}{plus} distinct values",
                    s.matching, s.looked_at, l.distinct
                )
            };
            out.push(format!(
                "label {:?}: {of} look like {} (such as {:?}): each one is a series",
                l.name,
                s.kind.words(),
                s.examples.first().map_or("", String::as_str)
            ));
        }
    }
}
