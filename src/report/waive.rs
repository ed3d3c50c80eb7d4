//! Findings that do not count: suppressed by the config file's `ignore:` (until their last
//! day), or already in a baseline at the same status or worse. They stay in every report,
//! marked; an expired suppression is said in the report's notices.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::Report;
use crate::config::Ignore;
use crate::threshold::{Status, Waiver};

/// One recorded finding: `(source or job/instance, check, subject, status)`.
pub type Recorded = (String, String, Option<String>, Status);

/// What identifies a report's source across runs: its target, else its source name.
fn key(r: &Report) -> String {
    match &r.target {
        Some(t) => format!("{}/{}", t.job, t.instance),
        None => r.source.clone(),
    }
}

/// The findings (checks past their target) of `reports`, for `baseline write`.
pub fn record(reports: &[Report]) -> Vec<Recorded> {
    reports
        .iter()
        .filter(|r| r.error.is_none())
        .flat_map(|r| {
            r.checks
                .iter()
                .filter(|c| c.status > Status::Ok)
                .map(move |c| {
                    (
                        key(r),
                        c.measurement.check.to_string(),
                        c.measurement.subject.clone(),
                        c.status,
                    )
                })
        })
        .collect()
}

/// A baseline file's text.
pub fn baseline_json(findings: &[Recorded]) -> String {
    let list: Vec<Value> = findings
        .iter()
        .map(|(s, c, sub, st)| json!({"source": s, "check": c, "subject": sub, "status": st.as_str()}))
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({
        "promtune_baseline": 1,
        "findings": list,
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}

/// Reads a baseline file's text.
pub fn parse_baseline(name: &str, text: &str) -> anyhow::Result<Vec<Recorded>> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{name}: not a baseline: {e}"))?;
    if v.get("promtune_baseline").and_then(Value::as_u64) != Some(1) {
        anyhow::bail!("{name}: not a promtune baseline (write one with `promtune baseline write`)");
    }
    let s = |x: &Value, k: &str| x.get(k).and_then(Value::as_str).map(str::to_string);
    v.get("findings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| {
            Ok((
                s(f, "source").unwrap_or_default(),
                s(f, "check").ok_or_else(|| anyhow::anyhow!("{name}: a finding without check"))?,
                s(f, "subject"),
                s(f, "status")
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| anyhow::anyhow!("{name}: a finding without a valid status"))?,
            ))
        })
        .collect()
}

/// Marks the findings of `reports` that `ignore` suppresses (at `now`) or `baseline` holds.
pub fn apply(reports: &mut [Report], ignore: &[Ignore], baseline: Option<&[Recorded]>, now: f64) {
    // The baseline by `(source, check, subject)`, the first entry kept: a fleet's baseline
    // holds a finding per target, so a search per finding would be quadratic.
    let mut held: HashMap<(&str, &str, Option<&str>), Status> = HashMap::new();
    for (s, id, sub, st) in baseline.into_iter().flatten() {
        held.entry((s, id, sub.as_deref())).or_insert(*st);
    }
    for r in reports.iter_mut() {
        let k = key(r);
        let mut notices = Vec::new();
        for c in r.checks.iter_mut().filter(|c| c.status > Status::Ok) {
            let rule = ignore.iter().find(|i| {
                i.check == c.measurement.check
                    && (i.subject.is_none() || i.subject == c.measurement.subject)
                    && i.source.as_ref().is_none_or(|s| k.contains(s.as_str()))
            });
            if let Some(i) = rule {
                match &i.until {
                    Some((day, end)) if now >= *end => notices.push(format!(
                        "the suppression of {} ended on {day} ({}): it counts again",
                        c.measurement.check, i.reason
                    )),
                    _ => {
                        c.waived = Some(Waiver::Suppressed {
                            reason: i.reason.clone(),
                            until: i.until.as_ref().map(|u| u.0.clone()),
                        });
                        continue;
                    }
                }
            }
            let m = &c.measurement;
            let was = held.get(&(k.as_str(), m.check, m.subject.as_deref()));
            if let Some(&st) = was.filter(|&&st| st >= c.status) {
                c.waived = Some(Waiver::Baseline(st));
            }
        }
        r.notices.extend(notices);
    }
}
