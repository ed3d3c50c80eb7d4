//! `memory`: resident memory, from whichever metric the ecosystem exposes, of the process
//! the page is about.

use super::owner::Behind;
use super::promql::selector;
use super::rules::process::{self, Role};
use super::{Context, Detector, Measurement, Observation};
use crate::model::{Family, SeriesValue, Snapshot};
use crate::threshold::Unit;

/// Reports resident memory.
pub(crate) struct MemoryDetector;

/// The client library's resident memory: the process serving the page.
const PLAIN: &str = "process_resident_memory_bytes";

/// Resident-memory metrics after `process_resident_memory_bytes` and a lone
/// `<ns>_process_resident_memory_bytes`, in order of preference; all series of the first
/// present are summed (GitLab's `ruby_process_resident_memory_bytes{pid}` has one per worker).
pub(crate) const CANDIDATES: &[(&str, &str)] = &[
    ("ruby_rss", "resident set size"),
    ("process_working_set_bytes", ".NET working set"),
    ("envoy_server_memory_physical_size", "Envoy physical memory"),
];

/// Not resident memory: named in the note of an unknown, never reported as memory.
const NOT_RESIDENT: &str = "jvm_memory_used_bytes";

fn sum(f: &Family) -> Option<(f64, usize)> {
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

fn named(snap: &Snapshot, name: &str) -> Option<(String, f64, usize)> {
    snap.family(name)
        .and_then(|f| sum(f).map(|(v, n)| (f.name.clone(), v, n)))
}

/// Whether the detector reads family `name` (the parser keeps it whole).
pub(crate) fn wanted(name: &str) -> bool {
    name == PLAIN || name == NOT_RESIDENT || CANDIDATES.iter().any(|c| c.0 == name)
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

fn summed(n: usize) -> String {
    if n > 1 {
        format!("; {n} series summed")
    } else {
        String::new()
    }
}

/// The service's memory, not the exporter's: the exporter's own figure is named in the note
/// so that nobody mistakes one for the other.
fn of_service(snap: &Snapshot, behind: &Behind) -> Observation {
    let own = named(snap, PLAIN)
        .map(|(_, v, _)| {
            format!(
                "; {PLAIN} ({}) is {}'s own process, not {}",
                Unit::Bytes.format(v),
                behind.exporter_name(),
                behind.service()
            )
        })
        .unwrap_or_default();
    let (families, why) = behind.sourced(snap, Role::Memory);
    let found = families
        .into_iter()
        .find_map(|(f, _)| sum(f).map(|(v, n)| (f.name.clone(), v, n)));
    match found {
        Some((name, v, n)) => measurement(
            Some(v),
            format!(
                "{name} ({}'s resident set size, by {why}{}){own}",
                behind.service(),
                summed(n)
            ),
            Some(format!("sum({})", selector(&name, &[]))),
        ),
        None => measurement(
            None,
            format!(
                "{}'s memory is unknown: {}{own}",
                behind.service(),
                behind.missing(&[Role::Memory])
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
        let snap = cx.snapshot;
        if let Some(behind) = Behind::of(snap) {
            return vec![of_service(snap, &behind)];
        }
        let found = named(snap, PLAIN)
            .map(|(name, v, n)| (name, "resident set size", v, n))
            .or_else(|| {
                let f = process::lone(snap, "_process_resident_memory_bytes")?;
                sum(f).map(|(v, n)| (f.name.clone(), "resident set size", v, n))
            })
            .or_else(|| {
                CANDIDATES
                    .iter()
                    .find_map(|(name, what)| named(snap, name).map(|(n, v, c)| (n, *what, v, c)))
            });
        let m = match found {
            Some((name, what, v, n)) => measurement(
                Some(v),
                format!("{name} ({what}{})", summed(n)),
                Some(format!("sum({})", selector(&name, &[]))),
            ),
            None => match named(snap, NOT_RESIDENT) {
                // Heap and non-heap in use is the JVM's accounting, not what the process holds.
                Some((_, v, _)) => measurement(
                    None,
                    format!(
                        "only {NOT_RESIDENT} ({}), JVM memory in use (heap and non-heap), not resident memory",
                        Unit::Bytes.format(v)
                    ),
                    None,
                ),
                None => measurement(
                    None,
                    "no resident-memory metric (process_resident_memory_bytes or equivalent)"
                        .into(),
                    None,
                ),
            },
        };
        vec![m]
    }
}
