//! `grafana-dashboard.json`: the guide's four key panels with the threshold table drawn as
//! panel thresholds, `$__rate_interval` windows and a data-source variable. JSON has no
//! comments, so the header goes into the dashboard's description.

use serde_json::{json, Value};

use super::{header, GenerateContext, Generator};
use crate::detect::render_query;
use crate::threshold::{Direction, Rule};

/// Writes the Grafana dashboard.
pub(crate) struct DashboardGenerator;

/// `(check, title, Grafana unit)`: the guide's four key metrics.
const PANELS: [(&str, &str, &str); 4] = [
    ("request_rate", "Request Rate", "reqps"),
    ("memory", "Memory Usage", "bytes"),
    ("cache_hit_rate", "Cache Hit Rate", "percentunit"),
    ("p95_latency", "Response Time (P95)", "s"),
];

/// Threshold steps: green inside the target, yellow off target, orange past warning, red
/// past critical (mirrored when lower is worse).
fn steps(r: &Rule) -> Value {
    let limits = [
        (r.target, "yellow"),
        (r.warning, "orange"),
        (r.critical, "red"),
    ];
    match r.direction {
        Direction::Higher => {
            let mut v = vec![json!({"color": "green", "value": null})];
            v.extend(
                limits
                    .iter()
                    .filter_map(|(l, c)| l.map(|l| json!({"color": c, "value": l}))),
            );
            Value::Array(v)
        }
        Direction::Lower => {
            let mut v = vec![json!({"color": "red", "value": null})];
            let rising = [
                (r.critical, "orange"),
                (r.warning, "yellow"),
                (r.target, "green"),
            ];
            v.extend(
                rising
                    .iter()
                    .filter_map(|(l, c)| l.map(|l| json!({"color": c, "value": l}))),
            );
            Value::Array(v)
        }
    }
}

/// The PromQL of every panel, rendered as the dashboard holds it.
pub(crate) fn panel_queries(cx: &GenerateContext<'_>) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for (check, _, _) in PANELS {
        for c in cx
            .report
            .checks
            .iter()
            .filter(|c| c.measurement.check == check)
        {
            if let Some(q) = &c.measurement.query {
                out.push((
                    check.to_string(),
                    render_query(q, Some("$job"), "$__rate_interval"),
                    c.measurement.subject.clone(),
                ));
            }
        }
    }
    out
}

impl Generator for DashboardGenerator {
    fn kind(&self) -> &'static str {
        "dashboard"
    }

    fn file_name(&self) -> &'static str {
        "grafana-dashboard.json"
    }

    fn generate(&self, cx: &GenerateContext<'_>) -> anyhow::Result<String> {
        let queries = panel_queries(cx);
        let mut panels = Vec::new();
        let mut missing = Vec::new();
        for (i, (check, title, unit)) in PANELS.iter().enumerate() {
            let targets: Vec<Value> = queries
                .iter()
                .filter(|(c, _, _)| c == check)
                .enumerate()
                .map(|(n, (_, expr, subject))| {
                    json!({
                        "refId": char::from(b'A' + n as u8).to_string(),
                        "expr": expr,
                        "legendFormat": subject.clone().unwrap_or_else(|| title.to_string()),
                        "datasource": {"type": "prometheus", "uid": "${datasource}"}
                    })
                })
                .collect();
            if targets.is_empty() {
                missing.push(*title);
            }
            let Some(rule) = cx.thresholds.rule(check) else {
                continue;
            };
            panels.push(json!({
                "id": i + 1,
                "type": "timeseries",
                "title": title,
                "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8},
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "targets": targets,
                "fieldConfig": {
                    "defaults": {
                        "unit": unit,
                        "thresholds": {"mode": "absolute", "steps": steps(rule)},
                        "custom": {"thresholdsStyle": {"mode": "line+area"}}
                    },
                    "overrides": []
                },
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}}
            }));
        }
        let mut notes = Vec::new();
        if !missing.is_empty() {
            notes.push(format!(
                "No query for {}: not measurable from this input.",
                missing.join(", ")
            ));
        }
        let description: String = header(cx, "Grafana dashboard (grafana-dashboard.json)", &notes)
            .lines()
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join(" ");
        let dash = json!({
            "title": format!("promtune: {}", cx.plan.job),
            "uid": format!("promtune-{}", cx.plan.job.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()),
            "description": description,
            "tags": ["promtune"],
            "editable": true,
            "schemaVersion": 39,
            "time": {"from": "now-6h", "to": "now"},
            "refresh": "1m",
            "templating": {"list": [
                {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus"},
                {"name": "job", "label": "Job", "type": "textbox", "query": cx.plan.job, "current": {"text": cx.plan.job, "value": cx.plan.job}}
            ]},
            "panels": panels
        });
        let mut text = serde_json::to_string_pretty(&dash)?;
        text.push('\n');
        Ok(text)
    }
}
