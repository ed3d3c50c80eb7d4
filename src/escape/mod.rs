//! The output boundary: one escaping function per target language. Text that comes from the
//! data (label values, metric names, addresses, server messages) reaches PromQL, Go
//! templates, YAML comments, Markdown, HTML, XML, GitHub workflow commands and terminals only
//! through the function for that output, so no page or server can write code that
//! Prometheus, a browser or a terminal runs.

pub mod comment;
pub mod github;
pub mod html;
pub mod json;
pub mod markdown;
pub mod promql;
pub mod python;
pub mod template;
pub mod terminal;
pub mod xml;
pub mod yaml;

/// `c` written as a visible escape: `\n`, `\r`, `\t`, or `\xNN` / `\u{NNNN}` for any other
/// control character (C0, DEL and C1), so a reader sees it and nothing acts on it.
pub(crate) fn visible(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
    }
}

/// Control characters: C0, DEL, C1 (8-bit CSI and OSC among them), and the Unicode line and
/// paragraph separators and bidirectional overrides, which reorder or break what a reader sees.
pub(crate) fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Markup text (HTML, XML): the five markup characters as entities (`'` as `apos`, which
/// differs by language), controls shown as `\x1b`, the newline kept where `newline` says.
pub(crate) fn markup(s: &str, apos: &str, newline: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apos),
            '\n' if newline => out.push('\n'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c if is_control(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// `s` as a JSON string literal, with the line and paragraph separators escaped too (raw, they
/// end a line for some readers); valid as a Python string and as a YAML double-quoted scalar.
pub(crate) fn json_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
