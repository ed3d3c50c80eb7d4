//! The terminal format: the guide's threshold table, the patterns, then recommendations.

use super::grid::grid;
use super::{Fleet, Renderer, Report};
use crate::escape::terminal::printable;

/// Renders the tables; `color` paints statuses and impacts (a terminal that wants it).
pub(crate) struct TableRenderer {
    /// Whether to colour.
    pub color: bool,
}

/// The ANSI colour of a status word (SGR codes, written by hand so that the choice is
/// `--color`'s alone).
fn paint(word: &str) -> Option<&'static str> {
    Some(match word.split(' ').next().unwrap_or(word) {
        "ok" => "32",
        "off_target" => "93",
        "warning" => "33",
        "critical" => "31",
        "unknown" => "90",
        _ => return None,
    })
}

fn table<const N: usize>(
    head: [&str; N],
    rows: Vec<[String; N]>,
    color_col: Option<usize>,
) -> String {
    let rows: Vec<[String; N]> = rows
        .into_iter()
        .map(|r| r.map(|c| printable(&c).into_owned()))
        .collect();
    let text = grid(head, &rows);
    if color_col.is_none() {
        return text;
    }
    // The status is the last column: its word is painted where it stands, so the widths
    // measured stay right.
    text.lines()
        .map(|line| {
            let Some(cut) = line.rfind('┆') else {
                return line.to_string();
            };
            let (head, cell) = line.split_at(cut + '┆'.len_utf8());
            let word = cell.trim().trim_end_matches('│').trim();
            match paint(word).filter(|_| !word.is_empty()) {
                Some(code) => format!(
                    "{head}{}",
                    cell.replacen(word, &format!("\x1b[{code}m{word}\x1b[0m"), 1)
                ),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An impact tag, coloured when asked.
fn tag(word: &str, color: bool) -> String {
    const CODES: [(&str, &str); 3] = [("HIGH", "33"), ("MEDIUM", "93"), ("LOW", "90")];
    match CODES.iter().find(|(w, _)| *w == word).filter(|_| color) {
        Some((_, code)) => format!("\x1b[{code}m[{word}]\x1b[0m"),
        None => format!("[{word}]"),
    }
}

impl Renderer for TableRenderer {
    fn render(&self, reports: &[Report], fleet: Option<&Fleet>) -> String {
        let mut out = String::new();
        self.write(&mut out, reports, fleet);
        out
    }

    fn write_to(
        &self,
        reports: &[Report],
        fleet: Option<&Fleet>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let mut w = super::FmtWriter { out, error: None };
        self.write(&mut w, reports, fleet);
        w.error.map_or(Ok(()), Err)
    }
}

impl TableRenderer {
    /// Writes the tables to `out`, a `String` or the output itself.
    fn write(&self, out: &mut dyn std::fmt::Write, reports: &[Report], fleet: Option<&Fleet>) {
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                let _ = writeln!(out);
            }
            for line in r.header() {
                let _ = writeln!(out, "{}", printable(&line));
            }
            if let Some(e) = &r.error {
                let _ = writeln!(out, "Error: {}", printable(e));
                continue;
            }
            let _ = writeln!(out, "\nUsage patterns");
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Pattern", "Requests", "Share", "Every", "Paths"],
                    r.pattern_rows(),
                    None
                )
            );
            let _ = writeln!(out, "\nThresholds");
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Metric", "Current", "Target", "Warning", "Critical", "Status"],
                    r.check_rows(),
                    self.color.then_some(5)
                )
            );
            let _ = writeln!(out, "\nRecommendations");
            if r.recommendations.is_empty() {
                let _ = writeln!(out, "  {}", printable(&r.no_recommendation()));
            }
            for (n, rec) in r.recommendations.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{:>3}. {} {}",
                    n + 1,
                    tag(&rec.impact.to_string(), self.color),
                    printable(&rec.action)
                );
                let _ = writeln!(out, "     expected: {}", printable(&rec.expected));
                let _ = writeln!(out, "     evidence: {}", printable(&rec.evidence));
            }
            if let Some(c) = &r.cost {
                let _ = writeln!(
                    out,
                    "\nCardinality: {}",
                    printable(&super::cost::summary(c))
                );
                let _ = writeln!(
                    out,
                    "{}",
                    table(super::cost::HEAD, super::cost::family_rows(c), None)
                );
                for line in super::cost::suspect_lines(c) {
                    let _ = writeln!(out, "  - suspect {}", printable(&line));
                }
            }
            if !r.trends.is_empty() {
                let _ = writeln!(out, "\nTrends over the range");
                for t in &r.trends {
                    let _ = writeln!(out, "  - {}", printable(&t.describe()));
                }
            }
            let _ = writeln!(out, "\nHow each figure was measured");
            for note in r.notes() {
                let _ = writeln!(out, "  - {}", printable(&note));
            }
        }
        if let Some(f) = fleet {
            let _ = writeln!(
                out,
                "\nFleet: {}, {}, ranked by the ingest the recommended scrape interval saves",
                crate::plural::n(f.rows.len() as u64, "target"),
                f.span()
            );
            let _ = writeln!(
                out,
                "{}",
                table(
                    ["Job", "Instance", "Metrics", "Health", "Worst", "Ingest", "Saves"],
                    f.table_rows(),
                    None
                )
            );
            let _ = writeln!(out, "{}", table(super::fleet::JOB_HEAD, f.job_rows(), None));
            let drops = f.drop_lines();
            if !drops.is_empty() {
                let _ = writeln!(out, "Drop rules per job, most series saved first");
                for line in drops {
                    let _ = writeln!(out, "  - {}", printable(&line));
                }
            }
            for n in &f.notices {
                let _ = writeln!(out, "Server warning: {}", printable(n));
            }
        }
    }
}
