//! From the metric names a server holds to the queries that rebuild each target's
//! exposition: which names form a family, of what type, and which samples are counted
//! (`increase()` over the range) or read at its end (`last_over_time()`).
//!
//! A server keeps no `# TYPE` for backfilled or remote-written data, so the type comes from
//! the names, by the conventions every client library follows: `_bucket` with `_count` and
//! `_sum` is a histogram, a name with `quantile` series and `_count`/`_sum` a summary, a
//! `_total` a counter, the rest gauges.

use std::collections::BTreeSet;

use crate::model::{Family, Keep, MetricType, Retention};

/// How a sample is read over the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Read {
    /// `increase(name[range])`: what a counter counted in the range.
    Increase,
    /// `last_over_time(name[range])`: a gauge at the range's end.
    Last,
}

/// One family to rebuild.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Planned {
    /// The family name as a `# TYPE` line in the text format writes it.
    pub(super) family: String,
    /// Its type.
    pub(super) mtype: MetricType,
    /// Its sample names and how each is read.
    pub(super) samples: Vec<(String, Read)>,
    /// What the detectors keep of it: `sum by` these labels (plus `le`/`quantile`), or all.
    pub(super) keep: Keep,
}

/// Names that are the server's own record of a scrape, not the target's exposition.
fn scrape_meta(name: &str) -> bool {
    name == "up" || name.starts_with("scrape_") || name == "ALERTS" || name == "ALERTS_FOR_STATE"
}

/// A family the names make, by the conventions above.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Typed {
    /// The family name (`lat` for `lat_bucket`; a counter keeps its `_total`).
    pub(super) family: String,
    /// Its type.
    pub(super) mtype: MetricType,
    /// Its sample names, `_created` included.
    pub(super) names: Vec<String>,
}

/// Groups `names` (the server's own `up` and `scrape_*` left out) into typed families, by
/// family name.
pub(super) fn typed(names: &[String]) -> Vec<Typed> {
    let all: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    // The names beside `base` with these suffixes, marked used.
    fn with<'a>(
        all: &BTreeSet<&'a str>,
        used: &mut BTreeSet<&'a str>,
        first: &str,
        base: &str,
        suffixes: &[&str],
    ) -> Vec<String> {
        let mut v = vec![first.to_string()];
        for s in suffixes {
            if let Some(k) = all.get(format!("{base}{s}").as_str()) {
                used.insert(k);
                v.push(k.to_string());
            }
        }
        v
    }
    for name in &all {
        if let Some(base) = name.strip_suffix("_bucket") {
            used.insert(name);
            let names = with(&all, &mut used, name, base, &["_count", "_sum", "_created"]);
            out.push(Typed {
                family: base.to_string(),
                mtype: MetricType::Histogram,
                names,
            });
        }
    }
    // A summary: a name with `_count` or `_sum` beside it (and no buckets).
    for name in &all {
        let has = |s: &str| all.contains(format!("{name}{s}").as_str());
        if used.contains(name) || scrape_meta(name) || !(has("_count") || has("_sum")) {
            continue;
        }
        used.insert(name);
        let names = with(&all, &mut used, name, name, &["_count", "_sum", "_created"]);
        out.push(Typed {
            family: name.to_string(),
            mtype: MetricType::Summary,
            names,
        });
    }
    // Counters take their `_created` before it could stand alone.
    for name in &all {
        if let Some(base) = name.strip_suffix("_total").filter(|_| !used.contains(name)) {
            used.insert(name);
            let names = with(&all, &mut used, name, base, &["_created"]);
            out.push(Typed {
                family: name.to_string(),
                mtype: MetricType::Counter,
                names,
            });
        }
    }
    for name in &all {
        if used.contains(name) || scrape_meta(name) {
            continue;
        }
        let counter = name.ends_with("_count") || name.ends_with("_sum");
        out.push(Typed {
            family: name.to_string(),
            mtype: if counter {
                MetricType::Counter
            } else {
                MetricType::Gauge
            },
            names: vec![name.to_string()],
        });
    }
    out.sort_by(|a, b| a.family.cmp(&b.family));
    out
}

/// Plans the families the detectors want among `names`.
pub(super) fn plan(
    names: &[String],
    retain: Retention<'_>,
    counts_up: &dyn Fn(&Family) -> bool,
) -> Vec<Planned> {
    let mut out = Vec::new();
    for t in typed(names) {
        let keep = retain(&t.family, t.mtype);
        if keep == Keep::Nothing {
            continue;
        }
        // Some exporters declare counts as gauges (Ray's request counters, cache hits):
        // the detectors count them up, so the range does too.
        let gauge_counts = t.mtype == MetricType::Gauge
            && counts_up(&Family {
                name: t.family.clone(),
                mtype: t.mtype,
                help: None,
                unit: None,
                line: 0,
                series: Vec::new(),
                total: false,
            });
        let samples: Vec<(String, Read)> = t
            .names
            .into_iter()
            .filter(|n| !n.ends_with("_created"))
            .map(|n| {
                let last = match t.mtype {
                    MetricType::Summary => n == t.family,
                    MetricType::Gauge => !gauge_counts,
                    _ => false,
                };
                (n, if last { Read::Last } else { Read::Increase })
            })
            .collect();
        if !samples.is_empty() {
            out.push(Planned {
                family: t.family,
                mtype: t.mtype,
                samples,
                keep,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_typed_families() {
        let names: Vec<String> = [
            "http_requests_total",
            "lat_bucket",
            "lat_count",
            "lat_sum",
            "rpc",
            "rpc_count",
            "rpc_sum",
            "process_resident_memory_bytes",
            "up",
            "scrape_samples_scraped",
            "http_requests_created",
            "other_gauge",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let keep_all = |n: &str, _: MetricType| {
            if n == "other_gauge" {
                Keep::Nothing
            } else {
                Keep::Everything
            }
        };
        let p = plan(&names, &keep_all, &|_| false);
        type Row<'a> = (&'a str, MetricType, Vec<(&'a str, Read)>);
        let got: Vec<Row> = p
            .iter()
            .map(|f| {
                (
                    f.family.as_str(),
                    f.mtype,
                    f.samples.iter().map(|(n, r)| (n.as_str(), *r)).collect(),
                )
            })
            .collect();
        use Read::{Increase as I, Last as L};
        assert_eq!(
            got,
            vec![
                (
                    "http_requests_total",
                    MetricType::Counter,
                    vec![("http_requests_total", I)]
                ),
                (
                    "lat",
                    MetricType::Histogram,
                    vec![("lat_bucket", I), ("lat_count", I), ("lat_sum", I)]
                ),
                (
                    "process_resident_memory_bytes",
                    MetricType::Gauge,
                    vec![("process_resident_memory_bytes", L)]
                ),
                (
                    "rpc",
                    MetricType::Summary,
                    vec![("rpc", L), ("rpc_count", I), ("rpc_sum", I)]
                ),
            ]
        );
    }
}
