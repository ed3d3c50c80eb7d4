//! `alert-rules.yml`: a warning and a critical alert per threshold row, written with the
//! metric and label names the analysis found, rate windows at least four scrape intervals;
//! a restart alert per instance where the exposition dates its process, and a `TargetDown`
//! alert per target. Every alert keeps `job` (and `instance` for a process's figures), so
//! that Alertmanager can route it by job.

use serde_yaml::{Mapping, Value};

use super::plan::Interval;
use super::{header, GenerateContext, Generator, PER_INSTANCE};
use crate::detect::{regroup, render_query, start_family};
use crate::escape::{promql, template};
use crate::threshold::{Check, Direction};

/// Writes the alerting rules.
pub(crate) struct AlertRulesGenerator;

/// `(alert name, what)` per check.
fn name(check: &str) -> Option<(&'static str, &'static str)> {
    Some(match check {
        "request_rate" => ("RequestRateHigh", "request rate"),
        "memory" => ("ResidentMemoryHigh", "resident memory"),
        "cache_hit_rate" => ("CacheHitRateLow", "cache hit rate"),
        "p95_latency" => ("LatencyP95High", "P95 latency"),
        "error_rate" => ("ErrorRateHigh", "5xx error rate"),
        "cpu" => ("CpuUsageHigh", "CPU use"),
        _ => return None,
    })
}

/// Rate window: at least four scrape intervals (Prometheus needs two samples in a window, and
/// four tolerate a missed scrape), in whole minutes.
pub(crate) fn window(cx: &GenerateContext<'_>) -> Interval {
    let secs = (cx.plan.interval.0 * 4.0).max(60.0);
    Interval((secs / 60.0).ceil() * 60.0)
}

