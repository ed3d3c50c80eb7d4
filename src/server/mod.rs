//! Server mode (`analyze --prometheus URL`): a whole fleet read from the Prometheus,
//! VictoriaMetrics, Thanos or Mimir that scrapes it, over a real range.
//!
//! One query per metric family, grouped by job and instance, so the request count grows with
//! the families the detectors need, not with the targets. Each target's answers are written
//! back as an exposition (counters as their increase over the range, gauges at its end),
//! parsed and analysed as two scrapes are: no detector exists twice.

mod born;
mod cost;
mod distinct;
mod exposition;
mod families;
mod head;
mod markers;
mod relabel;
mod scrape;
mod trend;
mod valid;

use std::collections::BTreeMap;

use anyhow::{bail, Context as _};

use crate::analysis;
use crate::config::Config;
use crate::detect::{self, rfc3339, Clock};
use crate::escape::promql;
use crate::input::promapi::Api;
use crate::input::HttpOptions;
use crate::model::{Keep, ServerCost, Snapshot};
use crate::report::{Fleet, Report, Target};
use families::{Planned, Read};

/// What to read from the server.
#[derive(Debug, Clone)]
pub struct RangeQuery {
    /// The server's base URL, path prefix included.
    pub url: String,
    /// The range's length, in seconds.
    pub range: f64,
    /// The range's end, unix seconds.
    pub at: f64,
    /// Only these jobs (all when empty).
    pub jobs: Vec<String>,
    /// A selector narrowing the fleet (`{env="prod"}`).
    pub matcher: Option<String>,
    /// Sent as `X-Scope-OrgID`.
    pub tenant: Option<String>,
    /// The parser's byte limit for each rebuilt exposition.
    pub max_bytes: u64,
}

/// A fleet read from a server.
pub struct FleetRead {
    /// One report per scraped target, ordered by job and instance.
    pub reports: Vec<Report>,
    /// The summary.
    pub fleet: Fleet,
    /// How many of them have no request metrics: counted in every scrape figure, with their
    /// request-pattern checks unknown.
    pub without_requests: usize,
    /// Requests sent to the server.
    pub requests: u64,
    /// The server's URL as messages show it (no userinfo).
    pub shown: String,
    /// Each job's first target, parsed: what the job's alert rules are written from.
    pub samples: BTreeMap<String, Snapshot>,
}

/// The label matchers every query carries (inside the braces).
pub fn selector(jobs: &[String], matcher: Option<&str>) -> anyhow::Result<String> {
    let mut parts = Vec::new();
    if !jobs.is_empty() {
        let alt: Vec<String> = jobs.iter().map(|j| promql::regex_literal(j)).collect();
        parts.push(promql::matcher("job", "=~", &alt.join("|")));
    }
    if let Some(m) = matcher {
        let inner = m
            .trim()
            .strip_prefix('{')
            .and_then(|m| m.strip_suffix('}'))
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .with_context(|| {
                format!(
                    "--match {m:?}: expected label matchers in braces, such as {{env=\"prod\"}}"
                )
            })?;
        parts.push(inner.to_string());
    }
    if parts.is_empty() {
        parts.push("job!=\"\"".into());
    }
    Ok(parts.join(","))
}

/// The query that reads one sample name of a planned family; UTF-8 names and labels quoted.
fn query(p: &Planned, name: &str, read: Read, sel: &str, range: &str) -> String {
    let series = promql::selector(name, sel);
    let inner = match read {
        Read::Increase => format!("increase({series}[{range}])"),
        Read::Last => format!("last_over_time({series}[{range}])"),
    };
    match &p.keep {
        // Labels recognised by their values cannot be named in a query: the names alone.
        Keep::SumBy(labels) | Keep::SumByShaped(labels, _) => {
            let mut by: Vec<String> = vec!["job".into(), "instance".into()];
            by.extend(labels.iter().map(|l| promql::label(l)));
            if name.ends_with("_bucket") {
                by.push("le".into());
            }
            if read == Read::Last {
                by.push("quantile".into());
            }
            by.dedup();
            format!("sum by ({}) ({inner})", by.join(", "))
        }
        _ => inner,
    }
}

/// When `--job` names a job with no series in the range, the jobs that have some: what the
/// user meant is usually among them.
fn jobs_seen(api: &Api, q: &RangeQuery, start: f64, end: f64) -> String {
    if q.jobs.is_empty() {
        return String::new();
    }
    match api.label_values("job", "{job!=\"\"}", start, end) {
        Ok(all) if q.jobs.iter().any(|j| !all.contains(j)) => format!(
            "; jobs seen in the range: {}",
            if all.is_empty() {
                "none".into()
            } else {
                all.join(", ")
            }
        ),
        _ => String::new(),
    }
}

