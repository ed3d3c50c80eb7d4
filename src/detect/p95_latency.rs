//! `p95_latency`: the 95th percentile of request latency, from the finest histogram or a
//! summary's 0.95 quantile.

use super::histogram::{quantile, sum_by_le};
use super::promql::selector;
use super::traffic::{has_route, is_request_latency};
use super::{count, Context, Detector, Measurement, Observation, Span};
use crate::model::{Family, MetricType, SeriesValue};

/// Estimates P95 request latency.
pub(crate) struct P95LatencyDetector;

/// Seconds per unit of a latency family, from its name.
fn scale(name: &str) -> f64 {
    if name.contains("_milliseconds") || name.ends_with("_ms") || name.contains("_ms_") {
        1e-3
    } else if name.contains("_microseconds") {
        1e-6
    } else {
        1.0
    }
}

/// The latency histogram behind a P95 query (`…{name}_bucket…`), summed by `le` as the
/// estimate was, in seconds: `(family, [(upper bound, cumulative count)])`, for charts.
pub fn latency_buckets(
    snap: &crate::model::Snapshot,
    query: &str,
) -> Option<(String, Vec<(f64, f64)>)> {
    let end = query.find("_bucket{")?;
    let start = query[..end]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .map_or(0, |i| i + 1);
    let name = &query[start..end];
    let f = snap
        .families
        .iter()
        .find(|f| f.name == name && f.mtype == MetricType::Histogram)?;
    let k = scale(name);
    let all = sum_by_le(f.series.iter().filter_map(|s| match &s.value {
        SeriesValue::Histogram { buckets, .. } => Some(&buckets[..]),
        _ => None,
    }));
    Some((
        name.to_string(),
        all.iter().map(|b| (b.le * k, b.count)).collect(),
    ))
}

fn buckets_per_series(f: &Family) -> usize {
    f.series
        .iter()
        .map(|s| match &s.value {
            SeriesValue::Histogram { buckets, .. } => buckets.len(),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn from_histogram(f: &Family, others: &[&Family], span: Span) -> Measurement {
    let all = sum_by_le(f.series.iter().filter_map(|s| match &s.value {
        SeriesValue::Histogram { buckets, .. } => Some(&buckets[..]),
        _ => None,
    }));
    let k = scale(&f.name);
    let mut note = format!(
        "histogram_quantile(0.95, sum by (le) ({}_bucket)), {}",
        f.name,
        match span {
            Span::Uptime => "since the process started",
            Span::Window => "between the two scrapes",
            Span::Range => "over the range queried",
        }
    );
    let bucket = selector(&format!("{}_bucket", f.name), &[]);
    let mut query = format!(
        "histogram_quantile(0.95, sum by (le) (rate({bucket}[{}])))",
        super::promql::WINDOW
    );
    if k != 1.0 {
        query = format!("{query} * {k:e}");
    }
    let Some(q) = quantile(0.95, &all) else {
        note.push_str(": no observations");
        return Measurement {
            check: "p95_latency",
            subject: None,
            value: None,
            note,
            query: Some(query),
        };
    };
    note.push_str(&format!(
        "; {}; the estimate lies between {} and {}s",
        crate::plural::s(q.observations, "observation"),
        q.lower * k,
        q.upper * k
    ));
    if q.in_lowest_bucket {
        note.push_str("; only an interpolation inside the lowest bucket, from 0");
    }
    if q.in_inf_bucket {
        note.push_str("; the rank falls in the +Inf bucket, so this is a lower bound");
    }
    if !others.is_empty() {
        let names: Vec<String> = others
            .iter()
            .map(|o| format!("{} ({} buckets)", o.name, buckets_per_series(o)))
            .collect();
        note.push_str(&format!(
            "; chosen for its {} buckets over {}",
            buckets_per_series(f),
            names.join(", ")
        ));
    }
    Measurement {
        check: "p95_latency",
        subject: None,
        value: Some(q.value * k),
        note,
        query: Some(query),
    }
}

fn from_summary(f: &Family) -> Measurement {
    let best = f
        .series
        .iter()
        .filter_map(|s| match &s.value {
            SeriesValue::Summary {
                quantiles, count, ..
            } => quantiles
                .iter()
                .find(|(q, _)| (*q - 0.95).abs() < 1e-9)
                .map(|(_, v)| (*v, count.unwrap_or(0.0), &s.labels)),
            _ => None,
        })
        .filter(|(v, ..)| v.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        Some((v, n, labels)) => Measurement {
            check: "p95_latency",
            subject: None,
            value: Some(v * scale(&f.name)),
            note: format!(
                "summary quantile {}{{quantile=\"0.95\"}}{}, the series with the most observations ({}); summary quantiles cannot be aggregated",
                f.name,
                if labels.is_empty() { String::new() } else { format!(" {labels}") },
                                count(n)
            ),
            query: Some(format!("max({})", selector(&f.name, &[("quantile", "=", "0.95")]))),
        },
        None => Measurement {
            check: "p95_latency",
            subject: None,
            value: None,
            note: format!("summary {} has no 0.95 quantile (and there is no latency histogram)",
                f.name
            ),
            query: None,
        },
    }
}

impl Detector for P95LatencyDetector {
    fn id(&self) -> &'static str {
        "p95_latency"
    }

    fn describe(&self) -> &'static str {
        "P95 request latency, as histogram_quantile computes it, from the finest histogram"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let candidates: Vec<&Family> = cx
            .snapshot
            .families
            .iter()
            .filter(|f| is_request_latency(f) && !f.series.is_empty())
            .collect();
        let mut hists: Vec<&Family> = candidates
            .iter()
            .copied()
            .filter(|f| f.mtype == MetricType::Histogram && buckets_per_series(f) > 1)
            .collect();
        // The finest; among equals, the one that has the route, as the request counts do
        // (django-prometheus times by view, and again for the whole middleware stack).
        hists.sort_by(|a, b| {
            buckets_per_series(b)
                .cmp(&buckets_per_series(a))
                .then_with(|| has_route(b).cmp(&has_route(a)))
                .then_with(|| a.name.cmp(&b.name))
        });
        let m = if let Some((best, rest)) = hists.split_first() {
            from_histogram(best, rest, cx.clock.span)
        } else if let Some(s) = candidates.iter().find(|f| f.mtype == MetricType::Summary) {
            from_summary(s)
        } else {
            Measurement {
                check: "p95_latency",
                subject: None,
                value: None,
                note: "no request latency histogram or summary".into(),
                query: None,
            }
        };
        vec![Observation::Measurement(m)]
    }
}
