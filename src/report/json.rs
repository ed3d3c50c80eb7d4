//! The JSON contract (`docs/report.schema.json`), through wire structs of its own so that
//! internal types can change without changing it.

use serde::Serialize;

use super::{Fleet, Renderer, Report};

/// Renders JSON, with what `--usage` read when given.
pub(crate) struct JsonRenderer<'u> {
    pub(crate) usage: Option<&'u crate::input::usage::Usage>,
}

/// Bumped on any incompatible change of the JSON output.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    schema_version: u32,
    reports: Reports<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fleet: Option<WireFleet<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<super::usage_json::WireUsage<'a>>,
}

#[derive(Serialize)]
struct WireTarget<'a> {
    job: &'a str,
    instance: &'a str,
}

#[derive(Serialize)]
struct WireScrape<'a> {
    interval_seconds: Option<f64>,
    interval_source: &'a str,
    timeout_seconds: Option<f64>,
    timeout_source: Option<&'a str>,
    samples_per_scrape: Option<f64>,
    ingest_per_second: Option<f64>,
    savings_per_second: Option<f64>,
    scrape_duration_max_seconds: Option<f64>,
    availability: Option<f64>,
    restarts: Option<f64>,
    memory_max_bytes: Option<f64>,
    samples_post_relabeling: Option<f64>,
    series_added: Option<f64>,
}

#[derive(Serialize)]
struct WireRange {
    start: String,
    end: String,
    seconds: f64,
}

#[derive(Serialize)]
struct WireRow<'a> {
    target: WireTarget<'a>,
    metrics_requests_per_second: Option<f64>,
    health_checks_per_second: Option<f64>,
    worst_status: Option<&'static str>,
    worst_check: Option<&'a str>,
    ingest_per_second: Option<f64>,
    savings_per_second: f64,
    savings_share: Option<f64>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct WireJob<'a> {
    job: &'a str,
    targets: usize,
    interval_seconds: Option<f64>,
    ingest_per_second: f64,
    savings_per_second: f64,
    savings_share: Option<f64>,
    series_added: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_cost: Option<super::server_json::WireJobCost<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relabel: Option<super::relabel::WireRelabel<'a>>,
    cost: WireCostTotal,
}

#[derive(Serialize)]
struct WireCostTotal {
    targets: usize,
    series: u64,
    series_after: Option<u64>,
    samples_per_second: Option<f64>,
    samples_per_day: Option<f64>,
}

fn cost_total(c: &super::CostTotal) -> WireCostTotal {
    WireCostTotal {
        targets: c.targets,
        series: c.series,
        series_after: c.series_after,
        samples_per_second: finite(c.samples_per_second),
        samples_per_day: finite(c.per_day()),
    }
}

#[derive(Serialize)]
struct WireFleet<'a> {
    range: WireRange,
    targets: usize,
    ingest_per_second: f64,
    savings_per_second: f64,
    savings_share: Option<f64>,
    rows: Vec<WireRow<'a>>,
    jobs: Vec<WireJob<'a>>,
    server_warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    server_cost: Option<super::server_json::WireServerCost<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relabel_savings: Option<Vec<super::relabel::WireJobSaving<'a>>>,
    cost: WireCostTotal,
}

fn fleet(f: &Fleet) -> WireFleet<'_> {
    WireFleet {
        range: WireRange {
            start: super::rfc3339(f.range.0),
            end: super::rfc3339(f.range.1),
            seconds: (f.range.1 - f.range.0).max(0.0),
        },
        targets: f.rows.len(),
        ingest_per_second: f.ingest,
        savings_per_second: f.savings,
        savings_share: f.share(f.savings),
        rows: f
            .rows
            .iter()
            .map(|r| WireRow {
                target: WireTarget {
                    job: &r.target.job,
                    instance: &r.target.instance,
                },
                metrics_requests_per_second: finite(r.metrics_per_second),
                health_checks_per_second: finite(r.health_per_second),
                worst_status: r.worst.as_ref().map(|w| w.0.as_str()),
                worst_check: r.worst.as_ref().map(|w| w.1.as_str()),
                ingest_per_second: finite(r.ingest),
                savings_per_second: r.savings,
                savings_share: f.share(r.savings),
                error: r.error.as_deref(),
            })
            .collect(),
        jobs: f
            .jobs
            .iter()
            .map(|j| WireJob {
                job: &j.job,
                targets: j.targets,
                interval_seconds: j.interval,
                ingest_per_second: j.ingest,
                savings_per_second: j.savings,
                savings_share: f.share(j.savings),
                series_added: finite(j.series_added),
                server_cost: j.server_cost.as_ref().map(super::server_json::job_cost),
                relabel: j
                    .relabel
                    .as_ref()
                    .map(|p| super::relabel::wire(p, j.server_cost.as_ref())),
                cost: cost_total(&j.cost),
            })
            .collect(),
        server_warnings: &f.notices,
        server_cost: f.server_cost.as_ref().map(super::server_json::server_cost),
        relabel_savings: super::relabel::ranked(f),
        cost: cost_total(&f.cost),
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<WireTarget<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scrape: Option<WireScrape<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notices: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    trends: Vec<WireTrend<'a>>,
    cost: Option<WireCost<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relabel: Option<super::relabel::WireRelabel<'a>>,
}

#[derive(Serialize)]
struct WireInterval<'a> {
    seconds: Option<f64>,
    source: &'a str,
}

#[derive(Serialize)]
struct WireCost<'a> {
    series: u64,
    series_after: Option<u64>,
    interval: WireInterval<'a>,
    samples_per_second: Option<f64>,
    samples_per_day: Option<f64>,
    families: Vec<WireFamilyCost<'a>>,
}

