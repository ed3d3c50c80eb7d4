//! Stage 6a: results → text. Renderers are pure: they return strings and never print.

mod check;
mod cost;
mod cost_chart;
mod findings;
mod fleet;
mod github;
mod grid;
mod html;
mod json;
mod junit;
mod lint;
mod markdown;
mod relabel;
mod sarif;
mod scale;
mod server_json;
mod svg;
mod table;
mod trend;
mod usage_json;
mod waive;

pub use check::render_check;
pub use fleet::{CostTotal, Fleet, FleetRow, JobTotal, ScrapeFacts, Target};
pub use lint::{
    lint_report, render_extended, render_lint_lines, render_promtool, render_promtool_error,
};
pub use trend::{Heading, Trend};
pub use waive::{apply as waive, baseline_json, parse_baseline, record, Recorded};

pub use crate::detect::rfc3339;
use crate::detect::{count, Pattern, Span, Traffic};
use crate::recommend::Recommendation;
use crate::threshold::{Check, Status};

/// The analysis of one source, as every renderer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Source name (path, `<stdin>` or URL).
    pub source: String,
    /// Format used, and why when it was decided from the content.
    pub format: Option<String>,
    /// Scrape time (seconds since the epoch) and where it came from.
    pub scraped_at: (Option<f64>, String),
    /// Uptime (seconds) and where it came from; a window between two scrapes when `span`
    /// says so.
    pub uptime: (Option<f64>, String),
    /// What `uptime` measures, so what the rates are per second of.
    pub span: Span,
    /// The recognised request family and labels.
    pub traffic: Option<Traffic>,
    /// Usage patterns.
    pub patterns: Vec<Pattern>,
    /// Judged checks.
    pub checks: Vec<Check>,
    /// Recommendations.
    pub recommendations: Vec<Recommendation>,
    /// Parser warnings.
    pub warnings: u64,
    /// Cumulative series that went down between two scrapes.
    pub resets: u64,
    /// Why the source could not be analysed.
    pub error: Option<String>,
    /// The target, when the report is one of a fleet's.
    pub target: Option<Target>,
    /// What scraping the target cost over the range, when a server said.
    pub scrape: Option<ScrapeFacts>,
    /// Things to know about the figures (restarts, outages, the server's own warnings).
    pub notices: Vec<String>,
    /// The key figures over the range, when a server gave one.
    pub trends: Vec<Trend>,
    /// The first line of each retained family in the source, for locations (SARIF, GitHub).
    pub lines: Vec<(String, u64)>,
    /// The latency histogram behind the P95, for charts: family and `(le seconds, cumulative
    /// count)` summed by `le`.
    pub latency: Option<(String, Vec<(f64, f64)>)>,
    /// What the series cost, when worked out.
    pub cost: Option<crate::model::Cost>,
    /// The proposed `metric_relabel_configs` and their evidence, when worked out.
    pub relabel: Option<crate::recommend::relabel::Plan>,
}

