//! What the CI formats (SARIF, JUnit, GitHub annotations) report: each check past its
//! target and each usage pattern with a recommendation, with where in the source the series
//! that was measured begins.

use super::Report;
use crate::recommend::{Impact, Recommendation};
use crate::threshold::{Check, Status};

/// One finding.
pub(crate) struct Finding<'a> {
    /// The rule: a check or pattern id (`memory`, `metrics_scrapes`).
    pub rule: &'static str,
    /// How bad: the check's status, or for a pattern `warning` (high impact) or `off_target`.
    pub status: Status,
    /// One sentence.
    pub message: String,
    /// The check, when it is one.
    pub check: Option<&'a Check>,
    /// The source's line of the measured family, when the source is a file.
    pub line: Option<u64>,
}

impl Finding<'_> {
    /// Why it does not count, if it does not.
    pub(crate) fn waived(&self) -> Option<String> {
        self.check
            .and_then(|c| c.waived.as_ref())
            .map(|w| w.describe())
    }
}

/// The pattern a recommendation acts on, for recommendations about usage patterns.
fn pattern_of(r: &Recommendation) -> Option<&'static str> {
    match r.id {
        "scrape_interval" | "count_scrapes" | "compress_metrics" | "monitoring_traffic" => {
            Some("metrics_scrapes")
        }
        "health_check_interval" => Some("health_checks"),
        "favicon" | "not_found_paths" => Some("not_found"),
        _ => None,
    }
}

/// Whether `source` is a file whose lines mean something (not a URL, stdin or a target).
pub(crate) fn is_file(source: &str) -> bool {
    !(source.contains("://") || source == "<stdin>" || source.starts_with('{'))
}

/// The metric a check's PromQL template selects first (`process_resident_memory_bytes`).
fn metric(query: &str) -> Option<&str> {
    let end = query.find(&format!("{{{}", crate::detect::JOB))?;
    let start = query[..end]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .map_or(0, |i| i + 1);
    Some(&query[start..end])
}

/// The line of the family behind `check` in `r`'s source.
fn line(r: &Report, check: &Check) -> Option<u64> {
    if !is_file(&r.source) {
        return None;
    }
    let m = match check.measurement.query.as_deref() {
        Some(q) => metric(q)?,
        // A lint finding names its family.
        None => check.measurement.subject.as_deref()?,
    };
    let candidates = [
        m,
        m.strip_suffix("_bucket").unwrap_or(m),
        m.strip_suffix("_count").unwrap_or(m),
        m.strip_suffix("_total").unwrap_or(m),
    ];
    candidates
        .iter()
        .find_map(|c| r.lines.iter().find(|(n, _)| n == c).map(|(_, l)| *l))
}

/// A check in one sentence: `Memory Usage is 900MB (warning: past > 800MB)`.
pub(crate) fn sentence(c: &Check) -> String {
    let r = &c.rule;
    let what = match &c.measurement.subject {
        Some(s) => format!("{} ({s})", r.title),
        None => r.title.to_string(),
    };
    let value = c
        .measurement
        .value
        .map_or("unknown".into(), |v| r.unit.format(v));
    let line = match c.status {
        Status::Critical => format!(": past {}", r.show(r.critical, false)),
        Status::Warning => format!(": past {}", r.show(r.warning, false)),
        Status::OffTarget => format!(": target {}", r.show(r.target, true)),
        _ => String::new(),
    };
    format!("{what} is {value} ({}{line})", c.status)
}

/// The findings of one report: checks at or above `at_least`, then pattern recommendations.
pub(crate) fn findings(r: &Report, at_least: Status) -> Vec<Finding<'_>> {
    let mut out: Vec<Finding> = r
        .checks
        .iter()
        .filter(|c| c.status >= at_least && c.status > Status::Ok)
        .map(|c| Finding {
            rule: c.measurement.check,
            status: c.status,
            message: super::lint::lint_sentence(c).unwrap_or_else(|| sentence(c)),
            check: Some(c),
            line: line(r, c),
        })
        .collect();
    // Usage patterns are read from the request family.
    let requests = r
        .traffic
        .as_ref()
        .filter(|_| is_file(&r.source))
        .and_then(|t| {
            r.lines
                .iter()
                .find(|(n, _)| *n == t.family)
                .map(|(_, l)| *l)
        });
    for rec in &r.recommendations {
        if let Some(p) = pattern_of(rec) {
            let status = if rec.impact == Impact::High {
                Status::Warning
            } else {
                Status::OffTarget
            };
            out.push(Finding {
                rule: p,
                status,
                message: format!(
                    "{}: {} (expected: {})",
                    rec.evidence, rec.action, rec.expected
                ),
                check: None,
                line: requests,
            });
        }
    }
    out.extend(super::cost::findings(r));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{selector, sum_rate};

    #[test]
    fn the_metric_a_template_selects() {
        assert_eq!(
            metric(&sum_rate(&selector(
                "http_requests_total",
                &[("code", "=~", "5..")]
            ))),
            Some("http_requests_total")
        );
        assert_eq!(
            metric(&format!(
                "sum({})",
                selector("process_resident_memory_bytes", &[])
            )),
            Some("process_resident_memory_bytes")
        );
        assert_eq!(metric("up"), None);
        assert!(
            is_file("fixtures/a.prom") && !is_file("http://x/metrics") && !is_file("{job=\"a\"}")
        );
    }
}
