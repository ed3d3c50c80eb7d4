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

use std::path::Path;

use serde_yaml::Value;

use super::{err, ConfigError};
use crate::threshold::Thresholds;

/// One suppression.
#[derive(Debug, Clone, PartialEq)]
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

/// Reads the `ignore:` list.
pub(super) fn parse(file: &Path, v: &Value, t: &Thresholds) -> Result<Vec<Ignore>, ConfigError> {
    let list = v
        .as_sequence()
        .ok_or_else(|| err(file, "ignore", "expected a list of {check, reason, …}"))?;
    let ids: Vec<&str> = t.rules.iter().map(|r| r.check).collect();
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("ignore[{i}]");
            let m = item
                .as_mapping()
                .ok_or_else(|| err(file, &path, "expected {check, reason, …}"))?;
            for (k, _) in m {
                let k = k.as_str().unwrap_or_default();
                if !matches!(k, "check" | "subject" | "source" | "until" | "reason") {
                    return Err(err(
                        file,
                        &format!("{path}.{k}"),
                        "unknown key (expected one of: check, subject, source, until, reason)",
                    ));
                }
            }
            let s = |k: &str| {
                item.get(k).and_then(|x| match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            };
            let check = s("check").ok_or_else(|| err(file, &format!("{path}.check"), "missing"))?;
            if !ids.contains(&check.as_str()) {
                return Err(err(
                    file,
                    &format!("{path}.check"),
                    format!(
                        "unknown check {check:?} (expected one of: {})",
                        ids.join(", ")
                    ),
                ));
            }
            let reason = s("reason")
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| {
                    err(
                        file,
                        &format!("{path}.reason"),
                        "a suppression needs a reason",
                    )
                })?;
            let until = match s("until") {
                Some(d) => Some((
                    d.clone(),
                    end_of_day(&d).ok_or_else(|| {
                        err(
                            file,
                            &format!("{path}.until"),
                            format!("expected a date such as 2027-03-01, got {d}"),
                        )
                    })?,
                )),
                None => None,
            };
            Ok(Ignore {
                check,
                subject: s("subject"),
                source: s("source"),
                until,
                reason,
            })
        })
        .collect()
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
