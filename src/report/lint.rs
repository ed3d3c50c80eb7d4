//! Lint findings as text: promtool's own lines and `--extended` table, the summary's list,
//! and a [`Report`] whose checks are the findings, for analyze's formats (JSON, SARIF,
//! JUnit, GitHub, Markdown), `--baseline` and `ignore:`.

use std::fmt::Write as _;

use super::Report;
use crate::check::{Cardinality, Finding};
use crate::detect::Measurement;
use crate::threshold::{Check, Direction, Rule, Status, Unit};

/// promtool's problem lines, `<metric> <text>`.
pub fn render_promtool(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(out, "{} {}", f.family, f.message);
    }
    out
}

/// promtool's parse error line.
pub fn render_promtool_error(line: u64, message: &str) -> String {
    if line == 0 {
        return format!("error while linting: {message}\n");
    }
    format!("error while linting: text format parsing error in line {line}: {message}\n")
}

/// promtool's `--extended` table, laid out as Go's `tabwriter` (minimum width 4, padding 4,
/// every cell padded, so lines end in blanks).
pub fn render_extended(rows: &[Cardinality], total: u64) -> String {
    let mut cells: Vec<[String; 3]> =
        vec![["Metric".into(), "Cardinality".into(), "Percentage".into()]];
    for r in rows {
        cells.push([
            r.name.clone(),
            r.cardinality.to_string(),
            format!("{:.2}%", r.share * 100.0),
        ]);
    }
    cells.push(["Total".into(), total.to_string(), "100%".into()]);
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count() + 4)
            .max()
            .unwrap_or(0)
            .max(4)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for c in &cells {
        for (text, w) in c.iter().zip(widths) {
            let _ = write!(out, "{text:<w$}");
        }
        out.push('\n');
    }
    out
}

/// The findings under the summary: `  LINE: FAMILY: MESSAGE [id]`, repeats folded.
pub fn render_lint_lines(findings: &[Finding]) -> String {
    let folded = fold(findings);
    let mut out = String::new();
    let _ = writeln!(out, "  lint: {} findings", folded.len());
    for (f, n) in folded {
        let times = if n > 1 {
            format!(" ({n} times)")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "    {}: {}: {}{times} [{}]",
            f.line, f.family, f.message, f.rule
        );
    }
    out
}

/// Findings with repeats (promtool's per-series messages) folded into a count.
fn fold(findings: &[Finding]) -> Vec<(&Finding, u64)> {
    let mut out: Vec<(&Finding, u64)> = Vec::new();
    for f in findings {
        match out.last_mut() {
            Some((last, n)) if *last == f => *n += 1,
            _ => out.push((f, 1)),
        }
    }
    out
}

/// A report of one page whose checks are its lint findings, each a warning.
pub fn lint_report(source: String, format: String, findings: &[Finding]) -> Report {
    let mut r = Report::failed(source, String::new());
    r.error = None;
    r.format = Some(format);
    for (f, n) in fold(findings) {
        r.checks.push(Check {
            measurement: Measurement {
                check: f.rule,
                subject: Some(f.family.clone()),
                value: Some(n as f64),
                note: f.message.clone(),
                query: None,
            },
            rule: Rule {
                check: f.rule,
                title: f.rule,
                unit: Unit::Count,
                direction: Direction::Higher,
                target: None,
                warning: Some(0.0),
                critical: None,
            },
            status: Status::Warning,
            waived: None,
        });
        if !r.lines.iter().any(|(n, _)| *n == f.family) {
            r.lines.push((f.family.clone(), f.line));
        }
    }
    r
}

/// Whether a check is a lint finding, and its sentence if so.
pub(crate) fn lint_sentence(c: &Check) -> Option<String> {
    crate::check::registry()
        .iter()
        .find(|r| r.id() == c.measurement.check)?;
    let subject = c.measurement.subject.as_deref().unwrap_or("");
    let times = match c.measurement.value {
        Some(n) if n > 1.0 => format!(" ({n} times)"),
        _ => String::new(),
    };
    Some(format!("{subject}: {}{times}", c.measurement.note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extended_table_is_laid_out_as_tabwriter_does() {
        let rows = vec![
            Cardinality {
                name: "s_seconds".into(),
                cardinality: 6,
                share: 6.0 / 14.0,
            },
            Cardinality {
                name: "a_total".into(),
                cardinality: 2,
                share: 2.0 / 14.0,
            },
        ];
        assert_eq!(
            render_extended(&rows, 14),
            "Metric       Cardinality    Percentage    \n\
             s_seconds    6              42.86%        \n\
             a_total      2              14.29%        \n\
             Total        14             100%          \n"
        );
    }
}
