//! What the fleet's series cost, counted by the server itself with PromQL at the range's
//! end: series per target and family while the answer stays small, per job and family, and
//! the distinct values of each label of the families (distinct.rs). Every query is grouped
//! by job (or job and instance), so the requests grow with the families, never with the
//! targets; the server scans every series once or twice (twice when an answer turns out
//! past its bound).

use std::collections::BTreeMap;

use crate::input::promapi::Api;
use crate::model::{Cost, FamilyCost};
use crate::report::Target;

use super::distinct::{self, LABELLED_FAMILIES};
use super::families::{typed, Typed};
use super::scrape::{per_target, Intervals};

/// Past this many rows (a group's metric names, over the groups), a `count by` answer is
/// not read: 100,000 rows decode to about 80 MiB, within one answer's bound.
pub(super) const MOST_ROWS: u64 = 100_000;

/// [`MOST_ROWS`], or the environment's `PROMTUNE_COST_ROWS`: the tests set a few dozen to
/// take, on a fleet of six targets, the paths a large fleet takes.
pub(super) fn most_rows() -> u64 {
    std::env::var("PROMTUNE_COST_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MOST_ROWS)
}

/// The costs read.
#[derive(Default)]
pub(super) struct Read {
    /// Per target.
    pub(super) targets: BTreeMap<Target, Cost>,
    /// Per job.
    pub(super) jobs: BTreeMap<String, Cost>,
    /// Per job, series per stored name: what its drop rule is worked out from.
    pub(super) names: Counts<String>,
    /// What a reader should know about these figures.
    pub(super) notes: Vec<String>,
}

/// Series per sample name of each group (a job, or a target), from a `count by` answer.
pub(super) type Counts<K> = BTreeMap<K, BTreeMap<String, u64>>;

/// The families of one group's sample counts, most series first, then by name.
fn families(counts: &BTreeMap<String, u64>) -> Vec<FamilyCost> {
    let names: Vec<String> = counts.keys().cloned().collect();
    let mut out: Vec<FamilyCost> = typed(&names)
        .into_iter()
        .map(
            |Typed {
                 family,
                 mtype,
                 names,
             }| FamilyCost {
                series: names.iter().filter_map(|n| counts.get(n)).sum(),
                name: family,
                mtype,
                series_after: None,
                labels: Vec::new(),
            },
        )
        .collect();
    out.sort_by(|a, b| b.series.cmp(&a.series).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Each family's sample names, by family name, for the label queries.
fn sample_names(names: &[String]) -> BTreeMap<String, Vec<String>> {
    typed(names)
        .into_iter()
        .map(|t| (t.family, t.names))
        .collect()
}

/// Reads the costs; `names` is every metric name the selector holds in the range (the
/// label queries select a family by them).
pub(super) fn read(
    api: &Api,
    sel: &str,
    (start, at): (f64, f64),
    names: &[String],
    intervals: &Intervals,
) -> anyhow::Result<Read> {
    let mut out = Read::default();
    let scraped = per_target(
        api,
        &format!(
            "last_over_time(scrape_samples_scraped{{{sel}}}[{}s])",
            (at - start) as u64
        ),
        at,
    )?;
    let interval = |job: &str| intervals.get(job).map(|i| i.0.clone());
    // Per target when the answer stays small, the jobs' counts its sums: the server scans
    // every series once, twice when the per-target answer turns out too large. A target
    // still scraped at the range's end has `up` and `scrape_samples_scraped`, two rows: when
    // those alone pass the bound, the scan is not asked for.
    let most = most_rows();
    let per_target = if 2 * scraped.len() as u64 > most {
        out.notes.push(format!(
            "series per family by job, instance are not given: the range's {} targets make {} rows or more (up and scrape_samples_scraped each, while they are still scraped at its end), past the {most} read in one answer; narrow the fleet with --job or --match",
            scraped.len(),
            2 * scraped.len()
        ));
        None
    } else {
        bounded(api, "job, instance", sel, at, &mut out.notes)?
    };
    // Every family's labels and the jobs' counts in one more scan while its answer is small.
    let own = distinct::target_labels(api, sel, (start, at))?;
    // A server that cannot answer it (a label name it cannot parse in `by`, a limit) still
    // gets the queries it answered before this one.
    let at_once = distinct::at_once(api, sel, (start, at), &own);
    let why = match &at_once {
        Ok(_) => format!("their values' combinations, by job and metric name, are more than the {most} rows read in one answer"),
        Err(e) => format!("counting every family's in one query failed: {e:#}"),
    };
    let at_once = at_once.unwrap_or_default();
    let by_job: Counts<String> = match (&per_target, &at_once) {
        (Some(counts), _) => {
            let mut m: Counts<String> = BTreeMap::new();
            for (t, c) in counts {
                let job = m.entry(t.job.clone()).or_default();
                for (name, n) in c {
                    *job.entry(name.clone()).or_default() += n;
                }
            }
            m
        }
        (None, Some((by_job, _))) => by_job.clone(),
        (None, None) => bounded(api, "job", sel, at, &mut out.notes)?
            .unwrap_or_default()
            .into_iter()
            .map(|(t, c)| (t.job, c))
            .collect(),
    };
    let mut per_job: BTreeMap<&str, u64> = BTreeMap::new();
    for (t, n) in &scraped {
        *per_job.entry(t.job.as_str()).or_default() += *n as u64;
    }
    for (job, c) in &by_job {
        let series = per_job.get(job.as_str()).copied().unwrap_or(0);
        out.jobs.insert(
            job.clone(),
            Cost {
                series,
                series_after: None,
                interval: interval(job),
                families: families(c),
            },
        );
    }
    out.names = by_job;
    // Per target: its scrape's size always; its families while the answer stays small.
    let per_family = per_target.unwrap_or_default();
    for (t, n) in &scraped {
        out.targets.insert(
            t.clone(),
            Cost {
                series: *n as u64,
                series_after: None,
                interval: interval(&t.job),
                families: per_family.get(t).map(families).unwrap_or_default(),
            },
        );
    }
    let found = match at_once {
        Some((_, found)) => found,
        None => {
            out.notes.push(format!(
                "the labels of the {LABELLED_FAMILIES} largest families are counted, not every family's: {why}"
            ));
            let families = largest(&out.jobs, names);
            distinct::largest(api, sel, (start, at), &families, &own, &mut out.notes)?
        }
    };
    for ((job, family), labels) in found {
        if let Some(f) = out
            .jobs
            .get_mut(&job)
            .and_then(|c| c.families.iter_mut().find(|f| f.name == family))
        {
            f.labels = labels;
        }
    }
    Ok(out)
}

/// The fleet's [`LABELLED_FAMILIES`] largest families over the jobs, with their sample
/// names (`names` is every name the selector holds in the range).
fn largest(jobs: &BTreeMap<String, Cost>, names: &[String]) -> Vec<(String, Vec<String>)> {
    let mut fleet: BTreeMap<&str, u64> = BTreeMap::new();
    for c in jobs.values() {
        for f in &c.families {
            *fleet.entry(f.name.as_str()).or_default() += f.series;
        }
    }
    let mut top: Vec<(&str, u64)> = fleet.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut samples = sample_names(names);
    top.into_iter()
        .take(LABELLED_FAMILIES)
        .filter_map(|(f, _)| Some((f.to_string(), samples.remove(f)?)))
        .collect()
}

/// Series per sample name of each group (`by` is `job` or `job, instance`; a job's group
/// has an empty instance): `count by (…, __name__)`, read while its answer holds at most
/// [`MOST_ROWS`] rows; otherwise `None`, and a note says so.
fn bounded(
    api: &Api,
    by: &str,
    sel: &str,
    at: f64,
    notes: &mut Vec<String>,
) -> anyhow::Result<Option<Counts<Target>>> {
    let query = format!("count by ({by}, __name__) ({{{sel}}})");
    let most = most_rows();
    let Some(read) = api.instant_at_most(&query, at, most)? else {
        notes.push(format!(
            "series per family by {by} are not given: `{query}` holds more than the {most} rows read in one answer ({by} × metric names); narrow the fleet with --job or --match"
        ));
        return Ok(None);
    };
    let mut out: Counts<Target> = BTreeMap::new();
    for s in read {
        let (Some(job), Some(name)) = (s.labels.get("job"), s.labels.get("__name__")) else {
            continue;
        };
        let t = Target {
            job: job.clone(),
            instance: s.labels.get("instance").cloned().unwrap_or_default(),
        };
        out.entry(t)
            .or_default()
            .insert(name.clone(), s.value as u64);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MetricType;

    #[test]
    fn sample_counts_become_families() {
        let counts: BTreeMap<String, u64> = [
            ("lat_bucket", 27),
            ("lat_count", 3),
            ("lat_sum", 3),
            ("http_requests_total", 16),
            ("http_requests_created", 16),
            ("mem_bytes", 3),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
        let f = families(&counts);
        let got: Vec<(&str, MetricType, u64)> = f
            .iter()
            .map(|f| (f.name.as_str(), f.mtype, f.series))
            .collect();
        assert_eq!(
            got,
            [
                ("lat", MetricType::Histogram, 33),
                ("http_requests_total", MetricType::Counter, 32),
                ("mem_bytes", MetricType::Gauge, 3),
            ]
        );
    }
}
