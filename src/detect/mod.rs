//! Stage 4: pattern detectors. Each observes one thing in a [`Snapshot`] and says what it
//! measured and from which series; judging against thresholds happens in `threshold`.

mod cache_hit_rate;
mod clock;
mod cpu;
mod error_rate;
mod health_checks;
mod histogram;
mod memory;
mod metrics_scrapes;
mod not_found;
mod owner;
mod p95_latency;
mod promql;
mod request_rate;
pub mod routes;
pub(crate) mod rules;
mod service;
mod traffic;
mod when;

pub use clock::{rfc3339, start_family, Clock, Span, TimeSource};
pub use histogram::{quantile, Quantile};
pub use p95_latency::latency_buckets;
pub(crate) use promql::JOB;
pub use promql::{regroup, render as render_query, render_matchers};
#[cfg(test)]
pub(crate) use promql::{selector, sum_rate};
pub use traffic::{recognise, CountKind, RequestRow, Traffic, TrafficOverride};
pub use when::{disagreement, HOW_TO_DATE};

use crate::model::{Family, Keep, MetricType, Shaped, Snapshot};

/// Where each detector's page lives in promtune's source tree: `<DOCS_DIR>/<id>.md`. Not an
/// address: nobody here has checked where a published copy lives, so none is invented.
pub const DOCS_DIR: &str = "docs/detectors";

/// Everything a detector may look at.
pub struct Context<'a> {
    /// The parsed exposition.
    pub snapshot: &'a Snapshot,
    /// The recognised request traffic, if any.
    pub traffic: Option<&'a Traffic>,
    /// Scrape time and uptime.
    pub clock: &'a Clock,
}

/// A usage pattern: requests of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// `metrics_scrapes`, `health_checks` or `not_found`.
    pub id: &'static str,
    /// Requests counted, or `None` when the exposition does not record them.
    pub requests: Option<f64>,
    /// Share of all requests recorded (0–1).
    pub share: Option<f64>,
    /// Implied interval between requests: uptime ÷ requests, in seconds.
    pub interval_seconds: Option<f64>,
    /// Requests per path, largest first.
    pub paths: Vec<(String, f64)>,
    /// What was measured, from which series, and any caveat.
    pub note: String,
}

/// A measured quantity, judged later against a threshold row of the same `check` id.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Check id: `request_rate`, `memory`, `p95_latency`, `cache_hit_rate`, `error_rate`, …
    pub check: &'static str,
    /// What the value is about when there can be several (a cache's name).
    pub subject: Option<String>,
    /// The value in base units (per second, bytes, seconds, ratio), or `None` if unknown.
    pub value: Option<f64>,
    /// What was measured, from which series, and any caveat.
    pub note: String,
    /// PromQL that computes the value live (a template for [`render_query`]), when known.
    pub query: Option<String>,
}

/// What a detector reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// A usage pattern.
    Pattern(Pattern),
    /// A measurement.
    Measurement(Measurement),
}

/// A detector: one file, one id, one docs page (`docs/detectors/<id>.md`).
pub trait Detector {
    /// Stable id.
    fn id(&self) -> &'static str;
    /// One line for `promtune detectors` and the docs.
    fn describe(&self) -> &'static str;
    /// Observes the context.
    fn detect(&self, cx: &Context<'_>) -> Vec<Observation>;
}

/// Every detector, alphabetically.
pub fn registry() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(cache_hit_rate::CacheHitRateDetector),
        Box::new(cpu::CpuDetector),
        Box::new(error_rate::ErrorRateDetector),
        Box::new(health_checks::HealthChecksDetector),
        Box::new(memory::MemoryDetector),
        Box::new(metrics_scrapes::MetricsScrapesDetector),
        Box::new(not_found::NotFoundDetector),
        Box::new(p95_latency::P95LatencyDetector),
        Box::new(request_rate::RequestRateDetector),
    ]
}

/// What the detectors need of each family, for the parser to keep: request and latency
/// families summed by their route, status and method labels; the handful of process gauges
/// and counters whole; cache families whole; nothing of the rest. A text-format `_created`
/// gauge is kept whole when the family it dates would be kept: it becomes that family's
/// creation time (see `model::fold_created`), and creation times cannot be summed.
pub fn retention(o: &TrafficOverride) -> impl Fn(&str, MetricType) -> Keep + '_ {
    let labels = traffic::traffic_labels(o);
    move |name: &str, t: MetricType| {
        let keep = |name: &str, t: MetricType| keep_family(o, &labels, name, t);
        if matches!(t, MetricType::Gauge | MetricType::Unknown) {
            if let Some(base) = name.strip_suffix("_created") {
                let dated = [
                    (format!("{base}_total"), MetricType::Counter),
                    (base.to_string(), MetricType::Counter),
                    (base.to_string(), MetricType::Histogram),
                    (base.to_string(), MetricType::Summary),
                ];
                if dated.iter().any(|(n, t)| keep(n, *t) != Keep::Nothing) {
                    return Keep::Everything;
                }
            }
        }
        keep(name, t)
    }
}

