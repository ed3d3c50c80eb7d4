//! When the scrape happened and how long the process had been up: rates need both.

use crate::model::{SeriesValue, Snapshot};

/// A scrape time known from outside the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSource {
    /// Seconds since the epoch.
    pub at: f64,
    /// Where it came from: `time of the HTTP request`, `--scraped-at`, `file modification time`.
    pub how: String,
}

/// A time (seconds since the epoch) as RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: f64) -> String {
    // Clamped to 1970..9999-12-31: Duration::from_secs_f64 panics on negative or infinite
    // values, and RFC 3339 has four-digit years.
    let d = std::time::Duration::from_secs_f64(t.clamp(0.0, 253_402_300_799.0));
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + d).to_string()
}

/// What the counters' values cover, so what rates are "per second of".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Since the process started: one scrape.
    Uptime,
    /// Between two scrapes of the same target (`--previous`, `--window`).
    Window,
}

impl Span {
    /// `uptime` or `window`, as in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Uptime => "uptime",
            Span::Window => "window",
        }
    }

    /// Completes "over 60s …" in notes.
    pub fn phrase(self) -> &'static str {
        match self {
            Span::Uptime => "of uptime",
            Span::Window => "between the two scrapes",
        }
    }
}

/// Scrape time, start time and uptime, each with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// Scrape time, seconds since the epoch.
    pub scraped_at: Option<f64>,
    /// Where the scrape time came from.
    pub scraped_at_source: String,
    /// The time the values cover, in seconds: the process uptime at the scrape, or the
    /// window between two scrapes (see `span`).
    pub uptime: Option<f64>,
    /// Where the uptime came from.
    pub uptime_source: String,
    /// Process start time (seconds since the epoch), when exposed.
    pub start: Option<f64>,
    /// Whether `uptime` is the process's uptime or a window between two scrapes.
    pub span: Span,
}

fn scalar_values(snap: &Snapshot, name: &str) -> Vec<f64> {
    snap.families
        .iter()
        .filter(|f| f.name == name)
        .flat_map(|f| f.series.iter())
        .filter_map(|s| match s.value {
            SeriesValue::Scalar(v) if v.is_finite() => Some(v),
            _ => None,
        })
        .collect()
}

/// Start-time gauges (seconds since the epoch), in order of preference.
pub(crate) const START_TIMES: [&str; 2] = [
    "process_start_time_seconds",
    "ruby_process_start_time_seconds",
];
/// Uptime gauges (seconds), when there is no start time.
pub(crate) const UPTIMES: [&str; 2] = ["process_uptime_seconds", "envoy_server_uptime"];

impl Clock {
    /// Works out the clock: sample timestamps win over `external` (the request time,
    /// `--scraped-at` or the file's modification time).
    pub fn from_snapshot(snap: &Snapshot, external: Option<&TimeSource>) -> Clock {
        let (scraped_at, scraped_at_source) = match (snap.stats.latest_timestamp, external) {
            (Some(ts), _) => (Some(ts), "the latest sample timestamp".to_string()),
            (None, Some(t)) => (Some(t.at), t.how.clone()),
            (None, None) => (None, "unknown".to_string()),
        };
        let mut uptime = None;
        let mut uptime_source = "no start time in the exposition".to_string();
        let starts = START_TIMES;
        let start = starts.iter().find_map(|n| {
            let v = scalar_values(snap, n);
            v.into_iter().reduce(f64::min).map(|s| (*n, s))
        });
        if let Some((name, start)) = start {
            match scraped_at {
                Some(at) => {
                    uptime = Some(at - start).filter(|u| *u > 0.0);
                    uptime_source = if uptime.is_some() {
                        format!("{name} and {scraped_at_source}")
                    } else {
                        format!("{name} is not before the scrape time ({scraped_at_source})")
                    };
                }
                None => uptime_source = format!("{name}, but no scrape time"),
            }
        } else {
            for name in UPTIMES {
                if let Some(u) = scalar_values(snap, name).into_iter().reduce(f64::max) {
                    uptime = Some(u).filter(|u| *u > 0.0);
                    uptime_source = name.to_string();
                    break;
                }
            }
        }
        Clock {
            scraped_at,
            scraped_at_source,
            uptime,
            uptime_source,
            start: start.map(|s| s.1),
            span: Span::Uptime,
        }
    }

    /// The clock of the window from `earlier` to `self`: both scrape times must be known and
    /// in order, or there is no rate to compute.
    pub fn since(&self, earlier: &Clock) -> Result<Clock, String> {
        let (Some(t0), Some(t1)) = (earlier.scraped_at, self.scraped_at) else {
            return Err(format!(
                "cannot tell when the two scrapes were taken (earlier: {}, later: {}); \
                 sample timestamps, the files' modification times or --scraped-at must say",
                earlier.scraped_at_source, self.scraped_at_source
            ));
        };
        if t1 <= t0 {
            return Err(format!(
                "the earlier scrape ({}, from {}) is not before the later one ({}, from {})",
                rfc3339(t0),
                earlier.scraped_at_source,
                rfc3339(t1),
                self.scraped_at_source
            ));
        }
        Ok(Clock {
            uptime: Some(t1 - t0),
            uptime_source: if earlier.scraped_at_source == self.scraped_at_source {
                format!("{} of both scrapes", self.scraped_at_source)
            } else {
                format!(
                    "{} (earlier) and {} (later)",
                    earlier.scraped_at_source, self.scraped_at_source
                )
            },
            span: Span::Window,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::snapshot_of as snap;

    #[test]
    fn uptime_from_start_time_and_external_clock() {
        let s = snap("process_start_time_seconds 1000\n");
        let ext = TimeSource {
            at: 1600.0,
            how: "--scraped-at".into(),
        };
        let c = Clock::from_snapshot(&s, Some(&ext));
        assert_eq!(c.uptime, Some(600.0));
        assert_eq!(
            c.uptime_source,
            "process_start_time_seconds and --scraped-at"
        );
    }

    #[test]
    fn sample_timestamps_win() {
        let s = snap("process_start_time_seconds 1000 1500000\n");
        let ext = TimeSource {
            at: 9999.0,
            how: "x".into(),
        };
        let c = Clock::from_snapshot(&s, Some(&ext));
        assert_eq!(c.scraped_at, Some(1500.0));
        assert_eq!(c.uptime, Some(500.0));
    }

    #[test]
    fn jvm_uptime_and_unknown() {
        let c = Clock::from_snapshot(&snap("process_uptime_seconds 42\n"), None);
        assert_eq!(
            (c.uptime, c.uptime_source.as_str()),
            (Some(42.0), "process_uptime_seconds")
        );
        let c = Clock::from_snapshot(&snap("x 1\n"), None);
        assert_eq!(c.uptime, None);
    }
}
