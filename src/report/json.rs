//! The JSON contract (`docs/report.schema.json`), through wire structs of its own so that
//! internal types can change without changing it.

use serde::Serialize;

use super::{Renderer, Report};

/// Renders JSON.
pub(crate) struct JsonRenderer;

/// Bumped on any incompatible change of the JSON output.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    reports: Vec<WireReport<'a>>,
}

#[derive(Serialize)]
struct WireReport<'a> {
    source: &'a str,
    error: Option<&'a str>,
    format: Option<&'a str>,
    scraped_at: Option<String>,
    scraped_at_source: &'a str,
    uptime_seconds: Option<f64>,
    uptime_source: &'a str,
    rates_over: &'static str,
    requests: Option<WireTraffic<'a>>,
    patterns: Vec<WirePattern<'a>>,
    checks: Vec<WireCheck<'a>>,
    recommendations: Vec<WireRecommendation<'a>>,
    parser_warnings: u64,
    counter_resets: u64,
}

#[derive(Serialize)]
struct WireTraffic<'a> {
    family: &'a str,
    selector: String,
    route_label: Option<&'a str>,
    status_label: Option<&'a str>,
    method_label: Option<&'a str>,
    total: u64,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct WirePath<'a> {
    path: &'a str,
    requests: u64,
}

#[derive(Serialize)]
struct WirePattern<'a> {
    id: &'a str,
    requests: Option<u64>,
    share: Option<f64>,
    interval_seconds: Option<f64>,
    paths: Vec<WirePath<'a>>,
    note: &'a str,
}

#[derive(Serialize)]
struct WireCheck<'a> {
    id: &'a str,
    subject: Option<&'a str>,
    value: Option<f64>,
    unit: &'a str,
    status: &'a str,
    target: Option<f64>,
    warning: Option<f64>,
    critical: Option<f64>,
    note: &'a str,
}

#[derive(Serialize)]
struct WireRecommendation<'a> {
    id: &'a str,
    impact: String,
    action: &'a str,
    expected: &'a str,
    expected_reduction: Option<f64>,
    evidence: &'a str,
}

/// Request counts are whole numbers; exporters that write them as floats get rounded.
fn whole(v: f64) -> u64 {
    v.max(0.0).round() as u64
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn unit_name(u: crate::threshold::Unit) -> &'static str {
    use crate::threshold::Unit;
    match u {
        Unit::PerSecond => "requests_per_second",
        Unit::Bytes => "bytes",
        Unit::Seconds => "seconds",
        Unit::Ratio => "ratio",
        Unit::Count => "count",
        Unit::Cores => "cpu_seconds_per_second",
    }
}

fn wire(r: &Report) -> WireReport<'_> {
    WireReport {
        source: &r.source,
        error: r.error.as_deref(),
        format: r.format.as_deref(),
        scraped_at: r.scraped_at.0.map(super::rfc3339),
        scraped_at_source: &r.scraped_at.1,
        uptime_seconds: finite(r.uptime.0),
        uptime_source: &r.uptime.1,
        rates_over: r.span.as_str(),
        requests: r.traffic.as_ref().map(|t| WireTraffic {
            family: &t.family,
            selector: t.selector(),
            route_label: t.route_label.as_deref(),
            status_label: t.status_label.as_deref(),
            method_label: t.method_label.as_deref(),
            total: whole(t.total()),
            note: t.note.as_deref(),
        }),
        patterns: r
            .patterns
            .iter()
            .map(|p| WirePattern {
                id: p.id,
                requests: p.requests.map(whole),
                share: finite(p.share),
                interval_seconds: finite(p.interval_seconds),
                paths: p
                    .paths
                    .iter()
                    .map(|(path, n)| WirePath {
                        path,
                        requests: whole(*n),
                    })
                    .collect(),
                note: &p.note,
            })
            .collect(),
        checks: r
            .checks
            .iter()
            .map(|c| WireCheck {
                id: c.measurement.check,
                subject: c.measurement.subject.as_deref(),
                value: finite(c.measurement.value),
                unit: unit_name(c.rule.unit),
                status: c.status.as_str(),
                target: c.rule.target,
                warning: c.rule.warning,
                critical: c.rule.critical,
                note: &c.measurement.note,
            })
            .collect(),
        recommendations: r
            .recommendations
            .iter()
            .map(|x| WireRecommendation {
                id: x.id,
                impact: x.impact.to_string(),
                action: &x.action,
                expected: &x.expected,
                expected_reduction: finite(x.expected_reduction),
                evidence: &x.evidence,
            })
            .collect(),
        parser_warnings: r.warnings,
        counter_resets: r.resets,
    }
}

impl Renderer for JsonRenderer {
    fn render(&self, reports: &[Report]) -> String {
        let out = Output {
            schema_version: SCHEMA_VERSION,
            reports: reports.iter().map(wire).collect(),
        };
        let mut s = serde_json::to_string_pretty(&out)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}
