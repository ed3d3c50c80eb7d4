//! Plain-text tables with comfy-table's `UTF8_FULL_CONDENSED` look, laid out in one pass over
//! the rows to measure and one to write: a fleet's summary has a row per target, and
//! comfy-table's layout of 100,000 rows cost seconds of CPU and about 150 MiB.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

/// `head` and `rows` as a table, lines joined by `\n` with none at the end. Cells must be one
/// line each (the renderers pass them through `escape::terminal::printable`).
pub(crate) fn grid<const N: usize>(head: [&str; N], rows: &[[String; N]]) -> String {
    let mut width = head.map(UnicodeWidthStr::width);
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let rule = |left: &str, fill: &str, mid: &str, right: &str| {
        let parts: Vec<String> = width.iter().map(|w| fill.repeat(w + 2)).collect();
        format!("{left}{}{right}", parts.join(mid))
    };
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        out.push('│');
        for (i, (c, w)) in cells.zip(width).enumerate() {
            if i > 0 {
                out.push('┆');
            }
            let _ = write!(out, " {c}{} ", " ".repeat(w - c.width()));
        }
        out.push('│');
    };
    let mut out = String::with_capacity((rows.len() + 4) * (width.iter().sum::<usize>() + 4 * N));
    out.push_str(&rule("┌", "─", "┬", "┐"));
    out.push('\n');
    line(&mut out, &mut head.iter().copied());
    out.push('\n');
    out.push_str(&rule("╞", "═", "╪", "╡"));
    for r in rows {
        out.push('\n');
        line(&mut out, &mut r.iter().map(String::as_str));
    }
    out.push('\n');
    out.push_str(&rule("└", "─", "┴", "┘"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comfy<const N: usize>(head: [&str; N], rows: &[[String; N]]) -> String {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_header(head);
        for r in rows {
            t.add_row(r.iter());
        }
        t.to_string()
    }

    #[test]
    fn looks_as_comfy_table_does() {
        let s = |v: &str| v.to_string();
        let cases: Vec<Vec<[String; 3]>> = vec![
            vec![],
            vec![[s("a"), s(""), s("ü wide 界")]],
            vec![
                [s("metrics_scrapes"), s("100"), s("/metrics (100)")],
                [s(""), s("-"), s(r"/x\x1b]52 (3)")],
            ],
        ];
        for rows in cases {
            assert_eq!(
                grid(["Pattern", "N", "Paths"], &rows),
                comfy(["Pattern", "N", "Paths"], &rows)
            );
        }
    }
}
