//! Stage 5: measurements × thresholds → checks with a status.
//!
//! The default table is the guide's with one change: the request rate is reported, not judged,
//! because more traffic is not a fault (a healthy service at 3 req/s is not critical). The
//! guide's own table is the `guide` profile, and `kpi` tightens it to the guide's success KPIs.

mod status;
mod units;

pub use status::Status;
pub use units::{finite, Unit};

use crate::detect::{Measurement, Observation};

/// Which way is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher values are worse (rates, memory, latency): target `< x`, warning `> y`.
    Higher,
    /// Lower values are worse (hit rates): target `> x`, warning `< y`.
    Lower,
}

/// One row of the threshold table.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Check id (`request_rate`, `memory`, …).
    pub check: &'static str,
    /// Name shown in tables ("Request Rate").
    pub title: &'static str,
    /// Unit of the values.
    pub unit: Unit,
    /// Which way is worse.
    pub direction: Direction,
    /// The value to stay under (or above).
    pub target: Option<f64>,
    /// Past this the status is `warning`.
    pub warning: Option<f64>,
    /// Past this the status is `critical`.
    pub critical: Option<f64>,
}

impl Rule {
    /// The status of `value` under this rule.
    pub fn status(&self, value: Option<f64>) -> Status {
        let Some(v) = value.filter(|v| !v.is_nan()) else {
            return Status::Unknown;
        };
        // A value exactly at a limit has not passed it: 0 404s meets a target of 0.
        let past = |limit: Option<f64>| {
            limit.is_some_and(|l| match self.direction {
                Direction::Higher => v > l,
                Direction::Lower => v < l,
            })
        };
        if past(self.critical) {
            Status::Critical
        } else if past(self.warning) {
            Status::Warning
        } else if past(self.target) {
            Status::OffTarget
        } else {
            Status::Ok
        }
    }

    /// A limit as the table shows it: `< 0.5/s`, `> 90%`.
    pub fn show(&self, limit: Option<f64>, is_target: bool) -> String {
        let Some(l) = limit else { return "-".into() };
        if is_target && l == 0.0 && self.direction == Direction::Higher {
            return self.unit.format(0.0);
        }
        let op = match (self.direction, is_target) {
            (Direction::Higher, true) | (Direction::Lower, false) => "<",
            _ => ">",
        };
        format!("{op} {}", self.unit.format(l))
    }
}

/// The threshold table in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Rows, in display order.
    pub rules: Vec<Rule>,
    /// Profile the table started from.
    pub profile: &'static str,
    /// Files that changed it, for `promtune thresholds`.
    pub sources: Vec<String>,
}

/// Named profiles.
pub const PROFILES: &[&str] = &["default", "guide", "kpi"];

const MB: f64 = 1024.0 * 1024.0;

fn rule(
    check: &'static str,
    title: &'static str,
    unit: Unit,
    direction: Direction,
    t: f64,
    w: Option<f64>,
    c: Option<f64>,
) -> Rule {
    Rule {
        check,
        title,
        unit,
        direction,
        target: Some(t),
        warning: w,
        critical: c,
    }
}

impl Thresholds {
    /// The guide's table, plus error rate and 404s from its KPIs.
    pub fn guide() -> Thresholds {
        use Direction::{Higher, Lower};
        Thresholds {
            rules: vec![
                rule(
                    "request_rate",
                    "Request Rate",
                    Unit::PerSecond,
                    Higher,
                    0.5,
                    Some(1.0),
                    Some(2.0),
                ),
                rule(
                    "memory",
                    "Memory Usage",
                    Unit::Bytes,
                    Higher,
                    500.0 * MB,
                    Some(800.0 * MB),
                    Some(1000.0 * MB),
                ),
                rule(
                    "cache_hit_rate",
                    "Cache Hit Rate",
                    Unit::Ratio,
                    Lower,
                    0.9,
                    Some(0.7),
                    Some(0.5),
                ),
                rule(
                    "p95_latency",
                    "Response Time (P95)",
                    Unit::Seconds,
                    Higher,
                    0.1,
                    Some(0.5),
                    Some(1.0),
                ),
                rule(
                    "error_rate",
                    "Error Rate (5xx)",
                    Unit::Ratio,
                    Higher,
                    0.01,
                    Some(0.05),
                    Some(0.1),
                ),
                rule(
                    "not_found",
                    "404 Errors",
                    Unit::Count,
                    Higher,
                    0.0,
                    None,
                    None,
                ),
                rule(
                    "cpu",
                    "CPU Usage",
                    Unit::Cores,
                    Higher,
                    0.5,
                    Some(0.8),
                    Some(1.0),
                ),
            ],
            profile: "guide",
            sources: Vec::new(),
        }
    }

    /// The default table: the guide's, with the request rate shown but not judged.
    ///
    /// The guide's request-rate lines (< 0.5/s, > 1/s, > 2/s) describe one idle service whose
    /// traffic was 47% monitoring; its goal was to cut that overhead, which the metrics-scrape
    /// and health-check patterns measure directly. Held against any real workload, those lines
    /// call every busy, healthy service critical.
    pub fn default_table() -> Thresholds {
        let mut t = Thresholds::guide();
        t.profile = "default";
        if let Some(r) = t.rules.iter_mut().find(|r| r.check == "request_rate") {
            (r.target, r.warning, r.critical) = (None, None, None);
        }
        t
    }

