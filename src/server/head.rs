//! What the server says of its own series and of what reads them, through the endpoints only
//! some servers have: `/api/v1/status/tsdb` (Prometheus's head block; VictoriaMetrics's
//! per-day index with `topN`, `match[]` and `focusLabel`), Mimir's `/api/v1/cardinality/*`,
//! `/api/v1/rules`, and VictoriaMetrics's `/api/v1/status/metric_names_stats`. An endpoint the
//! server lacks, or one that fails, is a note: these figures add to the PromQL counts, which
//! stand without them.

use crate::detect::rfc3339;
use crate::input::promapi::Api;
use crate::input::usage::Usage;
use crate::model::{Head, ServerCost};

/// Rows asked of each statistics endpoint (VictoriaMetrics caps `topN` at 1000, Mimir its
/// `limit` at 500).
const TOP: u32 = 20;

/// Names asked of `metric_names_stats` (its default is 1000; a fleet holds more).
const NAME_STATS: u32 = 100_000;

/// Labels a focus on which says nothing of a family's cost.
const TARGET_LABELS: [&str; 3] = ["__name__", "job", "instance"];

/// The server's cardinality statistics, and notes on what it lacks.
pub(super) fn head(api: &Api, sel: &str, at: f64, out: &mut ServerCost) {
    let selector = format!("{{{sel}}}");
    let day = &rfc3339(at)[..10];
    match api.tsdb_status(TOP, day, &selector, None) {
        Ok(Some(s)) if s.victoria => {
            let focus = s
                .labels
                .iter()
                .find(|(l, _)| !TARGET_LABELS.contains(&l.as_str()))
                .map(|(l, _)| l.clone());
            let values = focus
                .as_deref()
                .map(|f| api.tsdb_status(TOP, day, &selector, Some(f)));
            let focus = match (focus, values) {
                (Some(f), Some(Ok(Some(v)))) => Some((f, v.focus)),
                (Some(f), Some(Err(e))) => {
                    out.notes
                        .push(format!("the values of {f} could not be read: {e:#}"));
                    None
                }
                _ => None,
            };
            out.head = Some(Head {
                source: "/api/v1/status/tsdb (VictoriaMetrics)".into(),
                scope: format!("the series of {day} (UTC) matching {selector}"),
                series: s.series,
                names: s.names,
                labels: s.labels,
                focus,
            });
        }
        Ok(Some(s)) => {
            let scope = match s.span {
                Some((a, b)) => format!(
                    "the head block, {} to {}: every series the server holds then (Prometheus takes no selector)",
                    rfc3339(a),
                    rfc3339(b)
                ),
                None => "the head block: every series the server holds (Prometheus takes no selector)".into(),
            };
            if let Some((a, b)) = s.span.filter(|(a, b)| at < *a || at > b + 300.0) {
                out.notes.push(format!(
                    "the head block covers {} to {}, not the range's end ({}): its statistics are of that time, not of the range",
                    rfc3339(a),
                    rfc3339(b),
                    rfc3339(at)
                ));
            }
            out.head = Some(Head {
                source: "/api/v1/status/tsdb (Prometheus)".into(),
                scope,
                series: s.series,
                names: s.names,
                labels: s.labels,
                focus: None,
            });
        }
        Ok(None) => {
            out.notes.push(
                "no /api/v1/status/tsdb on this server (Prometheus and VictoriaMetrics have it)"
                    .into(),
            );
            mimir(api, &selector, out);
        }
        Err(e) => out.notes.push(format!(
            "the server's TSDB statistics could not be read: {e:#}"
        )),
    }
}

/// Mimir's cardinality API: distinct values per label, series per metric name, and the
/// values of the label with the most.
fn mimir(api: &Api, selector: &str, out: &mut ServerCost) {
    let read = || -> anyhow::Result<Option<Head>> {
        let Some(labels) = api.mimir_label_names(selector, TOP)? else {
            return Ok(None);
        };
        let (series, names) = api
            .mimir_label_values("__name__", selector, TOP)?
            .unwrap_or_default();
        let labels: Vec<(String, u64)> = labels.into_iter().map(|l| (l.name, l.count)).collect();
        let focus = match labels
            .iter()
            .find(|(l, _)| !TARGET_LABELS.contains(&l.as_str()))
        {
            Some((l, _)) => api.mimir_label_values(l, selector, TOP)?.map(|(_, v)| {
                (
                    l.clone(),
                    v.into_iter().map(|x| (x.name, x.count)).collect(),
                )
            }),
            None => None,
        };
        Ok(Some(Head {
            source: "/api/v1/cardinality/label_names and label_values (Mimir)".into(),
            scope: format!("the series in memory matching {selector}"),
            series,
            names: names.into_iter().map(|x| (x.name, x.count)).collect(),
            labels,
            focus,
        }))
    };
    match read() {
        Ok(Some(h)) => out.head = Some(h),
        Ok(None) => out.notes.push(
            "no /api/v1/cardinality/label_names either (Mimir has it with -querier.cardinality-analysis-enabled): the cardinality is PromQL's alone".into(),
        ),
        Err(e) => out
            .notes
            .push(format!("Mimir's cardinality API could not be read: {e:#}")),
    }
}

/// What the server's rules and read statistics say is used, added to `usage`: every rule's
/// expression, and each metric name with query requests as the bare name (a selector shown
/// whole: every label counts as needed, since the statistics say nothing of labels).
pub(super) fn usage(api: &Api, out: &mut ServerCost, usage: &mut Usage) {
    const RULES: &str = "/api/v1/rules";
    const STATS: &str = "/api/v1/status/metric_names_stats";
    match api.rules() {
        Ok(Some(rules)) => {
            out.usage.push((RULES.into(), rules.len() as u64));
            // Read on their own too, to say which names the rules read.
            let mut own = Usage::default();
            for r in rules {
                own.add_query_from(RULES, &r.origin, &r.query);
                usage.add_query_from(RULES, &r.origin, &r.query);
            }
            out.rules_read = own.names.into_keys().collect();
        }
        Ok(None) => out
            .notes
            .push("no /api/v1/rules on this server: no rules count as usage from it".into()),
        Err(e) => out
            .notes
            .push(format!("the server's rules could not be read: {e:#}")),
    }
    match api.metric_names_stats(NAME_STATS) {
        Ok(Some(stats)) => {
            let since = stats
                .since
                .map_or(String::new(), |s| format!(" since {}", rfc3339(s)));
            let mut read = 0;
            for (name, n) in stats.records.into_iter().filter(|(_, n)| *n > 0) {
                read += 1;
                let origin = format!("{STATS}: {n} query requests for {name}{since}");
                usage.add_query_from(STATS, &origin, &crate::escape::promql::selector(&name, ""));
            }
            out.usage.push((STATS.into(), read));
        }
        Ok(None) => out.notes.push(
            "no /api/v1/status/metric_names_stats on this server (VictoriaMetrics 1.113+ with -storage.trackMetricNamesStats): only rules count as usage from it".into(),
        ),
        Err(e) => out
            .notes
            .push(format!("the server's read statistics could not be read: {e:#}")),
    }
}