impl Report {
    /// What stands under "Recommendations" when there is none: plainly that nothing could
    /// be measured, when nothing could, rather than a clean bill of health.
    pub(crate) fn no_recommendation(&self) -> String {
        let unknown = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Unknown)
            .count();
        if unknown == self.checks.len() {
            "none, because nothing in the threshold table could be measured from this exposition: every check is unknown (see how each figure was measured)".to_string()
        } else if unknown > 0 {
            format!(
                "none: no measured check is past its target ({unknown} of {} checks could not be measured)",
                self.checks.len()
            )
        } else {
            "none: no check is past its target".to_string()
        }
    }

    /// A report for a source that could not be read or parsed.
    pub fn failed(source: String, error: String) -> Report {
        Report {
            source,
            format: None,
            scraped_at: (None, String::new()),
            uptime: (None, String::new()),
            span: Span::Uptime,
            traffic: None,
            patterns: Vec::new(),
            checks: Vec::new(),
            recommendations: Vec::new(),
            warnings: 0,
            resets: 0,
            error: Some(error),
            target: None,
            scrape: None,
            notices: Vec::new(),
            trends: Vec::new(),
            lines: Vec::new(),
            latency: None,
            cost: None,
            relabel: None,
        }
    }

    /// The threshold table's rows: Metric, Current, Target, Warning, Critical, Status.
    pub fn check_rows(&self) -> Vec<[String; 6]> {
        self.checks
            .iter()
            .map(|c| {
                let r = &c.rule;
                let metric = match &c.measurement.subject {
                    Some(s) => format!("{} ({s})", r.title),
                    None => r.title.to_string(),
                };
                let current = c
                    .measurement
                    .value
                    .map(|v| r.unit.format(v))
                    .unwrap_or_else(|| "N/A".into());
                [
                    metric,
                    current,
                    r.show(r.target, true),
                    r.show(r.warning, false),
                    r.show(r.critical, false),
                    match &c.waived {
                        Some(w) => format!("{} ({})", c.status, w.kind()),
                        None => c.status.to_string(),
                    },
                ]
            })
            .collect()
    }

    /// The patterns' rows: Pattern, Requests, Share, Every, Paths.
    pub fn pattern_rows(&self) -> Vec<[String; 5]> {
        self.patterns
            .iter()
            .map(|p| {
                let paths: Vec<String> = p
                    .paths
                    .iter()
                    .take(4)
                    .map(|(path, n)| format!("{path} ({})", count(*n)))
                    .collect();
                [
                    p.id.to_string(),
                    p.requests.map(count).unwrap_or_else(|| "N/A".into()),
                    p.share
                        .map(|s| format!("{:.1}%", s * 100.0))
                        .unwrap_or_else(|| "-".into()),
                    p.interval_seconds
                        .map(|s| format!("{s:.1}s"))
                        .unwrap_or_else(|| "-".into()),
                    paths.join(", "),
                ]
            })
            .collect()
    }

    /// One line per pattern and check saying what was measured and from which series.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.patterns {
            out.push(format!("{}: {}", p.id, p.note));
        }
        for c in self
            .checks
            .iter()
            .filter(|c| !self.patterns.iter().any(|p| p.id == c.measurement.check))
        {
            let subject = c
                .measurement
                .subject
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            out.push(format!(
                "{}{subject}: {}",
                c.measurement.check, c.measurement.note
            ));
            if let Some(w) = &c.waived {
                out.push(format!(
                    "{}{subject} does not count for --fail-on: {}",
                    c.measurement.check,
                    w.describe()
                ));
            }
        }
        out
    }

    /// The header lines: source, format, clock, exporter (only the source when it failed:
    /// the rest would all read "unknown").
    pub fn header(&self) -> Vec<String> {
        let mut out = vec![format!("Source: {}", self.source)];
        if self.error.is_some() {
            return out;
        }
        if let Some(f) = &self.format {
            out.push(format!("Format: {f}"));
        }
        out.push(match self.scraped_at.0 {
            Some(t) => format!("Scraped at: {} ({})", rfc3339(t), self.scraped_at.1),
            None => "Scraped at: unknown".into(),
        });
        let label = match self.span {
            Span::Uptime => "Uptime",
            Span::Window => "Window",
            Span::Range => "Range",
        };
        out.push(match self.uptime.0 {
            Some(u) => format!("{label}: {u:.0}s (from {})", self.uptime.1),
            None => format!("{label}: unknown ({})", self.uptime.1),
        });
        if let Some(t) = &self.traffic {
            let lbl = |l: &Option<String>| l.clone().unwrap_or_else(|| "-".into());
            out.push(format!(
                "Requests: {} (route: {}, status: {}, method: {})",
                t.selector(),
                lbl(&t.route_label),
                lbl(&t.status_label),
                lbl(&t.method_label)
            ));
            if let Some(n) = &t.note {
                out.push(format!("Requests note: {n}"));
            }
        } else {
            out.push("Requests: no request counter recognised".into());
        }
        if let Some(t) = &self.target {
            out.push(format!("Target: job {}, instance {}", t.job, t.instance));
        }
        if let Some(f) = &self.scrape {
            out.push(format!("Scraping: {}", f.describe()));
        }
        for n in &self.notices {
            out.push(format!("Notice: {n}"));
        }
        if self.resets > 0 {
            out.push(format!(
                "Counter resets: {} {}, counted from zero (did the process restart?)",
                self.resets,
                match self.span {
                    Span::Range => "in the range (resets() of the request series)",
                    _ => "between the two scrapes",
                }
            ));
        }
        if self.warnings > 0 {
            out.push(format!(
                "Parser warnings: {} (run promtune check for details)",
                self.warnings
            ));
        }
        out
    }
}