    /// A named profile: `default`, `guide` (the guide's table as written) or `kpi` (the
    /// guide's table with its success KPIs as targets).
    pub fn profile(name: &str) -> Option<Thresholds> {
        let mut t = Thresholds::guide();
        match name {
            "default" => return Some(Thresholds::default_table()),
            "guide" => {}
            "kpi" => {
                t.profile = "kpi";
                for (check, target) in [
                    ("request_rate", 0.1),
                    ("memory", 500.0 * MB),
                    ("cache_hit_rate", 0.9),
                    ("p95_latency", 0.005),
                    ("error_rate", 0.01),
                    ("not_found", 0.0),
                ] {
                    if let Some(r) = t.rules.iter_mut().find(|r| r.check == check) {
                        r.target = Some(target);
                    }
                }
            }
            _ => return None,
        }
        Some(t)
    }

    /// The row for `check`.
    pub fn rule(&self, check: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.check == check)
    }
}

/// Why a finding does not count for `--fail-on`.
#[derive(Debug, Clone, PartialEq)]
pub enum Waiver {
    /// An `ignore:` entry of the config file, with its reason and last day.
    Suppressed {
        /// Why.
        reason: String,
        /// Its last day, if any.
        until: Option<String>,
    },
    /// The baseline holds it at this status or worse.
    Baseline(Status),
}

impl Waiver {
    /// `suppressed` or `baseline`.
    pub fn kind(&self) -> &'static str {
        match self {
            Waiver::Suppressed { .. } => "suppressed",
            Waiver::Baseline(_) => "baseline",
        }
    }

    /// One line: `suppressed until 2027-03-01: leak fixed in 2.4`.
    pub fn describe(&self) -> String {
        match self {
            Waiver::Suppressed {
                reason,
                until: Some(u),
            } => format!("suppressed until {u}: {reason}"),
            Waiver::Suppressed {
                reason,
                until: None,
            } => format!("suppressed: {reason}"),
            Waiver::Baseline(s) => format!("in the baseline at {s}"),
        }
    }
}

/// A measurement judged against its row.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The measurement.
    pub measurement: Measurement,
    /// The row it was judged by.
    pub rule: Rule,
    /// The verdict.
    pub status: Status,
    /// Why it does not count for `--fail-on`, if it does not.
    pub waived: Option<Waiver>,
}

/// Judges every measurement that has a row; sorted by table order, then subject.
pub fn judge(observations: &[Observation], t: &Thresholds) -> Vec<Check> {
    let mut out: Vec<(usize, Check)> = observations
        .iter()
        .filter_map(|o| match o {
            Observation::Measurement(m) => Some(m),
            Observation::Pattern(_) => None,
        })
        .filter_map(|m| {
            let i = t.rules.iter().position(|r| r.check == m.check)?;
            let rule = t.rules[i].clone();
            Some((
                i,
                Check {
                    status: rule.status(m.value),
                    measurement: m.clone(),
                    rule,
                    waived: None,
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.measurement.subject.cmp(&b.1.measurement.subject))
    });
    out.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_guide_table() {
        let t = Thresholds::guide();
        let mem = t.rule("memory").unwrap();
        assert_eq!(mem.status(Some(900.0 * MB)), Status::Warning);
        assert_eq!(mem.status(Some(1001.0 * MB)), Status::Critical);
        assert_eq!(mem.status(Some(600.0 * MB)), Status::OffTarget);
        assert_eq!(mem.status(Some(400.0 * MB)), Status::Ok);
        assert_eq!(mem.status(None), Status::Unknown);
        let cache = t.rule("cache_hit_rate").unwrap();
        assert_eq!(cache.status(Some(0.95)), Status::Ok);
        assert_eq!(cache.status(Some(0.8)), Status::OffTarget);
        assert_eq!(cache.status(Some(0.6)), Status::Warning);
        assert_eq!(cache.status(Some(0.4)), Status::Critical);
        let nf = t.rule("not_found").unwrap();
        assert_eq!(nf.status(Some(0.0)), Status::Ok);
        assert_eq!(nf.status(Some(2.0)), Status::OffTarget);
        assert_eq!(
            t.rule("request_rate").unwrap().show(Some(0.5), true),
            "< 0.5/s"
        );
        assert_eq!(cache.show(Some(0.7), false), "< 70%");
    }

    #[test]
    fn kpi_profile_tightens_targets() {
        let k = Thresholds::profile("kpi").unwrap();
        assert_eq!(k.rule("p95_latency").unwrap().target, Some(0.005));
        assert_eq!(k.rule("p95_latency").unwrap().warning, Some(0.5));
        assert!(Thresholds::profile("nope").is_none());
    }

    #[test]
    fn the_default_reports_the_request_rate_without_judging_it() {
        let d = Thresholds::profile("default").unwrap();
        let rr = d.rule("request_rate").unwrap();
        assert_eq!((rr.target, rr.warning, rr.critical), (None, None, None));
        assert_eq!(rr.status(Some(3.0)), Status::Ok);
        assert_eq!(rr.status(Some(5000.0)), Status::Ok);
        assert_eq!(rr.status(None), Status::Unknown);
        // Every other row is the guide's.
        let g = Thresholds::profile("guide").unwrap();
        assert_eq!(
            g.rule("request_rate").unwrap().status(Some(3.0)),
            Status::Critical
        );
        for r in d.rules.iter().filter(|r| r.check != "request_rate") {
            assert_eq!(Some(r), g.rule(r.check));
        }
    }
}
