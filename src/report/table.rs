//! The terminal format: the guide's threshold table, the patterns, then recommendations.

use std::fmt::Write as _;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

use super::{Fleet, Renderer, Report};

/// Renders comfy-table tables.
pub(crate) struct TableRenderer;

fn table<const N: usize>(head: [&str; N], rows: Vec<[String; N]>) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(head);
    for r in rows {
        t.add_row(r);
    }
    t.to_string()
}

impl Renderer for TableRenderer {
    fn render(&self, reports: &[Report], fleet: Option<&Fleet>) -> String {
        let mut out = String::new();
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for line in r.header() {
                let _ = writeln!(out, "{line}");
            }
            if let Some(e) = &r.error {
                let _ = writeln!(out, "Error: {e}");
                continue;
            }
            let _ = writeln!(out, "\nUsage patterns");
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Pattern", "Requests", "Share", "Every", "Paths"],
                    r.pattern_rows()
                )
            );
            let _ = writeln!(out, "\nThresholds");
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Metric", "Current", "Target", "Warning", "Critical", "Status"],
                    r.check_rows()
                )
            );
            let _ = writeln!(out, "\nRecommendations");
            if r.recommendations.is_empty() {
                let _ = writeln!(out, "  {}", r.no_recommendation());
            }
            for (n, rec) in r.recommendations.iter().enumerate() {
                let _ = writeln!(out, "{:>3}. [{}] {}", n + 1, rec.impact, rec.action);
                let _ = writeln!(out, "     expected: {}", rec.expected);
                let _ = writeln!(out, "     evidence: {}", rec.evidence);
            }
            if !r.trends.is_empty() {
                let _ = writeln!(out, "\nTrends over the range");
                for t in &r.trends {
                    let _ = writeln!(out, "  - {}", t.describe());
                }
            }
            let _ = writeln!(out, "\nHow each figure was measured");
            for note in r.notes() {
                let _ = writeln!(out, "  - {note}");
            }
        }
        if let Some(f) = fleet {
            let _ = writeln!(
                out,
                "\nFleet: {} targets, {}, ranked by the ingest the recommended scrape interval saves",
                f.rows.len(),
                f.span()
            );
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Job", "Instance", "Metrics", "Health", "Worst", "Ingest", "Saves"],
                    f.table_rows()
                )
            );
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Job", "Targets", "Interval", "Ingest", "Saves"],
                    f.job_rows()
                )
            );
            for n in &f.notices {
                let _ = writeln!(out, "Server warning: {n}");
            }
        }
        out
    }
}
