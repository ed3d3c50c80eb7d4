//! The proposed `metric_relabel_configs` as a job's YAML: each rule under comments stating
//! its evidence (what it does, the uses it keeps, the series and samples per day it saves),
//! and the same entries as values, for the caller to check the edit by reading it back.

use serde_yaml::{Mapping, Value};

use crate::escape::{comment, yaml};
use crate::recommend::relabel::{Plan, Rule};

/// The uses named in a rule's comment; the rest are counted.
const SHOWN_USES: usize = 5;

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// One rule as the value the config holds.
pub(crate) fn value(r: &Rule) -> Value {
    let c = &r.config;
    let mut m = Mapping::new();
    m.insert(
        s("source_labels"),
        Value::Sequence(c.source_labels.iter().map(|l| s(l)).collect()),
    );
    m.insert(s("regex"), s(&c.regex));
    if let Some(t) = &c.target_label {
        m.insert(s("target_label"), s(t));
    }
    if let Some(t) = &c.replacement {
        m.insert(s("replacement"), s(t));
    }
    m.insert(s("action"), s(c.action));
    Value::Mapping(m)
}

/// The evidence of a rule, one sentence.
pub(crate) fn evidence(r: &Rule, interval: f64) -> String {
    let keeps = if r.keeps.is_empty() {
        "no use reads it".to_string()
    } else {
        let more = r.keeps.len().saturating_sub(SHOWN_USES);
        let mut k = r.keeps[..r.keeps.len().min(SHOWN_USES)].join(", ");
        if more > 0 {
            k.push_str(&format!(" and {more} more"));
        }
        format!("keeps {k}")
    };
    if r.saved == 0 {
        return format!(
            "{}; {keeps}; saves no series, only the label on each",
            r.what
        );
    }
    let per_day = r.saved as f64 * 86_400.0 / interval.max(1.0);
    format!(
        "{}; {keeps}; saves {} per scrape, {per_day:.0} samples per day at {}",
        r.what,
        crate::plural::of(r.saved as f64, "series", "series"),
        super::Interval(interval)
    )
}

/// The rules as block-sequence lines at column 0 (each under its evidence comment), and as
/// values.
pub(crate) fn entries(plan: &Plan, interval: f64) -> (Vec<String>, Vec<Value>) {
    let mut lines = Vec::new();
    for r in &plan.rules {
        let c = &r.config;
        lines.push(format!(
            "# promtune: {}",
            comment::line(&evidence(r, interval))
        ));
        let sources: Vec<String> = c.source_labels.iter().map(|l| yaml::inline(l)).collect();
        lines.push(format!("- source_labels: [{}]", sources.join(", ")));
        lines.push(format!("  regex: {}", yaml::inline(&c.regex)));
        if let Some(t) = &c.target_label {
            lines.push(format!("  target_label: {}", yaml::inline(t)));
        }
        if let Some(t) = &c.replacement {
            lines.push(format!("  replacement: {}", quoted(t)));
        }
        lines.push(format!("  action: {}", c.action));
    }
    (lines, plan.rules.iter().map(value).collect())
}

/// A replacement, always quoted: an empty one must stay an empty string, not null.
fn quoted(t: &str) -> String {
    crate::escape::json_string(t)
}
