//! What scraping each target cost over the range, from the series the server writes for
//! every scrape (`up`, `scrape_samples_scraped`, `scrape_duration_seconds`), and each job's
//! real scrape interval. One query per figure, grouped by job and instance: a thousand
//! targets cost as many requests as ten.

use std::collections::BTreeMap;

use crate::input::promapi::Api;
use crate::report::{ScrapeFacts, Target};

/// The window over which the interval is read from raw `up` samples: enough for 20 scrapes
/// at 30s, little enough for a thousand targets' samples.
const INTERVAL_WINDOW: f64 = 600.0;

/// Prometheus's default `scrape_timeout`, capped by the interval.
const DEFAULT_TIMEOUT: f64 = 10.0;

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

pub(super) fn key(labels: &BTreeMap<String, String>) -> Option<Target> {
    Some(Target {
        job: labels.get("job")?.clone(),
        instance: labels.get("instance").cloned().unwrap_or_default(),
    })
}

/// Each job's interval and timeout: `(seconds, where from)`.
pub(super) type Intervals = BTreeMap<String, ((f64, String), Option<(f64, String)>)>;

/// The scrape interval of each job: what `/api/v1/targets` says, else the median gap between
/// the raw samples of `up` (VictoriaMetrics without a scrape config, Mimir, Thanos).
pub(super) fn intervals(
    api: &Api,
    selector: &str,
    at: f64,
    range: f64,
) -> anyhow::Result<Intervals> {
    let mut per_job: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for t in api.targets().unwrap_or_default() {
        if let Some(i) = t.interval {
            let e = per_job.entry(t.job).or_default();
            e.0.push(i);
            e.1.extend(t.timeout);
        }
    }
    let mut out: Intervals = BTreeMap::new();
    for (job, (i, t)) in per_job {
        let timeout = median(t).map(|t| (t, "/api/v1/targets (scrapeTimeout)".to_string()));
        if let Some(i) = median(i) {
            out.insert(
                job,
                ((i, "/api/v1/targets (scrapeInterval)".into()), timeout),
            );
        }
    }
    // Jobs the server does not scrape itself (or no targets API): from the samples.
    let window = INTERVAL_WINDOW.min(range);
    let (gaps, how) = sample_gaps(api, selector, window, at)?;
    for (job, g) in gaps {
        if out.contains_key(&job) {
            continue;
        }
        if let Some(m) = median(g) {
            out.insert(job, ((m, how.clone()), None));
        }
    }
    Ok(out)
}

/// Past this many `up` series, the window's raw samples (forty a series at 15s) would pass
/// one answer's decoded bound (docs/reliability.md): the interval is then read from a count.
const RAW_SERIES: f64 = 20_000.0;

/// Each target's interval from its `up` samples in the window, by job, and how it was read:
/// the median gap between raw samples, or, for a fleet past [`RAW_SERIES`], the window over
/// the number of samples in it (`count_over_time`), exact for an interval that divides the
/// window and lengthened by a scrape the server missed.
fn sample_gaps(
    api: &Api,
    selector: &str,
    window: f64,
    at: f64,
) -> anyhow::Result<(BTreeMap<String, Vec<f64>>, String)> {
    let mut gaps: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let w = window as u64;
    let series = api
        .instant(&format!("count(up{{{selector}}})"), at)?
        .first()
        .map_or(0.0, |s| s.value);
    if series > RAW_SERIES {
        let counts = per_target(api, &format!("count_over_time(up{{{selector}}}[{w}s])"), at)?;
        for (t, c) in counts.into_iter().filter(|(_, c)| *c >= 2.0) {
            gaps.entry(t.job).or_default().push(window / c);
        }
        let how = format!("the last {w}s over the samples of up in them (count_over_time: more than {RAW_SERIES} targets)");
        return Ok((gaps, how));
    }
    for s in api.raw(&format!("up{{{selector}}}[{w}s]"), at)? {
        let Some(t) = key(&s.labels) else { continue };
        let g: Vec<f64> = s.points.windows(2).map(|w| w[1].0 - w[0].0).collect();
        if let Some(m) = median(g) {
            gaps.entry(t.job).or_default().push(m);
        }
    }
    let how = format!("the median gap between raw samples of up over the last {w}s");
    Ok((gaps, how))
}

/// One figure per target from an instant query.
pub(super) fn per_target(api: &Api, query: &str, at: f64) -> anyhow::Result<BTreeMap<Target, f64>> {
    Ok(api
        .instant(query, at)?
        .into_iter()
        .filter_map(|s| Some((key(&s.labels)?, s.value)))
        .collect())
}

