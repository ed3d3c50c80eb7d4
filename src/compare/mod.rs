//! `promtune compare BEFORE AFTER`: the guide's "Expected performance improvements" table,
//! measured. Each side is an exposition (analysed as `analyze` would) or a saved JSON report;
//! each check and usage pattern becomes a row with both values, the change, and whether it
//! improved, regressed or stayed, and optionally whether an expected change was met.
//!
//! Two states rarely cover the same uptime, so counts since the start are never compared as
//! they are: 404s become their share of requests. The request rate is reported, not judged,
//! unless `--expect` names it: more traffic is not a regression.

mod render;
mod side;

pub use render::{render, render_many};
pub use side::Side;

use crate::threshold::{Direction, Status, Thresholds, Unit};

/// What became of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Better by more than the tolerance.
    Improved,
    /// Worse by more than the tolerance, or a worse status.
    Regressed,
    /// Within the tolerance.
    Same,
    /// Measured after, not before.
    New,
    /// Measured before, not after.
    Lost,
    /// Measured on neither side.
    Unknown,
    /// Shown, not judged: the request rate, unless `--expect` names it.
    Reported,
}

impl Verdict {
    /// The word used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Improved => "improved",
            Verdict::Regressed => "regressed",
            Verdict::Same => "same",
            Verdict::New => "new",
            Verdict::Lost => "lost",
            Verdict::Unknown => "unknown",
            Verdict::Reported => "reported",
        }
    }
}

/// One row of the comparison.
#[derive(Debug, Clone)]
pub struct Row {
    /// Check or pattern id.
    pub id: String,
    /// A cache's name, when there are several.
    pub subject: Option<String>,
    /// Shown name.
    pub title: String,
    /// Unit of both values.
    pub unit: Unit,
    /// Before and after, with their statuses (checks only).
    pub before: (Option<f64>, Option<Status>),
    /// After.
    pub after: (Option<f64>, Option<Status>),
    /// `(after − before) / |before|`.
    pub change: Option<f64>,
    /// What became of it.
    pub verdict: Verdict,
    /// The expected change and whether it was met.
    pub expected: Option<(f64, bool)>,
}

/// The check that is reported, not judged, unless an expectation names it.
const REQUEST_RATE: &str = "request_rate";

/// Expected changes: `memory=-40%` (at least a 40% cut), `cache_hit_rate=+5%`.
pub fn parse_expect(text: &str) -> anyhow::Result<(String, f64)> {
    let (id, pct) = text.split_once('=').ok_or_else(|| {
        anyhow::anyhow!("--expect {text:?}: expected CHECK=±N% such as memory=-40%")
    })?;
    let n = crate::threshold::finite(pct.trim().trim_end_matches('%')).ok_or_else(|| {
        anyhow::anyhow!("--expect {text:?}: {pct:?} is not a finite percentage such as -40%")
    })?;
    Ok((id.trim().to_string(), n / 100.0))
}

fn judge(
    before: Option<f64>,
    after: Option<f64>,
    better_lower: bool,
    tolerance: f64,
    statuses: (Option<Status>, Option<Status>),
) -> (Option<f64>, Verdict) {
    let (Some(b), Some(a)) = (before, after) else {
        return (
            None,
            match (before, after) {
                (None, Some(_)) => Verdict::New,
                (Some(_), None) => Verdict::Lost,
                _ => Verdict::Unknown,
            },
        );
    };
    let change = if b != 0.0 {
        Some((a - b) / b.abs())
    } else if a == 0.0 {
        Some(0.0)
    } else {
        None
    };
    let worse_status = matches!(statuses, (Some(sb), Some(sa)) if sa > sb && sb != Status::Unknown);
    let moved = change.map_or(a != b, |c| c.abs() > tolerance);
    let better = if better_lower { a < b } else { a > b };
    let verdict = if worse_status {
        Verdict::Regressed
    } else if !moved {
        Verdict::Same
    } else if better {
        Verdict::Improved
    } else {
        Verdict::Regressed
    };
    (change, verdict)
}

