//! `cache-optimization.yml`: the guide's cache settings (`max_size`, `ttl`,
//! `eviction_policy: lru`) for each cache found, with the values reasoned from what was
//! measured and the reasoning in comments.

use std::fmt::Write as _;

use super::{header, GenerateContext, Generator};
use crate::escape::{comment, yaml};
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

/// One cache's settings and the reasons for them, for every file that carries them.
pub(super) struct CachePlan {
    /// The cache, as the check's subject names it.
    pub(super) name: String,
    /// What was measured.
    pub(super) measured: Vec<String>,
    /// Why each value is what it is.
    pub(super) why: Vec<String>,
    /// Entries at most.
    pub(super) max_size: u64,
    /// Seconds an entry lives.
    pub(super) ttl: u64,
}

fn entry(cx: &GenerateContext<'_>, c: &Check, memory_over: &Over) -> CachePlan {
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
    CachePlan {
        name: subject.to_string(),
        measured,
        why,
        max_size: max_size as u64,
        ttl: GUIDE_TTL_SECONDS,
    }
}

/// The settings of every cache the analysis found, reasoned from what was measured.
pub(super) fn plans(cx: &GenerateContext<'_>) -> Vec<CachePlan> {
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
    cx.report
        .checks
        .iter()
        .filter(|c| c.measurement.check == "cache_hit_rate" && c.measurement.subject.is_some())
        .map(|c| entry(cx, c, &memory_over))
        .collect()
}

fn yaml_entry(p: &CachePlan) -> String {
    let mut out = format!(
        "  {}:\n    # measured: {}\n",
        yaml::inline(&p.name),
        comment::line(&p.measured.join(", "))
    );
    for w in &p.why {
        let _ = writeln!(out, "    # {}", comment::line(w));
    }
    let _ = write!(
        out,
        "    max_size: {}\n    ttl: {}\n    eviction_policy: lru\n",
        p.max_size, p.ttl
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
        let caches = plans(cx);
        let mut body = String::from("caches:");
        if caches.is_empty() {
            body.push_str(" {}\n");
        } else {
            body.push('\n');
            for c in &caches {
                body.push_str(&yaml_entry(c));
            }
        }
        let note = if caches.is_empty() {
            vec!["No cache hit/miss counters were found, so there is nothing to tune.".to_string()]
        } else {
            vec![
                "Load it: the same settings are the CACHE_CONFIG dict of cache-optimization.py (the guide's config/cache-optimization.py);".to_string(),
                "each cache is cachetools.TTLCache(maxsize=max_size, ttl=ttl), which evicts the least recently used entry when full.".to_string(),
            ]
        };
        Ok(format!(
            "{}{body}",
            header(cx, "Cache settings (cache-optimization.yml)", &note)
        ))
    }
}