/// The scrape facts of every target in the selector.
pub(super) fn facts(
    api: &Api,
    selector: &str,
    at: f64,
    range: f64,
    intervals: &Intervals,
) -> anyhow::Result<BTreeMap<Target, ScrapeFacts>> {
    let r = format!("{}s", range as u64);
    let over = |f: &str, m: &str| format!("{f}({m}{{{selector}}}[{r}])");
    let availability = per_target(api, &over("avg_over_time", "up"), at)?;
    // The largest page of the range: a failed scrape writes 0, which is no saving.
    let samples = per_target(api, &over("max_over_time", "scrape_samples_scraped"), at)?;
    let duration = per_target(api, &over("max_over_time", "scrape_duration_seconds"), at)?;
    let restarts = per_target(api, &over("changes", "process_start_time_seconds"), at)?;
    let memory = per_target(
        api,
        &over("max_over_time", "process_resident_memory_bytes"),
        at,
    )?;
    // What the job's own relabeling keeps, and the churn: every scrape writes both.
    let kept = per_target(
        api,
        &over("last_over_time", "scrape_samples_post_metric_relabeling"),
        at,
    )?;
    let added = per_target(api, &over("sum_over_time", "scrape_series_added"), at)?;
    let mut out = BTreeMap::new();
    for t in availability.keys().chain(samples.keys()) {
        let interval = intervals.get(&t.job);
        let timeout = interval.and_then(|(i, t)| {
            t.clone().or_else(|| {
                Some((
                    DEFAULT_TIMEOUT.min(i.0),
                    "Prometheus's default (10s, at most the interval)".into(),
                ))
            })
        });
        out.insert(
            t.clone(),
            ScrapeFacts {
                interval: interval.map(|i| i.0 .0),
                interval_source: interval.map(|i| i.0 .1.clone()).unwrap_or_else(|| {
                    "unknown: no scrape target and no raw up samples for this job".into()
                }),
                timeout,
                samples_per_scrape: samples.get(t).copied(),
                duration_max: duration.get(t).copied(),
                availability: availability.get(t).copied(),
                restarts: restarts.get(t).copied(),
                memory_max: memory.get(t).copied(),
                samples_post_relabeling: kept.get(t).copied(),
                series_added: added.get(t).copied(),
            },
        );
    }
    Ok(out)
}

/// Where a target's data begins inside the range, when that is later than the range's start.
pub(super) struct DataStart {
    /// Unix seconds.
    pub at: f64,
    /// What says so.
    pub how: &'static str,
}

/// The evaluations of the subquery that finds each target's first `up` sample: its answer is
/// within one step of the truth, so 240 steps put it within 0.4% of the range.
const FIRST_SAMPLE_STEPS: f64 = 240.0;

/// Each target whose data begins after the range's start (by more than one scrape interval):
/// its first `up` sample in the range, or its earliest process start, whichever is later. A
/// range longer than the data would otherwise spread the data's counts over time in which
/// nothing was recorded. A server that cannot answer the subquery clamps nothing.
pub(super) fn data_starts(
    api: &Api,
    selector: &str,
    at: f64,
    range: f64,
    intervals: &Intervals,
) -> anyhow::Result<BTreeMap<Target, DataStart>> {
    let start = at - range;
    let r = range as u64;
    let step = (range / FIRST_SAMPLE_STEPS).ceil().max(1.0) as u64;
    let first = per_target(
        api,
        &format!("min_over_time(timestamp(up{{{selector}}})[{r}s:{step}s])"),
        at,
    )
    .unwrap_or_default();
    let born = per_target(
        api,
        &format!("min_over_time(process_start_time_seconds{{{selector}}}[{r}s])"),
        at,
    )?;
    let mut out = BTreeMap::new();
    for t in first.keys().chain(born.keys()) {
        let candidates = [
            (first.get(t), "its first sample of up in the range"),
            (
                born.get(t),
                "its process start (process_start_time_seconds)",
            ),
        ];
        let Some((s, how)) = candidates
            .into_iter()
            .filter_map(|(v, how)| Some((*v?, how)))
            .filter(|(v, _)| v.is_finite() && *v < at)
            .max_by(|a, b| a.0.total_cmp(&b.0))
        else {
            continue;
        };
        let slack = intervals
            .get(&t.job)
            .map_or(step as f64, |i| i.0 .0.max(step as f64));
        if s > start + slack {
            out.insert(t.clone(), DataStart { at: s, how });
        }
    }
    Ok(out)
}

/// Counter resets of each target's request series over the range, one query per request
/// series name: `sum by (job, instance) (resets(name{…}[range]))`.
pub(super) fn resets(
    api: &Api,
    names: &[String],
    selector: &str,
    at: f64,
    range: f64,
) -> anyhow::Result<BTreeMap<Target, f64>> {
    let mut out = BTreeMap::new();
    for n in names {
        let q = format!(
            "sum by (job, instance) (resets({}[{}s]))",
            crate::escape::promql::selector(n, selector),
            range as u64
        );
        out.extend(per_target(api, &q, at)?);
    }
    Ok(out)
}

/// What a reader should know about a target's figures; `counted` is the requests to the
/// metrics endpoint the target itself counted in the range.
pub(super) fn notices(f: &ScrapeFacts, counted: Option<f64>, range: f64) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(n), Some(i), Some(a)) = (counted, f.interval, f.availability) {
        let ours = range / i * a;
        if ours >= 1.0 && n > 1.5 * ours {
            out.push(format!(
                "the target counted {} to its metrics endpoint, {:.1} times the {} this server made every {i}s: something else scrapes it too (a second Prometheus of an HA pair, an agent, a person)",
                crate::plural::s(n.round(), "request"),
                n / ours,
                crate::plural::s(ours.round(), "scrape")
            ));
        }
    }
    if let Some(n) = f.restarts.filter(|n| *n > 0.0) {
        out.push(format!(
            "the process restarted {n:.0} time{} in the range (process_start_time_seconds changed); increase() counts across the restarts",
            if n == 1.0 { "" } else { "s" }
        ));
    }
    if let Some(a) = f.availability.filter(|a| *a < 1.0) {
        out.push(format!(
            "up was 1 in {:.1}% of the range's scrapes: the target was down or unreachable for part of it, and served nothing then",
            a * 100.0
        ));
    }
    if let (Some(d), Some((t, _))) = (f.duration_max, &f.timeout) {
        if d > 0.8 * t {
            out.push(format!(
                "the slowest scrape took {d}s of its {t}s timeout: raise scrape_timeout, or make the page cheaper"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_gaps() {
        assert_eq!(median(vec![15.0, 15.0, 60.0]), Some(15.0));
        assert_eq!(median(vec![5.0, 10.0]), Some(7.5));
        assert_eq!(median(vec![]), None);
    }
}
