//! `grafana-dashboard.json`: the guide's four key panels, the error rate and CPU, with the
//! threshold table drawn as panel thresholds, `$__rate_interval` windows, and data-source,
//! job and instance variables. A panel promtune cannot fill says what to enable instead of
//! staying empty. JSON has no comments, so the header goes into the dashboard's description.

use serde_json::{json, Value};

use super::{by_instance, header, GenerateContext, Generator, PER_INSTANCE};
use crate::detect::render_matchers;
use crate::escape::markdown;
use crate::threshold::{Direction, Rule};

/// Writes the Grafana dashboard.
pub(crate) struct DashboardGenerator;

/// `(check, title, Grafana unit, what to enable when it cannot be drawn)`: the guide's four
/// key metrics, then the error rate and CPU, two per row.
const PANELS: [(&str, &str, &str, &str); 6] = [
    ("request_rate", "Request Rate", "reqps", "Count requests in a counter such as `http_requests_total`, labelled by route and status."),
    ("error_rate", "Error Rate (5xx)", "percentunit", "Label the request counter with the response status (`status`, `code` or `status_code`)."),
    ("memory", "Memory Usage", "bytes", "Expose `process_resident_memory_bytes`: the default process collector of most client libraries."),
    ("p95_latency", "Response Time (P95)", "s", "Record request latency as a histogram (`…_bucket` series with `le`)."),
    ("cache_hit_rate", "Cache Hit Rate", "percentunit", "Count each cache's lookups as `<cache>_hits_total` and `<cache>_misses_total`."),
    ("cpu", "CPU Usage", "short", "Expose `process_cpu_seconds_total`: the default process collector of most client libraries."),
];

/// The matchers every query carries: the two variables.
const MATCHERS: &str = "job=\"$job\",instance=~\"$instance\"";

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

/// The PromQL of every panel, rendered as the dashboard holds it: `(check, expr, legend)`.
/// Per-process figures get a line per instance.
pub(crate) fn panel_queries(cx: &GenerateContext<'_>) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for (check, _, _, _) in PANELS {
        for c in cx
            .report
            .checks
            .iter()
            .filter(|c| c.measurement.check == check)
        {
            if let Some(q) = &c.measurement.query {
                let mut expr = render_matchers(q, Some(MATCHERS), "$__rate_interval");
                let mut legend = c.measurement.subject.clone();
                if PER_INSTANCE.contains(&check) {
                    expr = by_instance(&expr);
                    legend = Some("{{instance}}".into());
                }
                out.push((check.to_string(), expr, legend));
            }
        }
    }
    out
}

/// A text panel in place of a chart that has no query: what is missing and how to add it.
fn text_panel(cx: &GenerateContext<'_>, check: &str, title: &str, hint: &str) -> Value {
    let why = cx
        .report
        .checks
        .iter()
        .find(|c| c.measurement.check == check)
        .map(|c| {
            format!(
                ": {}.",
                markdown::text(c.measurement.note.trim_end_matches('.'))
            )
        })
        .unwrap_or_else(|| ".".into());
    json!({
        "type": "text",
        "title": format!("{title}: not measured"),
        "options": {
            "mode": "markdown",
            "content": format!("promtune found nothing to chart in {}{why}\n\n{hint}", markdown::text(&cx.report.source))
        }
    })
}

/// A query variable over `up`, so the dashboard lists what Prometheus scrapes.
fn variable(name: &str, label: &str, query: &str, current: Option<&str>) -> Value {
    let mut v = json!({
        "name": name,
        "label": label,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "sort": 1
    });
    match current {
        Some(c) => v["current"] = json!({"text": c, "value": c}),
        None => {
            v["multi"] = json!(true);
            v["includeAll"] = json!(true);
            v["allValue"] = json!(".+");
            v["current"] = json!({"text": ["All"], "value": ["$__all"]});
        }
    }
    v
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
        for (i, (check, title, unit, hint)) in PANELS.iter().enumerate() {
            let Some(rule) = cx.thresholds.rule(check) else {
                continue;
            };
            let targets: Vec<Value> = queries
                .iter()
                .filter(|(c, _, _)| c == check)
                .enumerate()
                .map(|(n, (_, expr, legend))| {
                    json!({
                        "refId": char::from(b'A' + n as u8).to_string(),
                        "expr": expr,
                        "legendFormat": legend.clone().unwrap_or_else(|| title.to_string()),
                        "datasource": {"type": "prometheus", "uid": "${datasource}"}
                    })
                })
                .collect();
            // A row with no lines (the default request rate) draws no band at all.
            let judged = rule.target.or(rule.warning).or(rule.critical).is_some();
            let style = if judged { "line+area" } else { "off" };
            let mut panel = if targets.is_empty() {
                missing.push(*title);
                text_panel(cx, check, title, hint)
            } else {
                json!({
                    "type": "timeseries",
                    "title": title,
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "targets": targets,
                    "fieldConfig": {
                        "defaults": {
                            "unit": unit,
                            "thresholds": {"mode": "absolute", "steps": steps(rule)},
                            "custom": {"thresholdsStyle": {"mode": style}}
                        },
                        "overrides": []
                    },
                    "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}}
                })
            };
            panel["id"] = json!(i + 1);
            panel["gridPos"] = json!({"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8});
            panels.push(panel);
        }
        let mut notes = Vec::new();
        if !missing.is_empty() {
            notes.push(format!(
                "No query for {}: not measurable from this input; their panels say what to enable.",
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
                variable("job", "Job", "label_values(up, job)", Some(&cx.plan.job)),
                variable("instance", "Instance", "label_values(up{job=\"$job\"}, instance)", None)
            ]},
            "panels": panels
        });
        let mut text = serde_json::to_string_pretty(&dash)?;
        text.push('\n');
        Ok(text)
    }
}
