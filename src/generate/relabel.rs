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

/// The evidence of a rule, one sentence (samples per day at `interval`, when known).
pub(crate) fn evidence(r: &Rule, interval: Option<f64>) -> String {
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
    let per_day = interval
        .map(|i| {
            format!(
                ", {:.0} samples per day at {}",
                r.saved as f64 * 86_400.0 / i.max(1.0),
                super::Interval(i)
            )
        })
        .unwrap_or_default();
    format!(
        "{}; {keeps}; saves {} per scrape{per_day}",
        r.what,
        crate::plural::of(r.saved as f64, "series", "series"),
    )
}

/// The rules as block-sequence lines at column 0 (each under its evidence comment), and as
/// values.
pub(crate) fn entries(plan: &Plan, interval: f64) -> (Vec<String>, Vec<Value>) {
    let lines = plan
        .rules
        .iter()
        .flat_map(|r| lines(r, Some(interval)))
        .collect();
    (lines, plan.rules.iter().map(value).collect())
}

/// One rule as block-sequence lines at column 0, under its evidence comment.
pub(crate) fn lines(r: &Rule, interval: Option<f64>) -> Vec<String> {
    let c = &r.config;
    let sources: Vec<String> = c.source_labels.iter().map(|l| yaml::inline(l)).collect();
    let mut lines = vec![
        format!("# promtune: {}", comment::line(&evidence(r, interval))),
        format!("- source_labels: [{}]", sources.join(", ")),
        format!("  regex: {}", yaml::inline(&c.regex)),
    ];
    if let Some(t) = &c.target_label {
        lines.push(format!("  target_label: {}", yaml::inline(t)));
    }
    if let Some(t) = &c.replacement {
        // `inline` quotes the empty replacement, so it stays an empty string, not null.
        lines.push(format!("  replacement: {}", yaml::inline(t)));
    }
    lines.push(format!("  action: {}", c.action));
    lines
}
