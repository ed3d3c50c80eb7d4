//! One side of a comparison: a report made here, or a saved `analyze --format json` report
//! read back within the JSON caps.

use serde::Deserialize;

use crate::input::json::{self, Text};
use crate::report::Report;
use crate::threshold::Status;

/// One side's figures, however it was read.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Where it came from.
    pub source: String,
    /// `(id, subject, value, status)` per check.
    pub checks: Vec<(String, Option<String>, Option<f64>, Status)>,
    /// `(id, interval seconds)` per usage pattern.
    pub patterns: Vec<(String, Option<f64>)>,
    /// Every request recorded: what counts become shares of.
    pub requests: Option<f64>,
}

impl Side {
    /// From a report made here.
    pub fn of_report(r: &Report) -> Side {
        Side {
            source: r.source.clone(),
            checks: r
                .checks
                .iter()
                .map(|c| {
                    (
                        c.measurement.check.to_string(),
                        c.measurement.subject.clone(),
                        c.measurement.value,
                        c.status,
                    )
                })
                .collect(),
            patterns: r
                .patterns
                .iter()
                .map(|p| (p.id.to_string(), p.interval_seconds))
                .collect(),
            requests: r.traffic.as_ref().map(|t| t.total()),
        }
    }

    /// From a saved `analyze --format json` report's text (its first source), read into
    /// typed structs within [`json`]'s caps: only the fields compared are kept.
    pub fn of_json(source: &str, text: &str) -> anyhow::Result<Side> {
        let saved: Saved = serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("{source}: not a JSON report: {e}"))?;
        let r = saved.reports.0.ok_or_else(|| anyhow::anyhow!("{source}: a JSON file without reports: expected `promtune analyze --format json` output"))?;
        if let Some(e) = r.error {
            anyhow::bail!("{source}: the saved report is an error: {}", e.0);
        }
        Ok(Side {
            source: source.to_string(),
            checks: r
                .checks
                .0
                .into_iter()
                .filter_map(|c| {
                    Some((
                        c.id?.into(),
                        c.subject.map(String::from),
                        c.value,
                        c.status?.0.parse().ok()?,
                    ))
                })
                .collect(),
            patterns: r
                .patterns
                .0
                .into_iter()
                .filter_map(|p| Some((p.id?.into(), p.interval_seconds)))
                .collect(),
            requests: r.requests.and_then(|q| q.total),
        })
    }
}

/// What a saved report is read for: its first report's checks and patterns.
#[derive(Deserialize)]
struct Saved {
    #[serde(default)]
    reports: json::First<SavedReport>,
}

#[derive(Deserialize)]
struct SavedReport {
    error: Option<Text>,
    #[serde(default)]
    checks: json::List<SavedCheck>,
    #[serde(default)]
    patterns: json::List<SavedPattern>,
    requests: Option<SavedRequests>,
}

#[derive(Deserialize)]
struct SavedRequests {
    total: Option<f64>,
}

#[derive(Deserialize)]
struct SavedCheck {
    id: Option<Text>,
    subject: Option<Text>,
    value: Option<f64>,
    status: Option<Text>,
}

#[derive(Deserialize)]
struct SavedPattern {
    id: Option<Text>,
    interval_seconds: Option<f64>,
}
