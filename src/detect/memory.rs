//! `memory`: resident memory, from whichever metric the ecosystem exposes.

use super::promql::selector;
use super::service::{self, Service};
use super::{Context, Detector, Measurement, Observation};
use crate::model::{SeriesValue, Snapshot};
use crate::threshold::Unit;

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

/// Whether the detector reads family `name` (the parser keeps it whole).
pub(crate) fn wanted(name: &str) -> bool {
    CANDIDATES.iter().any(|c| c.0 == name)
}

fn measurement(value: Option<f64>, note: String, query: Option<String>) -> Observation {
    Observation::Measurement(Measurement {
        check: "memory",
        subject: None,
        value,
        note,
        query,
    })
}

/// The service's memory, not the exporter's: the exporter's own figure is named in the note
/// so that nobody mistakes one for the other.
fn of_service(snap: &Snapshot, svc: &Service) -> Observation {
    let own = CANDIDATES
        .iter()
        .find_map(|(name, _)| sum(snap, name).map(|(v, _)| (name, v)));
    let own = own
        .map(|(name, v)| {
            format!(
                "; {name} ({}) is {}'s own process, not {}",
                Unit::Bytes.format(v),
                svc.exporter,
                svc.name
            )
        })
        .unwrap_or_default();
    match svc
        .memory
        .iter()
        .find_map(|name| sum(snap, name).map(|(v, _)| (name, v)))
    {
        Some((name, v)) => measurement(
            Some(v),
            format!(
                "{name} ({}'s resident set size, read by {}){own}",
                svc.name, svc.exporter
            ),
            Some(format!("sum({})", selector(name, &[]))),
        ),
        None => measurement(
            None,
            format!(
                "{} exposes no resident memory through {}{own}",
                svc.name, svc.exporter
            ),
            None,
        ),
    }
}

impl Detector for MemoryDetector {
    fn id(&self) -> &'static str {
        "memory"
    }

    fn describe(&self) -> &'static str {
        "resident memory (process_resident_memory_bytes or the ecosystem's equivalent)"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        if let Some(svc) = service::recognise(cx.snapshot) {
            return vec![of_service(cx.snapshot, svc)];
        }
        let found = CANDIDATES
            .iter()
            .find_map(|(name, what)| sum(cx.snapshot, name).map(|(v, n)| (name, what, v, n)));
        let m = match found {
            Some((name, what, v, n)) => measurement(
                Some(v),
                format!(
                    "{name} ({what}{})",
                    if n > 1 {
                        format!("; {n} series summed")
                    } else {
                        String::new()
                    }
                ),
                Some(format!("sum({})", selector(name, &[]))),
            ),
            None => measurement(
                None,
                "no resident-memory metric (process_resident_memory_bytes or equivalent)".into(),
                None,
            ),
        };
        vec![m]
    }
}
