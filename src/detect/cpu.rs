//! `cpu`: CPU seconds per second of uptime (cores in use, on average), of the process the
//! page is about, over that process's own uptime.

use super::owner::Behind;
use super::promql::{selector, sum_rate};
use super::rules::process::{self, Role};
use super::{Context, Detector, Measurement, Observation};
use crate::model::{Family, SeriesValue};

/// Reports average CPU use since the process started.
pub(crate) struct CpuDetector;

/// CPU counters (seconds, or nanoseconds for Quarkus) in order of preference; a lone
/// `<ns>_process_cpu_seconds_total` comes after the first two.
pub(crate) const COUNTERS: &[(&str, f64)] = &[
    ("process_cpu_seconds_total", 1.0),
    ("process_cpu_seconds", 1.0),
    ("process_cpu_time_ns_total", 1e-9),
];

/// `(families added, CPU seconds, PromQL)` of `parts`, when there are any.
fn added(parts: &[(&Family, f64)]) -> Option<(String, f64, String)> {
    if parts.is_empty() {
        return None;
    }
    let names: Vec<String> = parts.iter().map(|(f, _)| f.sample_name()).collect();
    let queries: Vec<String> = parts
        .iter()
        .map(|(f, k)| {
            let q = sum_rate(&selector(&f.sample_name(), &[]));
            if *k == 1.0 {
                q
            } else {
                format!("{q} * {k:e}")
            }
        })
        .collect();
    let secs = parts
        .iter()
        .flat_map(|(f, k)| f.scalars().map(move |(_, v)| v * k))
        .filter(|v| v.is_finite())
        .fold(0.0, |a, b| a + b);
    Some((names.join(" + "), secs, queries.join(" + ")))
}

/// The counter of the process the page is about, when it is not an exporter's.
fn of_page(cx: &Context<'_>) -> Option<(String, f64, String)> {
    let snap = cx.snapshot;
    let plain = |(name, k): &(&str, f64)| snap.family(name).map(|f| (f, *k));
    let found = COUNTERS[..2]
        .iter()
        .find_map(plain)
        .or_else(|| process::lone(snap, "_process_cpu_seconds_total").map(|f| (f, 1.0)))
        .or_else(|| COUNTERS[2..].iter().find_map(plain))?;
    added(&[found])
}

impl Detector for CpuDetector {
    fn id(&self) -> &'static str {
        "cpu"
    }

    fn describe(&self) -> &'static str {
        "CPU seconds per second of uptime (process_cpu_seconds_total ÷ uptime)"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let behind = Behind::of(cx.snapshot);
        let found = match &behind {
            Some(b) => added(&b.figures(cx.snapshot, Role::Cpu)),
            None => of_page(cx),
        };
        let query = found.as_ref().map(|f| f.2.clone());
        let (value, note) = match (found, cx.clock.uptime) {
            (Some((name, secs, _)), Some(up)) => (
                Some(secs / up),
                format!(
                    "{name}: {secs:.2} CPU seconds over {up:.0}s {}{}",
                    cx.clock.span.phrase(),
                    // Behind an exporter, which uptime: the service's, never the exporter's.
                    match &behind {
                        Some(b) => format!(" of {} ({})", b.service(), cx.clock.uptime_source),
                        None => String::new(),
                    }
                ),
            ),
            (Some((name, secs, _)), None) => (
                None,
                format!(
                    "{name}: {secs:.2} CPU seconds, but the uptime is unknown: {}",
                    cx.clock.uptime_source
                ),
            ),
            (None, _) => match &behind {
                Some(b) => (
                    None,
                    format!(
                        "{}'s CPU is unknown: {}",
                        b.service(),
                        b.missing(&[Role::Cpu])
                    ),
                ),
                None => {
                    let gauge = cx.snapshot.family("process_cpu_usage").and_then(|f| {
                        f.series.iter().find_map(|s| match s.value {
                            SeriesValue::Scalar(v) if v.is_finite() => Some(v),
                            _ => None,
                        })
                    });
                    match gauge {
                        Some(v) => (None, format!("only process_cpu_usage ({v}), a recent share of the machine's CPUs, not CPU seconds")),
                        None => (None, "no CPU counter (process_cpu_seconds_total or equivalent)".into()),
                    }
                }
            },
        };
        vec![Observation::Measurement(Measurement {
            check: "cpu",
            subject: None,
            value,
            note,
            query,
        })]
    }
}
