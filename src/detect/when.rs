//! When a scrape was taken: which of the known times wins, and when two of them disagree.
//!
//! A file's modification time is never one of them: `git checkout` and `cp` set it to "now",
//! which turned a request rate of 9.29/s into 0.058/s.

/// A scrape time known from outside the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSource {
    /// Seconds since the epoch.
    pub at: f64,
    /// Where it came from: `the time of the HTTP request`, `--scraped-at`, a saved record.
    pub how: String,
    /// Whether it wins over the sample timestamps: `--scraped-at` and a server's range end
    /// say what the figures describe; a request time (live or saved) only when samples are
    /// not stamped.
    pub given: bool,
}

impl TimeSource {
    /// A time the user or the query states: it wins over sample timestamps.
    pub fn given(at: f64, how: impl Into<String>) -> TimeSource {
        TimeSource {
            at,
            how: how.into(),
            given: true,
        }
    }

    /// A time observed by promtune (a request, live or recorded by `promtune scrape`).
    pub fn observed(at: f64, how: impl Into<String>) -> TimeSource {
        TimeSource {
            at,
            how: how.into(),
            given: false,
        }
    }
}

/// How to give a scrape time, for every note that lacks one.
pub const HOW_TO_DATE: &str =
    "give --scraped-at, or save pages with `promtune scrape URL -o FILE`, which records the time";

/// Where a clock's own sample timestamps are named.
pub(super) const SAMPLES: &str = "the latest sample timestamp";

/// A time (seconds since the epoch) as RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: f64) -> String {
    // Clamped to 1970..9999-12-31: Duration::from_secs_f64 panics on negative or infinite
    // values, and RFC 3339 has four-digit years.
    let d = std::time::Duration::from_secs_f64(t.clamp(0.0, 253_402_300_799.0));
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + d).to_string()
}

/// The scrape time in force and the one set aside: `--scraped-at` (or a range end) wins, then
/// the sample timestamps, then a request time.
pub(super) fn choose(
    samples: Option<f64>,
    external: Option<&TimeSource>,
) -> (Option<TimeSource>, Option<TimeSource>) {
    let stamped = samples.map(|at| TimeSource::observed(at, SAMPLES));
    match (stamped, external) {
        (Some(s), Some(e)) if e.given => (Some(e.clone()), Some(s)),
        (Some(s), Some(e)) => (Some(s), Some(e.clone())),
        (Some(s), None) => (Some(s), None),
        (None, e) => (e.cloned(), None),
    }
}

/// A notice when the time set aside is more than `interval` seconds from the one used: some
/// client libraries stamp samples with their own collection time, minutes old.
pub fn disagreement(used: &TimeSource, other: &TimeSource, interval: f64) -> Option<String> {
    let apart = (used.at - other.at).abs();
    (apart > interval).then(|| {
        format!(
            "{} ({}) and {} ({}) are {apart:.0}s apart, more than a scrape interval ({interval:.0}s); \
             the figures use {}",
            used.how,
            rfc3339(used.at),
            other.how,
            rfc3339(other.at),
            used.how
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scraped_at_beats_samples_which_beat_a_request_time() {
        let flag = TimeSource::given(100.0, "--scraped-at");
        let req = TimeSource::observed(50.0, "the time of the HTTP request");
        let (used, other) = choose(Some(70.0), Some(&flag));
        assert_eq!((used.unwrap().at, other.unwrap().at), (100.0, 70.0));
        let (used, other) = choose(Some(70.0), Some(&req));
        assert_eq!((used.unwrap().at, other.unwrap().at), (70.0, 50.0));
        let (used, other) = choose(None, Some(&req));
        assert_eq!((used.unwrap().at, other), (50.0, None));
        assert_eq!(choose(None, None), (None, None));
    }

    #[test]
    fn only_a_gap_past_the_interval_is_reported() {
        let a = TimeSource::observed(1000.0, SAMPLES);
        let b = TimeSource::observed(1059.0, "the time of the HTTP request");
        assert_eq!(disagreement(&a, &b, 60.0), None);
        let c = TimeSource::observed(1061.0, "the time of the HTTP request");
        let n = disagreement(&a, &c, 60.0).unwrap();
        assert!(n.contains("61s apart"), "{n}");
        assert!(n.ends_with("use the latest sample timestamp"), "{n}");
    }
}
