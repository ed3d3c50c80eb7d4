//! `prometheus-optimized.yml`: a complete Prometheus config, or the user's own with only the
//! analysed job changed.

use serde_yaml::{Mapping, Value};

use super::plan::find_job;
use super::{header, GenerateContext, Generator};

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

fn complete(cx: &GenerateContext<'_>) -> Value {
    let p = cx.plan;
    let job = map(vec![
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
    map(vec![
        (
            "global",
            map(vec![
                ("scrape_interval", s("1m")),
                ("scrape_timeout", s("10s")),
                ("evaluation_interval", s("30s")),
            ]),
        ),
        ("rule_files", Value::Sequence(vec![s("alert-rules.yml")])),
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
        let doc = match cx.base {
            None => complete(cx),
            Some(b) => {
                let mut v: Value = serde_yaml::from_str(&b.text)?;
                let job = find_job(&mut v, Some(&p.job), &p.target)?;
                if p.changed {
                    job.insert(s("scrape_interval"), s(&p.interval.to_string()));
                    job.insert(s("scrape_timeout"), s(&p.timeout.to_string()));
                }
                v
            }
        };
        let body = serde_yaml::to_string(&doc)?;
        Ok(format!(
            "{}{body}",
            header(
                cx,
                "Prometheus configuration (prometheus-optimized.yml)",
                &[change]
            )
        ))
    }
}
