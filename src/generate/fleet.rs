//! Configs for a fleet read from a server: `prometheus-optimized.yml` with every over-scraped
//! job set to the guide's 30s (the user's own config edited line by line, or a fresh one
//! listing the jobs), `alert-rules.yml` with one group per job, and the fleet's report.

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

use super::plan::{Interval, ScrapePlan};
use super::{alert_rules::AlertRulesGenerator, relabel, yaml_edit};
use super::{comments, RECOMMENDED_TIMEOUT};
use super::{BaseConfig, GenerateContext, Generator};
use crate::escape::template;
use crate::model::Snapshot;
use crate::recommend::relabel::{merged_drop, Rule, RuleKind};
use crate::recommend::RECOMMENDED_SCRAPE_INTERVAL;
use crate::report::{renderer, Fleet, Format, Report};
use crate::threshold::Thresholds;

/// The alert rules file, as `rule_files` names it.
const RULES: &str = "alert-rules.yml";

/// Everything the fleet's files are made from.
pub struct FleetInput<'a> {
    /// Where the fleet was read (URL without userinfo, and range).
    pub source: String,
    /// One report per target.
    pub reports: &'a [Report],
    /// The summary.
    pub fleet: &'a Fleet,
    /// One parsed target per job, the first by instance: what its alert rules are written from.
    pub samples: &'a BTreeMap<String, Snapshot>,
    /// The threshold table.
    pub thresholds: &'a Thresholds,
    /// The user's config, if given.
    pub base: Option<&'a BaseConfig>,
    /// Whether the config lists the alert rules.
    pub rule_files: bool,
    /// `--runbook-url`, if given.
    pub runbook_base: Option<&'a str>,
}

/// One job's change: its interval now and the one written, and why.
struct JobChange {
    job: String,
    before: Option<f64>,
    after: Interval,
    timeout: Interval,
    changed: bool,
    reason: String,
}

