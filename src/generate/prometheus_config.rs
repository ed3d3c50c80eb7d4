//! `prometheus-optimized.yml`: a complete Prometheus config, or the user's own with only the
//! analysed job changed.

use serde_yaml::{Mapping, Value};

use super::plan::{find_job, job_index};
use super::{header, GenerateContext, Generator};
use super::{relabel, yaml_edit};

/// Writes the Prometheus configuration.
pub(crate) struct PrometheusConfigGenerator;

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

/// The relabel rules worked out for the target, when there are any.
fn proposed<'a>(cx: &GenerateContext<'a>) -> Option<&'a crate::recommend::relabel::Plan> {
    cx.report.relabel.as_ref().filter(|p| !p.rules.is_empty())
}

/// The alert rules file, as `rule_files` names it (beside the config).
const RULES: &str = "alert-rules.yml";

/// Adds the alert rules to a config's `rule_files`, unless they are listed.
fn list_rule_file(config: &mut Value) {
    let Some(top) = config.as_mapping_mut() else {
        return;
    };
    let files = top.entry(s("rule_files")).or_insert(Value::Null);
    if files.is_null() {
        *files = Value::Sequence(Vec::new());
    }
    if let Some(seq) = files.as_sequence_mut() {
        if !seq.contains(&s(RULES)) {
            seq.push(s(RULES));
        }
    }
}

fn complete(cx: &GenerateContext<'_>) -> Value {
    let p = cx.plan;
    let mut job = map(vec![
        ("job_name", s(&p.job)),
        ("scrape_interval", s(&p.interval.to_string())),
        ("scrape_timeout", s(&p.timeout.to_string())),
        ("metrics_path", s(&p.metrics_path)),
        ("scheme", s(&p.scheme)),
        (
            "static_configs",
            Value::Sequence(vec![map(vec![(
                "targets",
                Value::Sequence(vec![s(&p.target)]),
            )])]),
        ),
    ]);
    if let (Some(plan), Some(m)) = (proposed(cx), job.as_mapping_mut()) {
        let rules = plan.rules.iter().map(relabel::value).collect();
        m.insert(s("metric_relabel_configs"), Value::Sequence(rules));
    }
    map(vec![
        (
            "global",
            map(vec![
                ("scrape_interval", s("1m")),
                ("scrape_timeout", s("10s")),
                ("evaluation_interval", s("30s")),
            ]),
        ),
        (
            "rule_files",
            Value::Sequence(if cx.rule_files {
                vec![s(RULES)]
            } else {
                Vec::new()
            }),
        ),
        ("scrape_configs", Value::Sequence(vec![job])),
    ])
}

impl Generator for PrometheusConfigGenerator {
    fn kind(&self) -> &'static str {
        "prometheus-config"
    }

    fn file_name(&self) -> &'static str {
        "prometheus-optimized.yml"
    }

    fn generate(&self, cx: &GenerateContext<'_>) -> anyhow::Result<String> {
        let p = cx.plan;
        let change = if p.changed {
            let before = p.before.map(|b| format!(" from {b}")).unwrap_or_default();
            format!(
                "Changed: job {:?} scrape_interval{before} to {}, scrape_timeout {}, because {}.",
                p.job, p.interval, p.timeout, p.reason
            )
        } else {
            format!("Unchanged: job {:?}, because {}.", p.job, p.reason)
        };
        let Some(b) = cx.base else {
            let body = serde_yaml::to_string(&complete(cx))?;
            // The whole file is written by serde_yaml: the rules' evidence goes on top.
            let mut notes = vec![change];
            if let Some(plan) = proposed(cx) {
                notes.extend(plan.rules.iter().enumerate().map(|(i, r)| {
                    format!(
                        "metric_relabel_configs[{i}]: {}",
                        relabel::evidence(r, Some(p.interval.0))
                    )
                }));
            }
            let h = header(
                cx,
                "Prometheus configuration (prometheus-optimized.yml)",
                &notes,
            );
            return Ok(format!("{h}{body}"));
        };
        // The user's file, edited: the job's two keys and one rule_files line change, every
        // other byte stays.
        let mut want: Value = serde_yaml::from_str(&b.text)?;
        let index = job_index(&want, Some(&p.job), &p.target)?;
        let mut text = Some(b.text.clone());
        if p.changed {
            let job = find_job(&mut want, Some(&p.job), &p.target)?;
            job.insert(s("scrape_interval"), s(&p.interval.to_string()));
            job.insert(s("scrape_timeout"), s(&p.timeout.to_string()));
            let note = match p.before {
                Some(b) => format!("was {b}; {}", p.reason),
                None => p.reason.clone(),
            };
            let keys = [
                ("scrape_interval", p.interval.to_string()),
                ("scrape_timeout", p.timeout.to_string()),
            ];
            text = text.and_then(|t| yaml_edit::set_in_job(&t, index, &keys, &note));
        }
        if let Some(plan) = proposed(cx) {
            let (lines, values) = relabel::entries(plan, p.interval.0);
            let job = find_job(&mut want, Some(&p.job), &p.target)?;
            let list = job
                .entry(s("metric_relabel_configs"))
                .or_insert(Value::Null);
            if list.is_null() {
                *list = Value::Sequence(Vec::new());
            }
            if let Some(seq) = list.as_sequence_mut() {
                seq.extend(values);
            }
            text = text.and_then(|t| {
                yaml_edit::add_to_job_lists(&t, "metric_relabel_configs", &[(index, &lines)])
            });
        }
        if cx.rule_files {
            list_rule_file(&mut want);
            text = text.and_then(|t| {
                yaml_edit::add_rule_file(
                    &t,
                    RULES,
                    "the alert rules promtune writes beside this file",
                )
            });
        }
        // Checked by reading it back: the edit must mean exactly the intended change.
        let edited = text.filter(|t| serde_yaml::from_str::<Value>(t).ok().as_ref() == Some(&want));
        Ok(match edited {
            Some(text) => text,
            None => {
                // A layout the line edit does not handle (flow style): the whole config,
                // said so at the top, since its comments are lost.
                let why = "The base config's layout could not be edited line by line, so it is written whole: its comments are not kept.".to_string();
                let h = header(
                    cx,
                    "Prometheus configuration (prometheus-optimized.yml)",
                    &[change, why],
                );
                format!("{h}{}", serde_yaml::to_string(&want)?)
            }
        })
    }
}