/// An output format for `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// comfy-table tables for a terminal.
    Table,
    /// The same, statuses and impacts in colour.
    TableColor,
    /// The JSON contract of `docs/report.schema.json`.
    Json,
    /// Markdown.
    Markdown,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML: a failure for each check at or above this status (none: never).
    Junit(Option<Status>),
    /// GitHub Actions workflow commands.
    Github,
    /// A self-contained HTML page with charts.
    Html,
}

/// Renders reports in a format.
pub trait Renderer {
    /// The whole output for these reports, and the fleet summary when they are a fleet's.
    fn render(&self, reports: &[Report], fleet: Option<&Fleet>) -> String;

    /// The same output written to `out` as it is made: the formats a large fleet is read in
    /// (JSON, the table) write it piece by piece instead of holding it whole.
    fn write_to(
        &self,
        reports: &[Report],
        fleet: Option<&Fleet>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        out.write_all(self.render(reports, fleet).as_bytes())
    }
}

/// `std::fmt::Write` over an `std::io::Write`, keeping the first I/O error: text renderers
/// write with `writeln!` to a `String` or, through this, straight to the output.
pub(crate) struct FmtWriter<'a> {
    /// Where the text goes.
    pub(crate) out: &'a mut dyn std::io::Write,
    /// The first error, returned once the renderer is done.
    pub(crate) error: Option<std::io::Error>,
}

impl std::fmt::Write for FmtWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

/// The renderer for a format.
pub fn renderer(f: Format) -> Box<dyn Renderer> {
    renderer_with(f, None)
}

/// The renderer for a format, given what `--usage` read: JSON shows it as its top-level
/// `usage` (the other formats show it in each rule's evidence, and on stderr).
pub fn renderer_with(
    f: Format,
    usage: Option<&crate::input::usage::Usage>,
) -> Box<dyn Renderer + '_> {
    match f {
        Format::Table => Box::new(table::TableRenderer { color: false }),
        Format::TableColor => Box::new(table::TableRenderer { color: true }),
        Format::Json => Box::new(json::JsonRenderer { usage }),
        Format::Markdown => Box::new(markdown::MarkdownRenderer),
        Format::Sarif => Box::new(sarif::SarifRenderer),
        Format::Junit(fail_at) => Box::new(junit::JunitRenderer { fail_at }),
        Format::Github => Box::new(github::GithubRenderer),
        Format::Html => Box::new(html::HtmlRenderer),
    }
}

/// `promtune thresholds`: the table in force, where it came from.
pub fn render_thresholds(t: &crate::threshold::Thresholds) -> String {
    let mut tbl = comfy_table::Table::new();
    tbl.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(["Check", "Metric", "Target", "Warning", "Critical"]);
    for r in &t.rules {
        tbl.add_row([
            r.check.to_string(),
            r.title.to_string(),
            r.show(r.target, true),
            r.show(r.warning, false),
            r.show(r.critical, false),
        ]);
    }
    let mut out = format!("Profile: {}\n", t.profile);
    if !t.sources.is_empty() {
        out.push_str(&format!("Overridden by: {}\n", t.sources.join(", ")));
    }
    out.push_str(&tbl.to_string());
    out.push('\n');
    out
}
