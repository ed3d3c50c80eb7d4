//! When the scrape happened and how long the process had been up: rates need both.

use super::owner::Behind;
use super::rules::process::{self, Role};
use super::when::{self, HOW_TO_DATE};
pub use super::when::{rfc3339, TimeSource};
use crate::model::{SeriesValue, Snapshot};

/// What the counters' values cover, so what rates are "per second of".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Since the process started: one scrape.
    Uptime,
    /// Between two scrapes of the same target (`--previous`, `--window`).
    Window,
    /// A range read from a Prometheus-compatible server (`--prometheus`, `--range`).
    Range,
}

impl Span {
    /// `uptime` or `window`, as in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Uptime => "uptime",
            Span::Window => "window",
            Span::Range => "range",
        }
    }

    /// Completes "over 60s …" in notes.
    pub fn phrase(self) -> &'static str {
        match self {
            Span::Uptime => "of uptime",
            Span::Window => "between the two scrapes",
            Span::Range => "of the range queried",
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
    /// Behind an exporter, the exporter's own uptime (from its process start time): what
    /// its own scrape counters cover, when `uptime` is the service's.
    pub exporter_uptime: Option<f64>,
    /// Behind an exporter, the family that says so (`bind_up (<ns>_up)`): `uptime` is then
    /// the service's, and only the exporter's own counters go over `exporter_uptime`.
    pub exporter: Option<String>,
    /// A known scrape time that lost to `scraped_at` (a request time behind sample
    /// timestamps, sample timestamps behind `--scraped-at`): held against it in a notice.
    pub set_aside: Option<TimeSource>,
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

/// Start-time gauges (seconds since the epoch), in order of preference; after them any
/// `*_process_start_time_seconds` (HAProxy's), then a lone `*_start_time_seconds`.
pub(crate) const START_TIMES: [&str; 2] = [
    "process_start_time_seconds",
    "ruby_process_start_time_seconds",
];
/// Uptime gauges, when there is no start time; after them any lone `*_uptime_seconds` (or
/// its counter `*_uptime_seconds_total`), `*_uptime_ms` or `*_uptime_milliseconds`.
pub(crate) const UPTIMES: [&str; 2] = ["process_uptime_seconds", "envoy_server_uptime"];

/// Whether the clock may read family `name` (the parser keeps it whole).
pub(crate) fn wanted(name: &str) -> bool {
    START_TIMES.contains(&name)
        || UPTIMES.contains(&name)
        || name.ends_with("_start_time_seconds")
        || uptime_scale(name).is_some()
}

/// Seconds per unit of a generic uptime gauge's name.
fn uptime_scale(name: &str) -> Option<f64> {
    if name.ends_with("_uptime_seconds") || name.ends_with("_uptime_seconds_total") {
        Some(1.0)
    } else if name.ends_with("_uptime_ms") || name.ends_with("_uptime_milliseconds") {
        Some(1e-3)
    } else {
        None
    }
}

/// The first start time found: `(family, seconds since the epoch)`. Behind an exporter, only
/// the service's: the exporter's own process_start_time_seconds says nothing of it.
fn start_time(snap: &Snapshot, behind: Option<&Behind>) -> Option<(String, f64)> {
    let earliest = |n: &str| scalar_values(snap, n).into_iter().reduce(f64::min);
    if let Some(b) = behind {
        return b
            .figures(snap, Role::Start)
            .into_iter()
            .find_map(|(f, _)| earliest(&f.name).map(|v| (f.name.clone(), v)));
    }
    START_TIMES
        .iter()
        .find_map(|n| earliest(n).map(|v| (n.to_string(), v)))
        .or_else(|| lone(snap, |n| n.ends_with("_process_start_time_seconds")))
        .or_else(|| lone(snap, |n| n.ends_with("_start_time_seconds")))
}

/// The family that dates the process (or, behind an exporter, the service) this snapshot
/// describes: where a restart shows as a new value.
pub fn start_family(snap: &Snapshot) -> Option<String> {
    start_time(snap, Behind::of(snap).as_ref()).map(|(name, _)| name)
}

/// The first uptime found: `(family, seconds)`. Behind an exporter, only the service's.
fn uptime_gauge(snap: &Snapshot, behind: Option<&Behind>) -> Option<(String, f64)> {
    let longest = |n: &str, k: f64| {
        scalar_values(snap, n)
            .into_iter()
            .reduce(f64::max)
            .map(|v| (n.to_string(), v * k))
    };
    if let Some(b) = behind {
        return b
            .figures(snap, Role::Uptime)
            .into_iter()
            .find_map(|(f, k)| longest(&f.name, k));
    }
    UPTIMES.iter().find_map(|n| longest(n, 1.0)).or_else(|| {
        let (name, v) = lone(snap, |n| uptime_scale(n).is_some())?;
        Some((name.clone(), v * uptime_scale(&name)?))
    })
}

/// The value of the one family whose name `pred` accepts, when it has exactly one series:
/// `container_start_time_seconds` has one per container and dates none of them, and of
/// `edgeAgent_host_uptime_seconds` and `edgeAgent_iotedged_uptime_seconds` the page does not
/// say which is its own process.
fn lone(snap: &Snapshot, pred: impl Fn(&str) -> bool) -> Option<(String, f64)> {
    let mut found = snap.families.iter().filter(|f| pred(&f.name));
    let f = found.next()?;
    if found.next().is_some() || f.series.len() != 1 {
        return None;
    }
    match f.series[0].value {
        SeriesValue::Scalar(v) if v.is_finite() => Some((f.name.clone(), v)),
        _ => None,
    }
}

impl Clock {
    /// Works out the clock: `--scraped-at` (a `given` time) wins, then sample timestamps,
    /// then a request time (live, or recorded by `promtune scrape`).
    pub fn from_snapshot(snap: &Snapshot, external: Option<&TimeSource>) -> Clock {
        let (used, set_aside) = when::choose(snap.stats.latest_timestamp, external);
        let scraped_at = used.as_ref().map(|t| t.at);
        let scraped_at_source = used.map_or_else(|| format!("unknown: {HOW_TO_DATE}"), |t| t.how);
        let behind = Behind::of(snap);
        let mut uptime = None;
        let mut uptime_source = match &behind {
            Some(b) => format!(
                "{}'s start time and uptime are unknown: {}",
                b.service(),
                b.missing(&[Role::Start, Role::Uptime])
            ),
            None => "no start time in the exposition".to_string(),
        };
        let start = start_time(snap, behind.as_ref());
        if let Some((name, start)) = &start {
            match scraped_at {
                Some(at) => {
                    uptime = Some(at - start).filter(|u| *u > 0.0);
                    uptime_source = if uptime.is_some() {
                        format!("{name} and {scraped_at_source}")
                    } else {
                        format!("{name} is not before the scrape time ({scraped_at_source})")
                    };
                }
                None => uptime_source = format!("{name}, but no scrape time: {HOW_TO_DATE}"),
            }
        } else if let Some((name, u)) = uptime_gauge(snap, behind.as_ref()) {
            uptime = Some(u).filter(|u| *u > 0.0);
            uptime_source = name;
        }
        Clock {
            scraped_at,
            scraped_at_source,
            uptime,
            uptime_source,
            start: start.map(|s| s.1),
            span: Span::Uptime,
            exporter_uptime: behind
                .as_ref()
                .and(scraped_at)
                .zip(
                    scalar_values(snap, START_TIMES[0])
                        .into_iter()
                        .reduce(f64::min),
                )
                .map(|(at, s)| at - s)
                .filter(|u| *u > 0.0),
            exporter: behind.map(|b| b.exporter.describe()),
            set_aside,
        }
    }

    /// The time `family`'s counts cover: behind an exporter, its own counters (the client
    /// library's, `<x>_exporter_…`) go over the exporter's uptime and everything else over
    /// the service's; `None` when the owner's is unknown.
    pub fn uptime_of(&self, family: &str) -> Option<f64> {
        if self.exporter.is_some() && process::exporters_own(family) {
            self.exporter_uptime
        } else {
            self.uptime
        }
    }

    /// With no start time and no uptime, the request family's creation time (its `_created`,
    /// the earliest series') dates its counts: a rate since creation needs no process start
    /// time. prometheus_client creates a labelled series at its first request, so this is
    /// the time of the first request recorded.
    /// Not behind an exporter: the exporter creates the series when it first reads the
    /// service, which dates the exporter, not the service's counts.
    pub fn or_created(mut self, snap: &Snapshot, family: &str) -> Clock {
        if self.uptime.is_some() || self.span != Span::Uptime || self.exporter.is_some() {
            return self;
        }
        let created = snap.family(family).and_then(|f| {
            f.series
                .iter()
                .filter_map(|s| s.created)
                .filter(|c| c.is_finite())
                .reduce(f64::min)
        });
        if let (Some(at), Some(c)) = (self.scraped_at, created) {
            if at > c {
                self.uptime = Some(at - c);
                self.uptime_source = format!(
                    "{family}'s creation time (_created, its earliest series) and {}",
                    self.scraped_at_source
                );
            }
        }
        self
    }

    /// The clock of a range read from a server: the values cover `start`..`end`, counters
    /// being their increase over it and gauges their value at its end.
    pub fn over_range(snap: &Snapshot, start: f64, end: f64, how: &str) -> Clock {
        let at = TimeSource::given(end, how);
        Clock {
            uptime: Some(end - start),
            uptime_source: format!("the range queried, {} to {}", rfc3339(start), rfc3339(end)),
            span: Span::Range,
            exporter_uptime: Some(end - start),
            ..Clock::from_snapshot(snap, Some(&at))
        }
    }

    /// The clock of the window from `earlier` to `self`: both scrape times must be known and
    /// in order, or there is no rate to compute.
    pub fn since(&self, earlier: &Clock) -> Result<Clock, String> {
        let (Some(t0), Some(t1)) = (earlier.scraped_at, self.scraped_at) else {
            return Err(format!(
                "cannot tell when the two scrapes were taken (earlier: {}, later: {}); \
                 sample timestamps, `promtune scrape`'s records or --scraped-at must say",
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
            exporter_uptime: Some(t1 - t0),
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
        let ext = TimeSource::given(1600.0, "--scraped-at");
        let c = Clock::from_snapshot(&s, Some(&ext));
        assert_eq!(c.uptime, Some(600.0));
        assert_eq!(
            c.uptime_source,
            "process_start_time_seconds and --scraped-at"
        );
    }

    #[test]
    fn sample_timestamps_win_over_a_request_time_not_over_scraped_at() {
        let s = snap("process_start_time_seconds 1000 1500000\n");
        let request = TimeSource::observed(9999.0, "the time of the HTTP request");
        let c = Clock::from_snapshot(&s, Some(&request));
        assert_eq!(c.scraped_at, Some(1500.0));
        assert_eq!(c.uptime, Some(500.0));
        assert_eq!(c.set_aside, Some(request));
        let flag = TimeSource::given(1600.0, "--scraped-at");
        let c = Clock::from_snapshot(&s, Some(&flag));
        assert_eq!((c.scraped_at, c.uptime), (Some(1600.0), Some(600.0)));
        assert_eq!(c.set_aside.map(|t| t.at), Some(1500.0));
    }

    #[test]
    fn without_a_time_the_uptime_is_unknown_and_the_note_says_how_to_give_it() {
        let c = Clock::from_snapshot(&snap("process_start_time_seconds 1000\n"), None);
        assert_eq!((c.scraped_at, c.uptime), (None, None));
        assert!(
            c.uptime_source.ends_with(super::HOW_TO_DATE),
            "{}",
            c.uptime_source
        );
    }

    #[test]
    fn other_shapes_of_start_time_and_uptime() {
        let at = TimeSource::given(1600.0, "--scraped-at");
        let c = Clock::from_snapshot(
            &snap("haproxy_process_start_time_seconds 1000\n"),
            Some(&at),
        );
        assert_eq!(c.uptime, Some(600.0));
        let c = Clock::from_snapshot(&snap("myapp_start_time_seconds 1300\n"), Some(&at));
        assert_eq!(c.uptime, Some(300.0));
        // One per container: dates none of them.
        let many =
            "container_start_time_seconds{id=\"a\"} 1\ncontainer_start_time_seconds{id=\"b\"} 2\n";
        assert_eq!(Clock::from_snapshot(&snap(many), Some(&at)).uptime, None);
        let c = Clock::from_snapshot(&snap("app_uptime_ms 42000\n"), None);
        assert_eq!(
            (c.uptime, c.uptime_source.as_str()),
            (Some(42.0), "app_uptime_ms")
        );
        // Behind an exporter, the exporter's own start time is not the service's.
        let redis = "redis_up 1\nprocess_start_time_seconds 1000\nredis_uptime_in_seconds 77\n";
        let c = Clock::from_snapshot(&snap(redis), Some(&at));
        assert_eq!(
            (c.uptime, c.uptime_source.as_str()),
            (Some(77.0), "redis_uptime_in_seconds")
        );
        let c = Clock::from_snapshot(
            &snap("nginx_up 1\nprocess_start_time_seconds 1000\n"),
            Some(&at),
        );
        assert_eq!(c.uptime, None);
        assert!(
            c.uptime_source.contains("exporter's own"),
            "{}",
            c.uptime_source
        );
    }

    #[test]
    fn rate_since_the_request_counter_was_created() {
        let text = "# TYPE r counter\nr_total{path=\"/a\"} 3\nr_created{path=\"/a\"} 1450\n# EOF\n";
        let s = crate::parse::parse_bytes(text.as_bytes(), &Default::default())
            .unwrap()
            .snapshot;
        let at = TimeSource::given(1600.0, "--scraped-at");
        let c = Clock::from_snapshot(&s, Some(&at)).or_created(&s, "r");
        assert_eq!(c.uptime, Some(150.0));
        assert!(c.uptime_source.starts_with("r's creation time"));
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
