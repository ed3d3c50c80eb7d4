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

/// Scrape time, start time and uptime, each with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// Scrape time, seconds since the epoch.
    pub scraped_at: Option<f64>,
    /// Where the scrape time came from.
    pub scraped_at_source: String,
    /// Process uptime at the scrape, in seconds.
    pub uptime: Option<f64>,
    /// Where the uptime came from.
    pub uptime_source: String,
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_bytes, ParseOptions};

    fn snap(text: &str) -> Snapshot {
        parse_bytes(text.as_bytes(), &ParseOptions::default())
            .unwrap()
            .snapshot
    }

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