/// The comparison of two sides under a threshold table.
pub fn compare(
    before: &Side,
    after: &Side,
    t: &Thresholds,
    tolerance: f64,
    expect: &[(String, f64)],
) -> Vec<Row> {
    let mut keys: Vec<(String, Option<String>)> = Vec::new();
    for (id, subject, ..) in before.checks.iter().chain(&after.checks) {
        if !keys.contains(&(id.clone(), subject.clone())) {
            keys.push((id.clone(), subject.clone()));
        }
    }
    let find = |s: &Side, id: &str, sub: &Option<String>| {
        s.checks
            .iter()
            .find(|c| c.0 == id && &c.1 == sub)
            .map(|c| (c.2, Some(c.3)))
            .unwrap_or((None, None))
    };
    let mut rows = Vec::new();
    for (id, subject) in keys {
        let Some(rule) = t.rule(&id) else { continue };
        let (mut b, mut a) = (find(before, &id, &subject), find(after, &id, &subject));
        let (mut title, mut unit) = (rule.title.to_string(), rule.unit);
        if unit == Unit::Count {
            // A count since the start grows with uptime and traffic: its share of requests
            // says whether it got better.
            let share = |v: Option<f64>, s: &Side| {
                v.zip(s.requests.filter(|n| *n > 0.0)).map(|(v, n)| v / n)
            };
            (b.0, a.0) = (share(b.0, before), share(a.0, after));
            title = format!("{title} (share of requests)");
            unit = Unit::Ratio;
        }
        let (change, mut verdict) = judge(
            b.0,
            a.0,
            rule.direction == Direction::Higher,
            tolerance,
            (b.1, a.1),
        );
        let judged = expect.iter().any(|(e, _)| *e == id);
        if id == REQUEST_RATE && !judged && b.0.is_some() && a.0.is_some() {
            verdict = Verdict::Reported;
        }
        rows.push(Row {
            title,
            unit,
            id,
            subject,
            before: b,
            after: a,
            change,
            verdict,
            expected: None,
        });
    }
    // Usage patterns: the interval between requests, longer being better.
    for (id, title) in [
        ("metrics_scrapes", "Metrics scrape interval"),
        ("health_checks", "Health check interval"),
    ] {
        let get = |s: &Side| s.patterns.iter().find(|p| p.0 == id).and_then(|p| p.1);
        let (b, a) = (get(before), get(after));
        if b.is_none() && a.is_none() {
            continue;
        }
        let (change, verdict) = judge(b, a, false, tolerance, (None, None));
        rows.push(Row {
            id: id.to_string(),
            subject: None,
            title: title.to_string(),
            unit: Unit::Seconds,
            before: (b, None),
            after: (a, None),
            change,
            verdict,
            expected: None,
        });
    }
    for (id, want) in expect {
        for r in rows.iter_mut().filter(|r| &r.id == id) {
            let met = r.change.is_some_and(|c| {
                if *want < 0.0 {
                    c <= *want + 1e-9
                } else {
                    c >= *want - 1e-9
                }
            });
            r.expected = Some((*want, met));
        }
    }
    rows
}

/// Whether the comparison fails a CI job: a regression, or an expectation not met.
pub fn failed(rows: &[Row]) -> bool {
    rows.iter()
        .any(|r| r.verdict == Verdict::Regressed || r.expected.is_some_and(|e| !e.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_direction_and_the_tolerance() {
        let j = |b, a, lower| judge(Some(b), Some(a), lower, 0.05, (None, None)).1;
        assert_eq!(j(900.0, 480.0, true), Verdict::Improved);
        assert_eq!(j(900.0, 920.0, true), Verdict::Same);
        assert_eq!(j(900.0, 1000.0, true), Verdict::Regressed);
        assert_eq!(j(0.84, 0.92, false), Verdict::Improved);
        let worse = judge(
            Some(0.5),
            Some(0.51),
            true,
            0.05,
            (Some(Status::Ok), Some(Status::Warning)),
        )
        .1;
        assert_eq!(worse, Verdict::Regressed);
        assert_eq!(
            parse_expect("memory=-40%").unwrap(),
            ("memory".into(), -0.4)
        );
        assert!(parse_expect("memory").is_err());
        for bad in [
            "memory=NaN%",
            "memory=inf%",
            "memory=-1e309%",
            "memory=1e400%",
        ] {
            assert!(parse_expect(bad).is_err(), "{bad}");
        }
    }
}
