//! `ignore:` in the config file: findings accepted for a while, each with its reason.
//!
//! ```yaml
//! ignore:
//!   - check: memory
//!     subject: query_cache      # optional: a cache's name
//!     source: api               # optional: a source path, URL or job/instance containing this
//!     until: 2027-03-01         # optional; after it the suppression stops applying
//!     reason: "leak fixed in 2.4, rolling out"
//! ```

/// One suppression (read by `schema`, which requires `check` and `reason`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ignore {
    /// The check id.
    pub check: String,
    /// Only this subject (a cache), when given.
    pub subject: Option<String>,
    /// Only sources (or `job/instance` targets) containing this, when given.
    pub source: Option<String>,
    /// The last day it applies (unix seconds of its end, UTC), when given.
    pub until: Option<(String, f64)>,
    /// Why: required.
    pub reason: String,
}

/// The end of day `date` (YYYY-MM-DD, UTC) in unix seconds.
fn end_of_day(date: &str) -> Option<f64> {
    let t = humantime::parse_rfc3339_weak(&format!("{date}T23:59:59Z")).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64() + 1.0)
}

/// An `until:` date: the day as written and the end of that day (UTC) in unix seconds.
pub(super) fn until(date: &str) -> Result<(String, f64), String> {
    end_of_day(date)
        .map(|end| (date.to_string(), end))
        .ok_or_else(|| format!("expected a date such as 2027-03-01, got {date}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_end_at_midnight_utc() {
        assert_eq!(end_of_day("2027-03-01"), Some(1_803_945_600.0));
        assert_eq!(end_of_day("soon"), None);
    }
}