#[derive(Serialize)]
struct WireFamilyCost<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    mtype: &'static str,
    series: u64,
    series_after: Option<u64>,
    share: f64,
    samples_per_second: Option<f64>,
    samples_per_day: Option<f64>,
    labels: Vec<WireLabelCost<'a>>,
}

#[derive(Serialize)]
struct WireLabelCost<'a> {
    name: &'a str,
    distinct: u64,
    capped: bool,
    suspect: Option<WireSuspect<'a>>,
}

#[derive(Serialize)]
struct WireSuspect<'a> {
    kind: &'static str,
    examples: &'a [String],
}

/// `(per second, per day)` of `n` samples per scrape, when the interval is known.
fn rates(c: &crate::model::Cost, n: u64) -> (Option<f64>, Option<f64>) {
    (finite(c.per_second(n)), finite(c.per_day(n)))
}

fn cost(c: &crate::model::Cost) -> WireCost<'_> {
    let (per_second, per_day) = rates(c, c.series);
    WireCost {
        series: c.series,
        series_after: c.series_after,
        interval: WireInterval {
            seconds: c.interval.as_ref().map(|i| i.0),
            source: c
                .interval
                .as_ref()
                .map_or(super::cost::NO_INTERVAL, |i| i.1.as_str()),
        },
        samples_per_second: per_second,
        samples_per_day: per_day,
        families: c
            .families
            .iter()
            .map(|f| {
                let (per_second, per_day) = rates(c, f.series);
                WireFamilyCost {
                    name: &f.name,
                    mtype: f.mtype.as_str(),
                    series: f.series,
                    series_after: f.series_after,
                    share: c.share(f),
                    samples_per_second: per_second,
                    samples_per_day: per_day,
                    labels: f
                        .labels
                        .iter()
                        .map(|l| WireLabelCost {
                            name: &l.name,
                            distinct: l.distinct,
                            capped: l.distinct_capped,
                            suspect: l.suspect.as_ref().map(|s| WireSuspect {
                                kind: s.kind.as_str(),
                                examples: &s.examples,
                            }),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct WireReaches {
    threshold: &'static str,
    value: f64,
    seconds: f64,
}

#[derive(Serialize)]
struct WireTrend<'a> {
    check: &'a str,
    unit: &'static str,
    heading: &'static str,
    slope_per_hour: Option<f64>,
    r2: Option<f64>,
    reaches: Option<WireReaches>,
    summary: String,
    points: &'a [(f64, f64)],
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
struct WireWaiver {
    kind: &'static str,
    description: String,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    waived: Option<WireWaiver>,
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
                waived: c.waived.as_ref().map(|w| WireWaiver {
                    kind: w.kind(),
                    description: w.describe(),
                }),
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
        target: r.target.as_ref().map(|t| WireTarget {
            job: &t.job,
            instance: &t.instance,
        }),
        scrape: r.scrape.as_ref().map(|f| WireScrape {
            interval_seconds: f.interval,
            interval_source: &f.interval_source,
            timeout_seconds: f.timeout.as_ref().map(|t| t.0),
            timeout_source: f.timeout.as_ref().map(|t| t.1.as_str()),
            samples_per_scrape: finite(f.samples_per_scrape),
            ingest_per_second: finite(f.ingest()),
            savings_per_second: finite(f.savings()),
            scrape_duration_max_seconds: finite(f.duration_max),
            availability: finite(f.availability),
            restarts: finite(f.restarts),
            memory_max_bytes: finite(f.memory_max),
            samples_post_relabeling: finite(f.samples_post_relabeling),
            series_added: finite(f.series_added),
        }),
        notices: &r.notices,
        trends: r
            .trends
            .iter()
            .map(|t| WireTrend {
                check: &t.check,
                unit: unit_name(t.unit),
                heading: t.heading.as_str(),
                slope_per_hour: finite(t.slope.map(|s| s * 3600.0)),
                r2: finite(t.r2),
                reaches: t.reaches.map(|(value, seconds)| WireReaches {
                    threshold: "critical",
                    value,
                    seconds,
                }),
                summary: t.describe(),
                points: &t.points,
            })
            .collect(),
        cost: r.cost.as_ref().map(cost),
        relabel: r
            .relabel
            .as_ref()
            .map(|p| super::relabel::wire(p, r.cost.as_ref())),
    }
}

/// The reports, each put in its wire form only as it is written: a fleet's output is never
/// held whole beside the reports it comes from.
struct Reports<'a>(&'a [Report]);

impl Serialize for Reports<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(wire))
    }
}

impl Renderer for JsonRenderer<'_> {
    fn render(&self, reports: &[Report], f: Option<&Fleet>) -> String {
        let mut out = Vec::new();
        match self.write_to(reports, f, &mut out) {
            Ok(()) => String::from_utf8(out).unwrap_or_default(),
            Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
        }
    }

    fn write_to(
        &self,
        reports: &[Report],
        f: Option<&Fleet>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let output = Output {
            schema_version: SCHEMA_VERSION,
            reports: Reports(reports),
            fleet: f.map(fleet),
            usage: self.usage.map(super::usage_json::wire),
        };
        use std::io::Write as _;
        // serde_json writes token by token: buffered, the escaping sees whole blocks.
        let mut w =
            std::io::BufWriter::with_capacity(64 * 1024, crate::escape::json::Escaping::new(out));
        serde_json::to_writer_pretty(&mut w, &output)?;
        w.write_all(b"\n")?;
        w.flush()
    }
}
