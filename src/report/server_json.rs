//! The JSON of what a server says of its own series (`fleet.server_cost`): its cardinality
//! statistics, the usage it gave, and notes on what it lacks.

use serde::Serialize;

use crate::model::{Cost, ServerCost};

#[derive(Serialize)]
pub(super) struct WireServerCost<'a> {
    head: Option<WireHead<'a>>,
    usage: Vec<WireUsage<'a>>,
    rules_read: &'a [String],
    notes: &'a [String],
}

#[derive(Serialize)]
struct WireHead<'a> {
    source: &'a str,
    scope: &'a str,
    series: Option<u64>,
    series_by_metric_name: Vec<WireCount<'a>>,
    values_by_label_name: Vec<WireCount<'a>>,
    focus_label: Option<&'a str>,
    series_by_focus_label_value: Vec<WireCount<'a>>,
}

#[derive(Serialize)]
struct WireCount<'a> {
    name: &'a str,
    count: u64,
}

#[derive(Serialize)]
struct WireUsage<'a> {
    source: &'a str,
    uses: u64,
}

fn counts(v: &[(String, u64)]) -> Vec<WireCount<'_>> {
    v.iter()
        .map(|(name, count)| WireCount {
            name,
            count: *count,
        })
        .collect()
}

pub(super) fn server_cost(s: &ServerCost) -> WireServerCost<'_> {
    WireServerCost {
        head: s.head.as_ref().map(|h| WireHead {
            source: &h.source,
            scope: &h.scope,
            series: h.series,
            series_by_metric_name: counts(&h.names),
            values_by_label_name: counts(&h.labels),
            focus_label: h.focus.as_ref().map(|f| f.0.as_str()),
            series_by_focus_label_value: h.focus.as_ref().map_or_else(Vec::new, |f| counts(&f.1)),
        }),
        usage: s
            .usage
            .iter()
            .map(|(source, uses)| WireUsage {
                source,
                uses: *uses,
            })
            .collect(),
        rules_read: &s.rules_read,
        notes: &s.notes,
    }
}

/// A job's series as the server counts them (`fleet.jobs[].server_cost`), in the shape of a
/// report's `cost`.
#[derive(Serialize)]
pub(super) struct WireJobCost<'a> {
    series: u64,
    series_after: Option<u64>,
    interval_seconds: Option<f64>,
    families: Vec<WireFamily<'a>>,
}

#[derive(Serialize)]
struct WireFamily<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    mtype: &'static str,
    series: u64,
    series_after: Option<u64>,
    labels: Vec<WireLabel<'a>>,
}

#[derive(Serialize)]
struct WireLabel<'a> {
    name: &'a str,
    distinct: u64,
}

pub(super) fn job_cost(c: &Cost) -> WireJobCost<'_> {
    WireJobCost {
        series: c.series,
        series_after: c.series_after,
        interval_seconds: c.interval.as_ref().map(|i| i.0),
        families: c
            .families
            .iter()
            .map(|f| WireFamily {
                name: &f.name,
                mtype: f.mtype.as_str(),
                series: f.series,
                series_after: f.series_after,
                labels: f
                    .labels
                    .iter()
                    .map(|l| WireLabel {
                        name: &l.name,
                        distinct: l.distinct,
                    })
                    .collect(),
            })
            .collect(),
    }
}