/// How long a condition must hold: ten intervals (at least 5m) for a warning, four (at least
/// 2m) for a critical, so one slow scrape never pages anyone.
fn hold(cx: &GenerateContext<'_>, critical: bool) -> Interval {
    let i = cx.plan.interval.0;
    Interval(if critical {
        (4.0 * i).max(120.0)
    } else {
        (10.0 * i).max(300.0)
    })
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn rule(cx: &GenerateContext<'_>, c: &Check, critical: bool) -> Option<Value> {
    let (alert, what) = name(c.measurement.check)?;
    let limit = if critical {
        c.rule.critical
    } else {
        c.rule.warning
    }?;
    let query = c.measurement.query.as_deref()?;
    let per_instance = PER_INSTANCE.contains(&c.measurement.check);
    let expr_q = render_query(query, Some(&cx.plan.job), &window(cx).to_string());
    // An aggregation drops every label it is not grouped by: keep `job` for routing.
    let expr_q = regroup(&expr_q, if per_instance { "job, instance" } else { "job" });
    let op = match c.rule.direction {
        Direction::Higher => ">",
        Direction::Lower => "<",
    };
    let severity = if critical { "critical" } else { "warning" };
    let mut labels = Mapping::new();
    labels.insert(s("severity"), s(severity));
    if let Some(subject) = &c.measurement.subject {
        labels.insert(s("cache"), s(&template::literal(subject)));
    }
    let measured = c
        .measurement
        .value
        .map(|v| c.rule.unit.format(v))
        .unwrap_or_else(|| "unknown".into());
    let mut ann = Mapping::new();
    let side = if op == ">" { "above" } else { "below" };
    let limit_text = c.rule.unit.format(limit);
    if per_instance {
        // Prometheus fills these in when the alert fires: which process, and its value.
        ann.insert(
            s("summary"),
            s(&format!(
                "{what} of {{{{ $labels.instance }}}} {side} {limit_text}"
            )),
        );
        ann.insert(
            s("description"),
            s(&format!(
                "{what} of {{{{ $labels.instance }}}} (job {}) is {{{{ $value | humanize }}}}, past the {severity} threshold ({op} {limit_text}). promtune measured {measured} when it wrote this rule.",
                template::literal(&cx.plan.job)
            )),
        );
    } else {
        ann.insert(s("summary"), s(&format!("{what} {side} {limit_text}")));
        ann.insert(
            s("description"),
            s(&format!(
                "{what} of job {} is past the {severity} threshold ({op} {limit_text}). promtune measured {measured} when it wrote this rule.",
                template::literal(&cx.plan.job)
            )),
        );
    }
    runbook(&mut ann, cx, c.measurement.check);
    let mut r = Mapping::new();
    r.insert(s("alert"), s(alert));
    r.insert(s("expr"), s(&format!("({expr_q}) {op} {limit}")));
    r.insert(s("for"), s(&hold(cx, critical).to_string()));
    r.insert(s("labels"), Value::Mapping(labels));
    r.insert(s("annotations"), Value::Mapping(ann));
    Some(Value::Mapping(r))
}

/// `runbook_url: <--runbook-url>/<check>.md`, only when `--runbook-url` was given: no
/// address is written that nobody has checked (docs/configs.md).
fn runbook(ann: &mut Mapping, cx: &GenerateContext<'_>, check: &str) {
    if let Some(base) = cx.runbook_base {
        let url = format!("{}/{check}.md", base.trim_end_matches('/'));
        ann.insert(s("runbook_url"), s(&url));
    }
}

/// Restarts in an hour that make an instance "restarting": one is a deploy, three are a
/// crash loop or an OOM kill.
const RESTARTS: u32 = 2;

/// `ProcessRestarting`: each instance whose start time changed more than [`RESTARTS`] times
/// in the last hour. Per instance by construction: `changes()` keeps every series apart.
fn restart_rule(cx: &GenerateContext<'_>, family: &str) -> Value {
    let expr = format!(
        "changes({}[1h]) > {RESTARTS}",
        promql::selector(family, &promql::matcher("job", "=", &cx.plan.job))
    );
    let mut labels = Mapping::new();
    labels.insert(s("severity"), s("warning"));
    let mut ann = Mapping::new();
    ann.insert(
        s("summary"),
        s("{{ $labels.instance }} restarted {{ $value }} times in the last hour"),
    );
    ann.insert(
        s("description"),
        s(&format!(
            "{} of {{{{ $labels.instance }}}} (job {}) changed {{{{ $value }}}} times in an hour: a crash loop, an OOM kill or a probe that kills it. Counters restart from zero each time, so rates over this hour are broken too.",
            template::literal(family),
            template::literal(&cx.plan.job)
        )),
    );
    runbook(&mut ann, cx, "restarts");
    let mut r = Mapping::new();
    r.insert(s("alert"), s("ProcessRestarting"));
    r.insert(s("expr"), s(&expr));
    r.insert(s("labels"), Value::Mapping(labels));
    r.insert(s("annotations"), Value::Mapping(ann));
    Value::Mapping(r)
}

/// `TargetDown`: each target of the job whose scrape failed (`up == 0`) for the critical
/// hold, so that a target that stops answering is an alert, not a silent gap in every other.
fn down_rule(cx: &GenerateContext<'_>) -> Value {
    let expr = format!(
        "{} == 0",
        promql::selector("up", &promql::matcher("job", "=", &cx.plan.job))
    );
    let mut labels = Mapping::new();
    labels.insert(s("severity"), s("critical"));
    let mut ann = Mapping::new();
    ann.insert(
        s("summary"),
        s(&format!(
            "{{{{ $labels.instance }}}} of job {} is down",
            template::literal(&cx.plan.job)
        )),
    );
    ann.insert(
        s("description"),
        s(&format!(
            "Prometheus could not scrape {{{{ $labels.instance }}}} (job {}) for {}: it is down, unreachable or answers with an error. Every other alert of this job is blind to it meanwhile.",
            template::literal(&cx.plan.job),
            hold(cx, true)
        )),
    );
    runbook(&mut ann, cx, "target_down");
    let mut r = Mapping::new();
    r.insert(s("alert"), s("TargetDown"));
    r.insert(s("expr"), s(&expr));
    r.insert(s("for"), s(&hold(cx, true).to_string()));
    r.insert(s("labels"), Value::Mapping(labels));
    r.insert(s("annotations"), Value::Mapping(ann));
    Value::Mapping(r)
}

impl Generator for AlertRulesGenerator {
    fn kind(&self) -> &'static str {
        "alert-rules"
    }

    fn file_name(&self) -> &'static str {
        "alert-rules.yml"
    }

    fn generate(&self, cx: &GenerateContext<'_>) -> anyhow::Result<String> {
        let mut rules = vec![down_rule(cx)];
        let mut skipped = Vec::new();
        for c in &cx.report.checks {
            if name(c.measurement.check).is_none() {
                continue;
            }
            if c.measurement.query.is_none() {
                skipped.push(c.measurement.check);
                continue;
            }
            rules.extend(
                [rule(cx, c, false), rule(cx, c, true)]
                    .into_iter()
                    .flatten(),
            );
        }
        let start = start_family(cx.snapshot);
        if let Some(family) = &start {
            rules.push(restart_rule(cx, family));
        }
        let mut group = Mapping::new();
        group.insert(s("name"), s(&format!("promtune-{}", cx.plan.job)));
        group.insert(s("rules"), Value::Sequence(rules));
        let mut doc = Mapping::new();
        doc.insert(s("groups"), Value::Sequence(vec![Value::Mapping(group)]));
        let mut notes = vec![format!(
            "Thresholds: profile {}; rate window {} (four scrape intervals of {}); for: {} (warning), {} (critical).",
            cx.thresholds.profile,
            window(cx),
            cx.plan.interval,
            hold(cx, false),
            hold(cx, true)
        )];
        if start.is_none() {
            notes.push("No restart alert: the exposition has no process start time.".into());
        }
        skipped.dedup();
        if !skipped.is_empty() {
            notes.push(format!(
                "No alert for {}: not measurable from this input.",
                skipped.join(", ")
            ));
        }
        Ok(format!(
            "{}{}",
            header(cx, "Prometheus alerting rules (alert-rules.yml)", &notes),
            serde_yaml::to_string(&Value::Mapping(doc))?
        ))
    }
}
