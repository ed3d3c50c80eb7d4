//! The Markdown format: the same content as the table format, as pipe tables.

use std::fmt::Write as _;

use super::{Fleet, Renderer, Report};
use crate::escape::markdown;

/// Renders Markdown.
pub(crate) struct MarkdownRenderer;

/// Every piece of data in the Markdown goes through this one function.
fn cell(s: &str) -> String {
    markdown::text(s)
}

fn table<const N: usize>(out: &mut String, head: [&str; N], rows: Vec<[String; N]>) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(N));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

impl Renderer for MarkdownRenderer {
    fn render(&self, reports: &[Report], fleet: Option<&Fleet>) -> String {
        let mut out = String::new();
        for r in reports {
            let _ = writeln!(out, "# promtune report: {}\n", cell(&r.source));
            for line in r.header().iter().skip(1) {
                let _ = writeln!(out, "- {}", cell(line));
            }
            if let Some(e) = &r.error {
                let _ = writeln!(out, "\n**Error:** {}\n", cell(e));
                continue;
            }
            let _ = writeln!(out, "\n## Usage patterns\n");
            table(
                &mut out,
                ["Pattern", "Requests", "Share", "Every", "Paths"],
                r.pattern_rows(),
            );
            let _ = writeln!(out, "\n## Thresholds\n");
            table(
                &mut out,
                [
                    "Metric", "Current", "Target", "Warning", "Critical", "Status",
                ],
                r.check_rows(),
            );
            let _ = writeln!(out, "\n## Recommendations\n");
            if r.recommendations.is_empty() {
                let mut line = r.no_recommendation();
                line[..1].make_ascii_uppercase();
                let _ = writeln!(out, "{}.", cell(&line));
            }
            for (n, rec) in r.recommendations.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{}. **{}**: {}  ",
                    n + 1,
                    rec.impact,
                    cell(&rec.action)
                );
                let _ = writeln!(out, "   Expected: {}.  ", cell(&rec.expected));
                let _ = writeln!(out, "   Evidence: {}.", cell(&rec.evidence));
            }
            if let Some(c) = &r.cost {
                let _ = writeln!(
                    out,
                    "\n## Cardinality\n\n{}.\n",
                    cell(&super::cost::summary(c))
                );
                table(&mut out, super::cost::HEAD, super::cost::family_rows(c));
                if c.suspects().next().is_some() {
                    out.push('\n');
                }
                for line in super::cost::suspect_lines(c) {
                    let _ = writeln!(out, "- Suspect {}", cell(&line));
                }
            }
            if !r.trends.is_empty() {
                let _ = writeln!(out, "\n## Trends over the range\n");
                for t in &r.trends {
                    let _ = writeln!(out, "- {}", cell(&t.describe()));
                }
            }
            let _ = writeln!(out, "\n## How each figure was measured\n");
            for note in r.notes() {
                let _ = writeln!(out, "- {}", cell(&note));
            }
            out.push('\n');
        }
        if let Some(f) = fleet {
            let _ = writeln!(
                out,
                "# Fleet summary\n\n{}, {}, ranked by the ingest the recommended scrape interval saves.\n",
                crate::plural::n(f.rows.len() as u64, "target"),
                f.span()
            );
            table(
                &mut out,
                [
                    "Job", "Instance", "Metrics", "Health", "Worst", "Ingest", "Saves",
                ],
                f.table_rows(),
            );
            out.push('\n');
            table(&mut out, super::fleet::JOB_HEAD, f.job_rows());
            let drops = f.drop_lines();
            if !drops.is_empty() {
                let _ = writeln!(out, "\n## Drop rules per job, most series saved first\n");
                for line in drops {
                    let _ = writeln!(out, "- {}", cell(&line));
                }
            }
            for n in &f.notices {
                let _ = writeln!(out, "\n**Server warning:** {}", cell(n));
            }
        }
        out
    }
}
