//! `#` lines: `HELP`, `TYPE`, `UNIT` and `EOF`, and (text format only) free comments.

use std::borrow::Cow;

use crate::model::MetricType;

use super::cursor::Cursor;
use super::{Comment, LexResult};

/// Lexes a line that starts with `#` (after any leading blanks in the text format).
pub(crate) fn comment(line: &str, om: bool) -> LexResult<Comment<'_>> {
    let mut c = Cursor::new(line, om);
    c.blanks();
    c.expect(b'#', "'#'")?;
    if om {
        if line == "# EOF" {
            return Ok(Comment::Eof);
        }
        if !line.starts_with("# ") {
            return c.err("comments are not allowed in OpenMetrics: expected '# HELP', '# TYPE', '# UNIT' or '# EOF'");
        }
        c.pos += 1;
    } else {
        // Go's text parser also skips tabs here.
        while matches!(c.peek(), Some(b' ' | b'\t')) {
            c.pos += 1;
        }
    }
    let kw_pos = c.pos;
    let kw = c.token();
    match kw {
        "HELP" | "TYPE" => {}
        "UNIT" if om => {}
        "EOF" if !om && c.s[c.pos..].trim().is_empty() => return Ok(Comment::Eof),
        _ if om => {
            c.pos = kw_pos;
            return c.err(format!(
                "unknown metadata {kw:?}: expected HELP, TYPE, UNIT or EOF"
            ));
        }
        _ => return Ok(Comment::Other),
    }
    // Go's text parser treats `# HELP`, `# TYPE x` and the like, with nothing after the
    // keyword or the name, as plain comments.
    if !om {
        c.blanks();
        if c.at_end() {
            return Ok(Comment::Other);
        }
    } else {
        c.sep(&format!("a metric name after {kw}"))?;
    }
    let name = c.name(true)?;
    if !om && c.at_end() {
        return Ok(Comment::Other);
    }
    if !om && !matches!(c.peek(), Some(b' ' | b'\t')) {
        return c.err(format!(
            "invalid metric name in {kw} line: unexpected {}",
            c.found()
        ));
    }
    match kw {
        "HELP" => {
            let bare = om && c.at_end();
            if om && !bare {
                c.expect(b' ', "a space and the help text after the metric name")?;
            }
            c.blanks();
            Ok(Comment::Help {
                name,
                text: unescape_help(&c.s[c.pos..]),
                bare,
            })
        }
        "TYPE" => {
            c.sep("the metric type")?;
            let tpos = c.pos;
            let tok = c.token();
            let mtype = match (tok, om) {
                ("counter", _) => MetricType::Counter,
                ("gauge", _) => MetricType::Gauge,
                ("histogram", _) => MetricType::Histogram,
                ("summary", _) => MetricType::Summary,
                ("untyped", false) => MetricType::Unknown,
                ("unknown", true) => MetricType::Unknown,
                ("gaugehistogram", true) => MetricType::GaugeHistogram,
                ("info", true) => MetricType::Info,
                ("stateset", true) => MetricType::StateSet,
                _ => {
                    c.pos = tpos;
                    let allowed = if om {
                        "counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown"
                    } else {
                        "counter, gauge, histogram, summary or untyped"
                    };
                    return c.err(format!("unknown metric type {tok:?}: expected {allowed}"));
                }
            };
            c.blanks();
            if !c.at_end() {
                return c.err(format!("unexpected {} after the metric type", c.found()));
            }
            Ok(Comment::Type { name, mtype })
        }
        _ => {
            c.expect(b' ', "a space and the unit after the metric name")?;
            let unit_pos = c.pos;
            let unit = &c.s[c.pos..];
            if let Some(i) = unit
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b':'))
            {
                c.pos += i;
                return c.err(format!("invalid character {} in unit", c.found()));
            }
            Ok(Comment::Unit {
                name,
                unit,
                unit_pos,
            })
        }
    }
}

/// Decodes `\\`, `\n` and `\"` in HELP text; other escapes stay as written, as Prometheus
/// itself keeps them (promtool and the Go client never reject a scrape for a docstring).
fn unescape_help(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}