fn changes(f: &FleetInput<'_>) -> Vec<JobChange> {
    f.fleet
        .jobs
        .iter()
        .map(|j| {
            // The same rule as a single target's (`plan::decide`), on the interval the
            // scraper has: the server's, or the config's for --targets-from.
            let (after, over) = j
                .interval
                .map_or((RECOMMENDED_SCRAPE_INTERVAL, false), super::plan::decide);
            let reason = match (over, j.interval) {
                (true, Some(i)) if i < RECOMMENDED_SCRAPE_INTERVAL => format!(
                    "the server scraped its {} every {i}s; 30s saves {:.0} samples/s ({:.1}% of the fleet's ingest)",
                    crate::plural::s(j.targets as f64, "target"),
                    j.savings,
                    f.fleet.share(j.savings).unwrap_or(0.0) * 100.0
                ),
                (true, Some(i)) => format!("scraped every {i}s, longer than 2m (two samples in Prometheus's 5m staleness window)"),
                (false, Some(i)) => format!("scraped every {i}s, not more often than the guide's 30s"),
                (_, None) => "its scrape interval is unknown".into(),
            };
            JobChange {
                job: j.job.clone(),
                before: j.interval,
                after: Interval(after),
                timeout: Interval(RECOMMENDED_TIMEOUT.min(after)),
                changed: over,
                reason,
            }
        })
        .collect()
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn head(f: &FleetInput<'_>, what: &str, lines: &[String]) -> String {
    comments(what, &f.source, f.base, lines)
}

fn summary(c: &JobChange) -> String {
    if c.changed {
        let before = c
            .before
            .map(|b| format!(" from {}", Interval(b)))
            .unwrap_or_default();
        format!(
            "Changed: job {:?} scrape_interval{before} to {}, scrape_timeout {}, because {}.",
            c.job, c.after, c.timeout, c.reason
        )
    } else {
        format!("Unchanged: job {:?}, because {}.", c.job, c.reason)
    }
}

/// Each job's drop rule, from its targets' (each worked out on the target's own series) or
/// its own (worked out from a server's counts), and a note per job, most samples saved first
/// (per day at the interval the config sets).
fn drops(f: &FleetInput<'_>, jobs: &[JobChange]) -> (BTreeMap<String, Rule>, Vec<String>) {
    let mut by_job: BTreeMap<&str, Vec<&Rule>> = BTreeMap::new();
    for r in f.reports {
        if let (Some(t), Some(plan)) = (&r.target, &r.relabel) {
            by_job.entry(&t.job).or_default().extend(&plan.rules);
        }
    }
    let mut rules: BTreeMap<String, Rule> = by_job
        .into_iter()
        .filter_map(|(job, rules)| Some((job.to_string(), merged_drop(rules)?)))
        .collect();
    // A job's own drop is written as it is: its description names what each family loses.
    for j in &f.fleet.jobs {
        let own = j.relabel.iter().flat_map(|p| &p.rules);
        if let Some(r) = own.into_iter().find(|r| r.kind == RuleKind::Drop) {
            rules.insert(j.job.clone(), r.clone());
        }
    }
    let interval = |job: &str| jobs.iter().find(|c| c.job == job).map(|c| c.after.0);
    let mut ranked: Vec<(&String, &Rule)> = rules.iter().collect();
    ranked.sort_by(|a, b| b.1.saved.cmp(&a.1.saved).then_with(|| a.0.cmp(b.0)));
    let notes = ranked
        .iter()
        .map(|(job, r)| {
            let per_day = interval(job)
                .map(|i| format!(", {:.0} samples per day at {}", r.saved as f64 * 86_400.0 / i.max(1.0), Interval(i)))
                .unwrap_or_default();
            format!(
                "metric_relabel_configs of job {job:?}: drop {} no use reads, {} fewer per scrape over its targets{per_day}.",
                crate::plural::n(r.names.len() as u64, "stored name"),
                crate::plural::of(r.saved as f64, "series", "series"),
            )
        })
        .collect();
    (rules, notes)
}

/// `prometheus-optimized.yml` for the fleet.
fn prometheus_config(f: &FleetInput<'_>) -> anyhow::Result<String> {
    let jobs = changes(f);
    let mut notes: Vec<String> = jobs.iter().map(summary).collect();
    let (dropping, ranked) = drops(f, &jobs);
    notes.extend(ranked);
    let Some(b) = f.base else {
        // Each job's instances, gathered in one pass (a pass per job is quadratic when every
        // target is its own job).
        let mut by_job: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for t in f.reports.iter().filter_map(|r| r.target.as_ref()) {
            by_job.entry(&t.job).or_default().push(s(&t.instance));
        }
        let mut list = Vec::new();
        for c in &jobs {
            let mut targets = by_job.remove(c.job.as_str()).unwrap_or_default();
            targets.dedup();
            let mut m = Mapping::new();
            m.insert(s("job_name"), s(&c.job));
            m.insert(s("scrape_interval"), s(&c.after.to_string()));
            m.insert(s("scrape_timeout"), s(&c.timeout.to_string()));
            let mut sc = Mapping::new();
            sc.insert(s("targets"), Value::Sequence(targets));
            m.insert(
                s("static_configs"),
                Value::Sequence(vec![Value::Mapping(sc)]),
            );
            if let Some(r) = dropping.get(&c.job) {
                m.insert(
                    s("metric_relabel_configs"),
                    Value::Sequence(vec![relabel::value(r)]),
                );
            }
            list.push(Value::Mapping(m));
        }
        let mut top = Mapping::new();
        let mut global = Mapping::new();
        global.insert(s("scrape_interval"), s("1m"));
        global.insert(s("evaluation_interval"), s("30s"));
        top.insert(s("global"), Value::Mapping(global));
        let rules = if f.rule_files {
            vec![s(RULES)]
        } else {
            Vec::new()
        };
        top.insert(s("rule_files"), Value::Sequence(rules));
        top.insert(s("scrape_configs"), Value::Sequence(list));
        notes.push("Targets are the servers' instance labels: check them against your service discovery before using this file as it is.".into());
        let h = head(
            f,
            "Prometheus configuration (prometheus-optimized.yml)",
            &notes,
        );
        return Ok(format!(
            "{h}{}",
            serde_yaml::to_string(&Value::Mapping(top))?
        ));
    };
    let mut want: Value = serde_yaml::from_str(&b.text)?;
    // Each job's item in the base config, found once: a search per changed job was
    // quadratic in the jobs, as was an edit of the whole text per job (now one pass).
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    for (i, j) in want
        .get("scrape_configs")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(name) = j.get("job_name").and_then(Value::as_str) {
            index_of.entry(name.to_string()).or_insert(i);
        }
    }
    // (item, job, note) per changed job; the keys are written below.
    let mut changed: Vec<(usize, &JobChange, String)> = Vec::new();
    for c in jobs.iter().filter(|c| c.changed) {
        let Some(&index) = index_of.get(&c.job) else {
            notes.push(format!(
                "Job {:?} is not in the base config: nothing to change for it.",
                c.job
            ));
            continue;
        };
        if let Some(job) = want
            .get_mut("scrape_configs")
            .and_then(|j| j.get_mut(index))
            .and_then(Value::as_mapping_mut)
        {
            job.insert(s("scrape_interval"), s(&c.after.to_string()));
            job.insert(s("scrape_timeout"), s(&c.timeout.to_string()));
        }
        let note = match c.before {
            Some(b) => format!("was {}; {}", Interval(b), c.reason),
            None => c.reason.clone(),
        };
        changed.push((index, c, note));
    }
    let keys: Vec<[(&str, String); 2]> = changed
        .iter()
        .map(|(_, c, _)| {
            [
                ("scrape_interval", c.after.to_string()),
                ("scrape_timeout", c.timeout.to_string()),
            ]
        })
        .collect();
    let edits: Vec<yaml_edit::JobEdit<'_>> = changed
        .iter()
        .zip(&keys)
        .map(|((i, _, note), keys)| (*i, &keys[..], note.as_str()))
        .collect();
    let mut text = if edits.is_empty() {
        Some(b.text.clone())
    } else {
        yaml_edit::set_in_jobs(&b.text, &edits)
    };
    // Each job's drop, under its evidence, appended to its metric_relabel_configs.
    let mut lists: Vec<(usize, Vec<String>)> = Vec::new();
    for (job, r) in &dropping {
        let Some(&index) = index_of.get(job) else {
            continue;
        };
        if let Some(m) = want
            .get_mut("scrape_configs")
            .and_then(|j| j.get_mut(index))
            .and_then(Value::as_mapping_mut)
        {
            let list = m.entry(s("metric_relabel_configs")).or_insert(Value::Null);
            if list.is_null() {
                *list = Value::Sequence(Vec::new());
            }
            if let Some(seq) = list.as_sequence_mut() {
                seq.push(relabel::value(r));
            }
        }
        let interval = jobs.iter().find(|c| &c.job == job).map(|c| c.after.0);
        lists.push((index, relabel::lines(r, interval)));
    }
    if !lists.is_empty() {
        let edits: Vec<(usize, &[String])> = lists.iter().map(|(i, l)| (*i, &l[..])).collect();
        text = text.and_then(|t| yaml_edit::add_to_job_lists(&t, "metric_relabel_configs", &edits));
    }
    if f.rule_files {
        if let Some(top) = want.as_mapping_mut() {
            let files = top.entry(s("rule_files")).or_insert(Value::Null);
            if files.is_null() {
                *files = Value::Sequence(Vec::new());
            }
            if let Some(seq) = files.as_sequence_mut().filter(|q| !q.contains(&s(RULES))) {
                seq.push(s(RULES));
            }
        }
        text = text.and_then(|t| {
            yaml_edit::add_rule_file(
                &t,
                RULES,
                "the alert rules promtune writes beside this file",
            )
        });
    }
    // Read back: the edit must mean exactly the intended change.
    let edited = text.filter(|t| serde_yaml::from_str::<Value>(t).ok().as_ref() == Some(&want));
    Ok(match edited {
        Some(t) => t,
        None => {
            notes.push("The base config's layout could not be edited line by line, so it is written whole: its comments are not kept.".into());
            let h = head(
                f,
                "Prometheus configuration (prometheus-optimized.yml)",
                &notes,
            );
            format!("{h}{}", serde_yaml::to_string(&want)?)
        }
    })
}

