//! `memory`: resident memory, from whichever metric the ecosystem exposes.

use super::promql::selector;
use super::{Context, Detector, Measurement, Observation};
use crate::model::{SeriesValue, Snapshot};

/// Reports resident memory.
pub(crate) struct MemoryDetector;

/// Resident-memory metrics in order of preference; all series of the first present are
/// summed (GitLab's `ruby_process_resident_memory_bytes{pid}` has one per worker).
pub(crate) const CANDIDATES: &[(&str, &str)] = &[
    ("process_resident_memory_bytes", "resident set size"),
    (
        "ruby_process_resident_memory_bytes",
        "resident set size, summed over workers",
    ),
    ("grafana_process_resident_memory_bytes", "resident set size"),
    ("ruby_rss", "resident set size"),
    ("process_working_set_bytes", ".NET working set"),
    ("envoy_server_memory_physical_size", "Envoy physical memory"),
    (
        "jvm_memory_used_bytes",
        "JVM memory in use (heap and non-heap), not resident memory",
    ),
];

fn sum(snap: &Snapshot, name: &str) -> Option<(f64, usize)> {
    let f = snap.family(name)?;
    let vals: Vec<f64> = f
        .series
        .iter()
        .filter_map(|s| match s.value {
            SeriesValue::Scalar(v) if v.is_finite() => Some(v),
            _ => None,
        })
        .collect();
    (!vals.is_empty()).then(|| (vals.iter().fold(0.0, |a, b| a + b), vals.len()))
}

impl Detector for MemoryDetector {
    fn id(&self) -> &'static str {
        "memory"
    }

    fn describe(&self) -> &'static str {
        "resident memory (process_resident_memory_bytes or the ecosystem's equivalent)"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let found = CANDIDATES
            .iter()
            .find_map(|(name, what)| sum(cx.snapshot, name).map(|(v, n)| (name, what, v, n)));
        let m = match found {
            Some((name, what, v, n)) => Measurement {
                check: "memory",
                subject: None,
                value: Some(v),
                note: format!(
                    "{name} ({what}{})",
                    if n > 1 {
                        format!("; {n} series summed")
                    } else {
                        String::new()
                    }
                ),
                query: Some(format!("sum({})", selector(name, &[]))),
            },
            None => Measurement {
                check: "memory",
                subject: None,
                value: None,
                note: "no resident-memory metric (process_resident_memory_bytes or equivalent)"
                    .into(),
                query: None,
            },
        };
        vec![Observation::Measurement(m)]
    }
}