fn keep_family(o: &TrafficOverride, labels: &[String], name: &str, t: MetricType) -> Keep {
    let named = o.family.as_deref() == Some(name)
        || traffic::request_counter_name(name, t)
        || traffic::request_latency_name(name, t);
    if named && t == MetricType::Summary {
        // Kept whole, with its quantiles, for the latency.
        Keep::SumBy(labels.to_vec())
    } else if named || matches!(t, MetricType::Histogram | MetricType::Summary) {
        // Request counters, and every histogram and summary (a request family may be one
        // alone, whatever its name): summed down to the labels the rules name and those
        // recognised by their values (#23).
        Keep::SumByShaped(
            labels.to_vec(),
            Shaped(rules::request_labels::kept_for_value),
        )
    } else if cache_hit_rate::proxy_hits(name) {
        Keep::SumBy(Vec::new())
    } else if cache_hit_rate::wanted(name) || scalar_wanted(name) {
        Keep::Everything
    } else {
        Keep::Nothing
    }
}

/// The process and service gauges and counters the detectors read whole.
fn scalar_wanted(name: &str) -> bool {
    memory::wanted(name)
        || cpu::COUNTERS.iter().any(|c| c.0 == name)
        || clock::wanted(name)
        || service::wanted(name)
        || rules::process::wanted(name)
        || metrics_scrapes::wanted(name)
        || name == "process_cpu_usage"
}

/// Families the detectors read as counters whatever their declared type: request counters
/// (Ray and other OpenCensus exporters declare them as gauges), the configured request
/// family, and cache hit, miss and lookup counts. Two scrapes subtract them too.
pub fn counts_up(o: &TrafficOverride) -> impl Fn(&Family) -> bool + '_ {
    move |f: &Family| {
        let scalar = matches!(f.mtype, MetricType::Gauge | MetricType::Unknown);
        o.family.as_deref() == Some(f.name.as_str())
            || traffic::request_counter_name(&f.name, f.mtype)
            || (scalar && ["hit", "miss", "lookup"].iter().any(|w| f.name.contains(w)))
    }
}

/// Runs every detector.
pub fn run_all(cx: &Context<'_>) -> Vec<Observation> {
    registry().iter().flat_map(|d| d.detect(cx)).collect()
}

/// Sums by key, in the order keys first appear: a map from key to position, so that
/// thousands of routes or caches cost a lookup each, not a scan.
pub(crate) struct Tally<K> {
    entries: Vec<(K, f64)>,
    at: std::collections::HashMap<K, usize>,
}

impl<K: std::hash::Hash + Eq + Clone> Tally<K> {
    pub(crate) fn new() -> Self {
        Tally {
            entries: Vec::new(),
            at: std::collections::HashMap::new(),
        }
    }

    /// Adds `n` to `key`'s sum.
    pub(crate) fn add(&mut self, key: K, n: f64) {
        match self.at.get(&key) {
            Some(&i) => self.entries[i].1 += n,
            None => {
                self.at.insert(key.clone(), self.entries.len());
                self.entries.push((key, n));
            }
        }
    }

    /// The sums, in first-seen order.
    pub(crate) fn into_vec(self) -> Vec<(K, f64)> {
        self.entries
    }
}

/// Formats a count for people.
pub(crate) use crate::plural::count;

/// A request pattern over the routes `pred` accepts; shared by metrics and health checks.
pub(crate) fn route_pattern(
    cx: &Context<'_>,
    id: &'static str,
    what: &str,
    pred: fn(&str) -> bool,
) -> Option<Pattern> {
    let t = cx.traffic?;
    let label = t.route_label.as_deref()?;
    let mut tally = Tally::new();
    for r in &t.rows {
        let Some(route) = r.route.as_deref().filter(|r| pred(r)) else {
            continue;
        };
        tally.add(route, r.count);
    }
    let mut paths: Vec<(String, f64)> = tally
        .into_vec()
        .into_iter()
        .map(|(p, n)| (p.to_string(), n))
        .collect();
    if paths.is_empty() {
        return None;
    }
    paths.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let requests: f64 = paths.iter().map(|p| p.1).fold(0.0, |a, b| a + b);
    let total = t.total();
    let list: Vec<String> = paths
        .iter()
        .map(|(p, _)| format!("{label}=\"{p}\""))
        .collect();
    Some(Pattern {
        id,
        requests: Some(requests),
        share: (total > 0.0).then(|| requests / total),
        interval_seconds: cx
            .clock
            .uptime
            .filter(|_| requests > 0.0)
            .map(|u| u / requests),
        paths,
        note: format!(
            "{} {what} {} in {}{{{}}}",
            count(requests),
            if requests == 1.0 {
                "request"
            } else {
                "requests"
            },
            t.selector(),
            list.join(", ")
        ),
    })
}
