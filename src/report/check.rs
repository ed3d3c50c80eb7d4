//! The summary `promtune check` prints for a valid source.

use std::fmt::Write as _;

use crate::parse::Parsed;
use crate::plural;

/// How many of the largest families the summary lists.
const TOP: usize = 10;

/// Renders the summary of a valid source named `name`.
pub fn render_check(name: &str, parsed: &Parsed) -> String {
    let st = &parsed.snapshot.stats;
    let mut out = String::new();
    let _ = write!(out, "{name}: valid {}", parsed.format);
    if let Some(why) = &parsed.format_reason {
        let _ = write!(out, " (auto: {why})");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "  {}, {}, {}, {}, {}, {}",
        plural::n(st.lines, "line"),
        plural::n(st.bytes, "byte"),
        plural::of(st.families.len() as f64, "family", "families"),
        plural::of(st.series() as f64, "series", "series"),
        plural::n(st.samples(), "sample"),
        plural::n(parsed.warnings_total, "warning")
    );
    let _ = writeln!(
        out,
        "  {:<15} {:>9} {:>9} {:>9}",
        "type", "families", "series", "samples"
    );
    for (t, f, s, n) in st.by_type() {
        let _ = writeln!(out, "  {:<15} {f:>9} {s:>9} {n:>9}", t.as_str());
    }
    let top = st.top_by_series(TOP);
    if !top.is_empty() {
        // Capped: a longer name just overflows its column (and a width past 65,535 would
        // make the formatter panic).
        let width = top
            .iter()
            .map(|f| f.name.len())
            .max()
            .unwrap_or(0)
            .clamp(6, 60);
        let _ = writeln!(
            out,
            "  top {} by series:",
            plural::of(top.len() as f64, "family", "families")
        );
        for f in top {
            let _ = writeln!(out, "    {:<width$} {:>9}  {}", f.name, f.series, f.mtype);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_bytes, ParseOptions};

    #[test]
    fn summary_counts_types_and_ranks_families() {
        let text = "# TYPE a counter\na{x=\"1\"} 1\na{x=\"2\"} 2\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\nb 1\n";
        let parsed = parse_bytes(text.as_bytes(), &ParseOptions::default()).unwrap();
        let out = render_check("x.prom", &parsed);
        assert!(
            out.starts_with("x.prom: valid prometheus text 0.0.4"),
            "{out}"
        );
        assert!(
            out.contains("8 lines, 102 bytes, 3 families, 4 series, 6 samples, 0 warnings"),
            "{out}"
        );
        assert!(
            out.contains("  counter                 1         2         2\n"),
            "{out}"
        );
        assert!(
            out.contains("  histogram               1         1         3\n"),
            "{out}"
        );
        let a = out.find("    a ").unwrap();
        let b = out.find("    b ").unwrap();
        assert!(a < b, "a has more series than b: {out}");
    }
}