/// `alert-rules.yml`: each job's rules, written from one of its targets, in one file.
fn alert_rules(f: &FleetInput<'_>) -> anyhow::Result<String> {
    let mut first: BTreeMap<&str, &Report> = BTreeMap::new();
    for r in f.reports {
        if let Some(t) = &r.target {
            first.entry(&t.job).or_insert(r);
        }
    }
    let mut groups = Vec::new();
    for c in changes(f) {
        let (Some(snapshot), Some(&report)) = (f.samples.get(&c.job), first.get(c.job.as_str()))
        else {
            continue;
        };
        let plan = ScrapePlan {
            job: c.job.clone(),
            target: report
                .target
                .as_ref()
                .map(|t| t.instance.clone())
                .unwrap_or_default(),
            metrics_path: "/metrics".into(),
            scheme: "http".into(),
            before: c.before.map(Interval),
            interval: c.after,
            timeout: c.timeout,
            changed: c.changed,
            reason: c.reason.clone(),
            chosen_by: "the fleet".into(),
        };
        let cx = GenerateContext {
            report,
            snapshot,
            thresholds: f.thresholds,
            plan: &plan,
            base: None,
            rule_files: f.rule_files,
            runbook_base: f.runbook_base,
        };
        let mut doc: Value = serde_yaml::from_str(&AlertRulesGenerator.generate(&cx)?)?;
        // Each rule names its job, so the jobs' rules are told apart (promtool rejects the
        // same alert with the same labels twice) and routed by job.
        for g in doc
            .get_mut("groups")
            .and_then(Value::as_sequence_mut)
            .into_iter()
            .flatten()
        {
            for r in g
                .get_mut("rules")
                .and_then(Value::as_sequence_mut)
                .into_iter()
                .flatten()
            {
                if let Some(l) = r.get_mut("labels").and_then(Value::as_mapping_mut) {
                    l.insert(s("job"), s(&template::literal(&c.job)));
                }
            }
            groups.push(g.clone());
        }
    }
    let mut top = Mapping::new();
    top.insert(s("groups"), Value::Sequence(groups));
    let h = head(
        f,
        "Prometheus alerting rules (alert-rules.yml)",
        &["One group per job, written from the job's first target: per-instance alerts cover all of them.".into()],
    );
    Ok(format!(
        "{h}{}",
        serde_yaml::to_string(&Value::Mapping(top))?
    ))
}

/// The fleet's files: `(file name, text)`.
pub fn fleet_files(f: &FleetInput<'_>) -> anyhow::Result<Vec<(String, String)>> {
    let report = renderer(Format::Markdown).render(f.reports, Some(f.fleet));
    Ok(vec![
        ("prometheus-optimized.yml".into(), prometheus_config(f)?),
        ("alert-rules.yml".into(), alert_rules(f)?),
        (
            "recommendations.md".into(),
            format!(
                "<!-- Generated by promtune {} from {}. -->\n{report}",
                env!("CARGO_PKG_VERSION"),
                f.source
            ),
        ),
    ])
}
