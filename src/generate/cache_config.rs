//! `cache-optimization.yml`: the guide's cache settings (`max_size`, `ttl`,
//! `eviction_policy: lru`) for each cache found, with the values reasoned from what was
//! measured and the reasoning in comments.

use std::fmt::Write as _;

use super::{header, GenerateContext, Generator};
use crate::model::{SeriesValue, Snapshot};
use crate::threshold::{Check, Status};

/// Writes the cache settings.
pub(crate) struct CacheConfigGenerator;

/// The guide's values.
const GUIDE_MAX_SIZE: f64 = 1000.0;
const GUIDE_TTL_SECONDS: u64 = 3600;

fn gauge(snap: &Snapshot, names: &[String]) -> Option<(String, f64)> {
    names.iter().find_map(|n| {
        let f = snap.family(n)?;
        let v = f.series.iter().find_map(|s| match s.value {
            SeriesValue::Scalar(v) if v.is_finite() => Some(v),
            _ => None,
        })?;
        Some((n.clone(), v))
    })
}

/// Memory over its target: the message, and target ÷ current (the share to keep).
type Over = Option<(String, f64)>;

fn entry(cx: &GenerateContext<'_>, c: &Check, memory_over: &Over) -> String {
    let subject = c.measurement.subject.as_deref().unwrap_or("cache");
    let base = subject.split('{').next().unwrap_or(subject);
    let names = |suffixes: &[&str]| {
        suffixes
            .iter()
            .map(|s| format!("{base}{s}"))
            .collect::<Vec<_>>()
    };
    let entries = gauge(
        cx.snapshot,
        &names(&["_entries", "_items", "_size", "_keys"]),
    );
    let bytes = gauge(
        cx.snapshot,
        &names(&["_size_bytes", "_bytes", "_memory_bytes"]),
    );
    let rate = c.measurement.value;
    let u = c.rule.unit;
    let mut why = Vec::new();
    let mut measured = vec![format!(
        "hit rate {}",
        rate.map(|r| u.format(r))
            .unwrap_or_else(|| "unknown".into())
    )];
    if let Some(t) = c.rule.target {
        measured[0].push_str(&format!(" (target > {})", u.format(t)));
    }
    if let Some((n, v)) = &entries {
        measured.push(format!("{} entries ({n})", crate::detect::count(*v)));
    }
    if let Some((n, v)) = &bytes {
        measured.push(format!(
            "{} ({n})",
            crate::threshold::Unit::Bytes.format(*v)
        ));
    }
    let max_size = match (&entries, c.status) {
        (Some((_, n)), Status::OffTarget | Status::Warning | Status::Critical)
            if memory_over.is_none() =>
        {
            why.push("hit rate below target and memory within target: grow by a quarter so more of the working set fits".to_string());
            (n * 1.25).ceil()
        }
        (Some((_, n)), _) if memory_over.is_some() => {
            let (msg, keep) = memory_over.clone().unwrap_or_default();
            why.push(format!("{msg}: shrink by the same ratio (x{keep:.2}) so the cache gives back its share; the TTL and LRU eviction keep the hot entries"));
            (n * keep).ceil()
        }
        (Some((_, n)), _) => {
            why.push("hit rate meets the target: keep the current size".into());
            *n
        }
        (None, _) => {
            why.push("entry count not exposed: the guide's 1000 entries".into());
            GUIDE_MAX_SIZE
        }
    };
    why.push(format!("ttl {GUIDE_TTL_SECONDS}s is the guide's one hour: stale entries expire instead of holding memory"));
    why.push("eviction_policy lru drops the least recently used entry when full".into());
    let key = serde_yaml::to_string(&subject)
        .unwrap_or_else(|_| format!("{subject:?}"))
        .trim()
        .to_string();
    let mut out = format!("  {key}:\n    # measured: {}\n", measured.join(", "));
    for w in why {
        let _ = writeln!(out, "    # {w}");
    }
    let _ = write!(
        out,
        "    max_size: {}\n    ttl: {GUIDE_TTL_SECONDS}\n    eviction_policy: lru\n",
        max_size as u64
    );
    out
}

impl Generator for CacheConfigGenerator {
    fn kind(&self) -> &'static str {
        "cache-config"
    }

    fn file_name(&self) -> &'static str {
        "cache-optimization.yml"
    }

    fn generate(&self, cx: &GenerateContext<'_>) -> anyhow::Result<String> {
        let memory_over = cx
            .report
            .checks
            .iter()
            .find(|c| c.measurement.check == "memory")
            .and_then(|m| {
                let (v, t) = (m.measurement.value?, m.rule.target?);
                (v > t).then(|| {
                    (
                        format!(
                            "memory is over target ({} > {})",
                            m.rule.unit.format(v),
                            m.rule.unit.format(t)
                        ),
                        t / v,
                    )
                })
            });
        let caches: Vec<&Check> = cx
            .report
            .checks
            .iter()
            .filter(|c| c.measurement.check == "cache_hit_rate" && c.measurement.subject.is_some())
            .collect();
        let mut body = String::from("caches:");
        if caches.is_empty() {
            body.push_str(" {}\n");
        } else {
            body.push('\n');
            for c in caches {
                body.push_str(&entry(cx, c, &memory_over));
            }
        }
        let note = if body.ends_with("{}\n") {
            vec!["No cache hit/miss counters were found, so there is nothing to tune.".to_string()]
        } else {
            Vec::new()
        };
        Ok(format!(
            "{}{body}",
            header(cx, "Cache settings (cache-optimization.yml)", &note)
        ))
    }
}
