//! `cpu`: CPU seconds per second of uptime (cores in use, on average).

use super::promql::{selector, sum_rate};
use super::service::{self, Service};
use super::{Context, Detector, Measurement, Observation};
use crate::model::SeriesValue;

/// Reports average CPU use since the process started.
pub(crate) struct CpuDetector;

/// CPU counters (seconds, or nanoseconds for Quarkus) in order of preference.
pub(crate) const COUNTERS: &[(&str, f64)] = &[
    ("process_cpu_seconds_total", 1.0),
    ("process_cpu_seconds", 1.0),
    ("ruby_process_cpu_seconds_total", 1.0),
    ("process_cpu_time_ns_total", 1e-9),
];

/// The service's CPU seconds (user and system summed), not the exporter's.
fn of_service(cx: &Context<'_>, svc: &Service) -> Option<(String, f64, String)> {
    let parts: Vec<(&str, f64)> = svc
        .cpu
        .iter()
        .filter_map(|n| service::sum_of(cx.snapshot, n, &[]).map(|v| (*n, v)))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let names: Vec<&str> = parts.iter().map(|p| p.0).collect();
    let queries: Vec<String> = names
        .iter()
        .map(|n| sum_rate(&selector(&cx.snapshot.sample_name(n), &[])))
        .collect();
    Some((
        names.join(" + "),
        parts.iter().map(|p| p.1).sum(),
        queries.join(" + "),
    ))
}

impl Detector for CpuDetector {
    fn id(&self) -> &'static str {
        "cpu"
    }

    fn describe(&self) -> &'static str {
        "CPU seconds per second of uptime (process_cpu_seconds_total ÷ uptime)"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let service = service::recognise(cx.snapshot);
        let found = match service {
            Some(svc) => of_service(cx, svc),
            None => COUNTERS.iter().find_map(|(name, scale)| {
                let f = cx.snapshot.family(name)?;
                let total: f64 = f
                    .scalars()
                    .map(|(_, v)| v)
                    .filter(|v| v.is_finite())
                    .fold(0.0, |a, b| a + b);
                // An OpenMetrics family `process_cpu_seconds` is stored with `_total`.
                let q = sum_rate(&selector(&f.sample_name(), &[]));
                let q = if *scale == 1.0 {
                    q
                } else {
                    format!("{q} * {scale:e}")
                };
                Some((name.to_string(), total * scale, q))
            }),
        };
        let query = found.as_ref().map(|f| f.2.clone());
        let (value, note) = match (found, cx.clock.uptime) {
            (Some((name, secs, _)), Some(up)) => (
                Some(secs / up),
                format!(
                    "{name}: {secs:.2} CPU seconds over {up:.0}s {}",
                    cx.clock.span.phrase()
                ),
            ),
            (Some((name, secs, _)), None) => (
                None,
                format!("{name}: {secs:.2} CPU seconds, but the uptime is unknown"),
            ),
            (None, _) if service.is_some() => (
                None,
                service
                    .map(|svc| {
                        format!(
                            "{} exposes no CPU counter through {}; process_cpu_seconds_total is the exporter's own",
                            svc.name, svc.exporter
                        )
                    })
                    .unwrap_or_default(),
            ),
            (None, _) => {
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
