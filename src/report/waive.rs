//! Findings that do not count: suppressed by the config file's `ignore:` (until their last
//! day), or already in a baseline at the same status or worse. They stay in every report,
//! marked; an expired suppression is said in the report's notices.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::Report;
use crate::config::Ignore;
use crate::input::json::{self, Text};
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
    let mut s = crate::escape::json::pretty(&json!({
        "promtune_baseline": 1,
        "findings": list,
    }));
    s.push('\n');
    s
}

/// A baseline file as written by `baseline_json`: every field typed and no other key, so a
/// finding whose status is a list is an error, not a finding that never matches; lists and
/// strings within [`json`]'s caps, so a huge file is refused, not decoded whole.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    promtune_baseline: Option<u64>,
    #[serde(default)]
    findings: json::List<BaselineFinding>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFinding {
    #[serde(default)]
    source: Option<Text>,
    check: Text,
    #[serde(default)]
    subject: Option<Text>,
    #[serde(deserialize_with = "status")]
    status: Status,
}

fn status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    let s = String::from(<Text as serde::Deserialize>::deserialize(d)?);
    s.parse()
        .map_err(|_| serde::de::Error::custom(format!("unknown status {s:?}")))
}

/// Reads a baseline file's text; an error names `name:line:column`.
pub fn parse_baseline(name: &str, text: &str) -> anyhow::Result<Vec<Recorded>> {
    let file: BaselineFile = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        let at = format!(" at line {} column {}", e.line(), e.column());
        let msg = msg.strip_suffix(&at).unwrap_or(&msg);
        anyhow::anyhow!("{name}:{}:{}: not a baseline: {msg}", e.line(), e.column())
    })?;
    if file.promtune_baseline != Some(1) {
        anyhow::bail!("{name}: not a promtune baseline (write one with `promtune baseline write`)");
    }
    Ok(file
        .findings
        .0
        .into_iter()
        .map(|f| {
            (
                f.source.map(String::from).unwrap_or_default(),
                f.check.into(),
                f.subject.map(String::from),
                f.status,
            )
        })
        .collect())
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
