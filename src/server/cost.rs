//! What the fleet's series cost, counted by the server itself with PromQL at the range's
//! end: series per job and family (`count by (job, __name__)`), per target and family while
//! the answer stays small, and the distinct values of each label of the fleet's largest
//! families. Every query is grouped by job (or job and instance), so the requests grow with
//! the families, never with the targets.

use std::collections::BTreeMap;

use crate::escape::promql;
use crate::input::promapi::Api;
use crate::model::{Cost, FamilyCost, LabelCost};
use crate::report::Target;

use super::families::{typed, Typed};
use super::scrape::{per_target, Intervals};

/// Past this many rows (a group's metric names, over the groups), a `count by` answer is
/// not read: 100,000 rows decode to about 80 MiB, within one answer's bound.
pub(super) const MOST_ROWS: f64 = 100_000.0;

/// The fleet's largest families whose labels are counted, one request per label each.
pub(super) const LABELLED_FAMILIES: usize = 10;

/// Labels every target has from its scrape config, never a family's own cost.
const TARGET_LABELS: [&str; 3] = ["__name__", "job", "instance"];

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
type Counts<K> = BTreeMap<K, BTreeMap<String, u64>>;

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
    // every series twice (the rows, then the counts), not four times.
    // Every target a server scrapes has `up` and `scrape_samples_scraped`: two rows at least.
    let jobs: std::collections::BTreeSet<&str> = scraped.keys().map(|t| t.job.as_str()).collect();
    let rows = |groups: usize, least: usize| (groups * least, groups * names.len().max(least));
    let per_target = bounded(
        api,
        "job, instance",
        sel,
        at,
        rows(scraped.len(), 2),
        &mut out.notes,
    )?;
    let by_job: Counts<String> = match &per_target {
        Some(counts) => {
            let mut m: Counts<String> = BTreeMap::new();
            for (t, c) in counts {
                let job = m.entry(t.job.clone()).or_default();
                for (name, n) in c {
                    *job.entry(name.clone()).or_default() += n;
                }
            }
            m
        }
        None => bounded(api, "job", sel, at, rows(jobs.len(), 1), &mut out.notes)?
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
    labels(api, sel, (start, at), names, &mut out)?;
    Ok(out)
}

/// Series per sample name of each group (`by` is `job` or `job, instance`; a job's group
/// has an empty instance): `count by (…, __name__)`, read when its rows, counted first, are
/// within [`MOST_ROWS`]; otherwise `None`, and a note says so. `(least, most)` bound the
/// rows from what is known (groups × names): the count, a scan of every series, is only
/// asked when they do not settle it.
fn bounded(
    api: &Api,
    by: &str,
    sel: &str,
    at: f64,
    (least, most): (usize, usize),
    notes: &mut Vec<String>,
) -> anyhow::Result<Option<Counts<Target>>> {
    let query = format!("count by ({by}, __name__) ({{{sel}}})");
    let rows = if most as f64 <= MOST_ROWS {
        most as f64
    } else if least as f64 > MOST_ROWS {
        least as f64
    } else {
        api.instant(&format!("count({query})"), at)?
            .first()
            .map_or(0.0, |s| s.value)
    };
    if rows > MOST_ROWS {
        notes.push(format!(
            "series per family by {by} are not given: at least {rows} rows ({by} × metric names) is past the {MOST_ROWS} read in one answer; narrow the fleet with --job or --match"
        ));
        return Ok(None);
    }
    let mut out: Counts<Target> = BTreeMap::new();
    for s in api.instant(&query, at)? {
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

/// The distinct values of each label of the fleet's largest families, per job:
/// `count by (job) (count by (job, L) ({__name__=~"family's names", …}))`.
fn labels(
    api: &Api,
    sel: &str,
    (start, at): (f64, f64),
    names: &[String],
    out: &mut Read,
) -> anyhow::Result<()> {
    let mut fleet: BTreeMap<&str, u64> = BTreeMap::new();
    for c in out.jobs.values() {
        for f in &c.families {
            *fleet.entry(f.name.as_str()).or_default() += f.series;
        }
    }
    let mut top: Vec<(&str, u64)> = fleet.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let top: Vec<String> = top
        .into_iter()
        .take(LABELLED_FAMILIES)
        .map(|(f, _)| f.to_string())
        .collect();
    let samples = sample_names(names);
    let mut found: BTreeMap<(String, String), Vec<LabelCost>> = BTreeMap::new();
    for family in &top {
        let Some(names) = samples.get(family) else {
            continue;
        };
        let alt: Vec<String> = names.iter().map(|n| promql::regex_literal(n)).collect();
        let series = format!(
            "{{{},{sel}}}",
            promql::matcher("__name__", "=~", &alt.join("|"))
        );
        for label in api.label_names(&series, start, at)? {
            if TARGET_LABELS.contains(&label.as_str()) {
                continue;
            }
            let l = promql::label(&label);
            let q = format!("count by (job) (count by (job, {l}) ({series}))");
            for s in api.instant(&q, at)? {
                let Some(job) = s.labels.get("job") else {
                    continue;
                };
                found
                    .entry((job.clone(), family.clone()))
                    .or_default()
                    .push(LabelCost {
                        name: label.clone(),
                        distinct: s.value as u64,
                        distinct_capped: false,
                        suspect: None,
                    });
            }
        }
    }
    for ((job, family), labels) in found {
        if let Some(f) = out
            .jobs
            .get_mut(&job)
            .and_then(|c| c.families.iter_mut().find(|f| f.name == family))
        {
            f.labels = labels;
        }
    }
    Ok(())
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