/// Reads the fleet and analyses each target.
pub fn read(q: &RangeQuery, http: &HttpOptions, cfg: &Config) -> anyhow::Result<FleetRead> {
    let api = Api::new(&q.url, http, q.tenant.as_deref());
    let sel = selector(&q.jobs, q.matcher.as_deref())?;
    let (start, end) = (q.at - q.range, q.at);
    let range = format!("{}s", q.range as u64);
    let names = api.label_values("__name__", &format!("{{{sel}}}"), start, end)?;
    let mut server_cost = ServerCost::default();
    // What the server's rules and read statistics use joins `--usage`, before the analysis
    // that writes the drop rules reads it.
    let mut cfg = cfg.clone();
    let given = cfg.usage.is_some();
    head::usage(
        &api,
        &mut server_cost,
        cfg.usage.get_or_insert_with(Default::default),
    );
    let cfg = &cfg;
    let keep = detect::retention(&cfg.traffic);
    let counts_up = detect::counts_up(&cfg.traffic);
    let plan = families::plan(&names, &keep, &counts_up);
    // Target → family index → rows.
    let mut rows = born::Rows::new();
    for (i, p) in plan.iter().enumerate() {
        for (name, how) in &p.samples {
            for s in api.instant(&query(p, name, *how, &sel, &range), end)? {
                let mut labels = s.labels;
                let (Some(job), instance) = (labels.remove("job"), labels.remove("instance"))
                else {
                    continue;
                };
                labels.remove("__name__");
                let t = Target {
                    job,
                    instance: instance.unwrap_or_default(),
                };
                rows.entry(t).or_default().entry(i).or_default().push((
                    name.clone(),
                    labels,
                    s.value,
                ));
            }
        }
    }
    born::correct(&api, &plan, &sel, &range, end, &mut rows)?;
    let mut marks = markers::read(&api, &sel, &names, &range, (start, end))?;
    let intervals = scrape::intervals(&api, &sel, end, q.range)?;
    let mut facts = scrape::facts(&api, &sel, end, q.range, &intervals)?;
    let starts = scrape::data_starts(&api, &sel, end, q.range, &intervals)?;
    // The cost adds to the figures: a server that cannot count every series (a query limit)
    // still gets its fleet read, with a note.
    let mut costs =
        cost::read(&api, &sel, (start, end), &names, &intervals).unwrap_or_else(|e| cost::Read {
            notes: vec![format!("the series' cost could not be read: {e:#}")],
            ..Default::default()
        });
    // Each job's drop, worked out when configs are written or usage is given, as a page's:
    // the server's rules count only beside the usage given (they do not say what the
    // dashboards and the people read).
    let wanted = cfg.relabel || given;
    if wanted && costs.names.is_empty() {
        costs.notes.push(
            "no drop rule is worked out: the series per job and family were not read (see the note above)"
                .into(),
        );
    }
    let mut plans = if wanted {
        relabel::plans(
            &costs.names,
            cfg.usage.as_ref().filter(|_| given),
            cfg,
            crate::input::now(),
        )
    } else {
        BTreeMap::new()
    };
    // Every target the server scrapes, with request metrics or not (node_exporter has none):
    // its scrapes cost the same ingest, and its job's interval is as much to fix.
    for t in facts.keys() {
        rows.entry(t.clone()).or_default();
    }
    let mut reports = Vec::with_capacity(rows.len());
    let mut without_requests = 0;
    let mut samples = BTreeMap::new();
    for (target, by_family) in rows {
        let data = starts.get(&target);
        let from = data.map_or(start, |d| d.at);
        // The target as the selector that reads it back.
        let name = format!(
            "{{{},{}}}",
            promql::matcher("job", "=", &target.job),
            promql::matcher("instance", "=", &target.instance)
        );
        let mut left_out = Vec::new();
        let mut report = match exposition::rebuild(&plan, by_family, &keep, q.max_bytes) {
            Ok((mut parsed, notices)) => {
                left_out = notices;
                markers::add(&mut parsed.snapshot, marks.remove(&target).as_ref());
                let clock =
                    Clock::over_range(&parsed.snapshot, from, end, "--at, the end of the range");
                let mut r = analysis::analyse_range(name, &parsed, &clock, cfg);
                r.format = Some(format!(
                    "{} over {range} from {}",
                    api.shown(),
                    rfc3339(start)
                ));
                if r.traffic.is_some() && !samples.contains_key(&target.job) {
                    samples.insert(target.job.clone(), parsed.snapshot);
                }
                r
            }
            Err(e) => Report::failed(name, format!("the rebuilt exposition does not parse: {e}")),
        };
        if report.error.is_none() && report.traffic.is_none() {
            without_requests += 1;
        }
        let f = facts.remove(&target).unwrap_or_default();
        let counted = report
            .patterns
            .iter()
            .find(|p| p.id == "metrics_scrapes")
            .and_then(|p| p.requests);
        report.notices = scrape::notices(&f, counted, end - from);
        report.notices.append(&mut left_out);
        if let Some(d) = data {
            report.notices.insert(
                0,
                format!(
                    "the range starts at {} but this target's data begins at {} ({}): its rates and scrape counts are over the {} it has, not the whole range",
                    rfc3339(start),
                    rfc3339(d.at),
                    d.how,
                    humantime::format_duration(std::time::Duration::from_secs((end - d.at).round() as u64))
                ),
            );
        }
        report.scrape = Some(f);
        // The server's counts, not the rebuilt exposition's (which holds only the families
        // the detectors read, counters as their increase).
        report.cost = costs.targets.remove(&target);
        report.target = Some(target);
        reports.push(report);
    }
    if reports.is_empty() {
        bail!(
            "no targets between {} and {} matching {{{sel}}} on {}{}",
            rfc3339(start),
            rfc3339(end),
            api.shown(),
            jobs_seen(&api, q, start, end)
        );
    }
    let mut series: Vec<String> = reports
        .iter()
        .filter_map(|r| r.traffic.as_ref().map(|t| t.selector()))
        .collect();
    series.sort();
    series.dedup();
    let resets = scrape::resets(&api, &series, &sel, end, q.range)?;
    for r in &mut reports {
        if let Some(n) = r.target.as_ref().and_then(|t| resets.get(t)) {
            r.resets = n.round() as u64;
        }
    }
    // Rates in the trends need a few samples per window: four of the slowest interval.
    let slowest = intervals.values().map(|(i, _)| i.0).fold(15.0, f64::max);
    let window = (4.0 * slowest).max((q.range / 60.0).round());
    trend::add(
        &api,
        &mut reports,
        &sel,
        (start, end),
        window,
        &cfg.thresholds,
    )?;
    let mut fleet = Fleet::from_reports(&reports, (start, end));
    for r in &mut reports {
        ingest_saving(r, &fleet);
    }
    let mut added: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &reports {
        if let (Some(t), Some(n)) = (&r.target, r.scrape.as_ref().and_then(|s| s.series_added)) {
            *added.entry(t.job.as_str()).or_default() += n;
        }
    }
    for j in &mut fleet.jobs {
        j.server_cost = costs.jobs.remove(&j.job);
        j.relabel = plans.remove(&j.job);
        if let (Some(c), Some(p)) = (j.server_cost.as_mut(), j.relabel.as_ref()) {
            relabel::fill(c, p);
        }
        j.series_added = added.get(j.job.as_str()).copied();
    }
    head::head(&api, &sel, end, &mut server_cost);
    server_cost.notes.append(&mut costs.notes);
    fleet.server_cost = Some(server_cost);
    fleet.notices = api.warnings.borrow().clone();
    Ok(FleetRead {
        reports,
        fleet,
        without_requests,
        requests: api.requests.get(),
        shown: api.shown(),
        samples,
    })
}

/// The scrape-interval recommendation, completed with what this server would save: the
/// target counts every scraper, the server knows its own ingest.
fn ingest_saving(r: &mut Report, fleet: &Fleet) {
    let Some(f) = r.scrape.clone() else { return };
    let Some(rec) = r
        .recommendations
        .iter_mut()
        .find(|x| x.id == "scrape_interval")
    else {
        return;
    };
    match (f.savings(), f.interval) {
        (Some(saved), _) if saved > 0.0 => rec.expected.push_str(&format!(
            "; this server ingests {saved:.0} fewer samples per second ({:.1}% of the fleet's)",
            fleet.share(saved).unwrap_or(0.0) * 100.0
        )),
        (_, Some(i)) => rec.expected.push_str(&format!(
            "; this server already scrapes it every {i}s, so the other requests come from another scraper"
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(selector(&[], None).unwrap(), "job!=\"\"");
        assert_eq!(
            selector(&["api".into(), "a.b".into()], Some("{env=\"prod\"}")).unwrap(),
            "job=~\"api|a\\\\.b\",env=\"prod\""
        );
        assert!(selector(&[], Some("env=prod")).is_err());
        assert!(selector(&[], Some("{}")).is_err());
    }
}
