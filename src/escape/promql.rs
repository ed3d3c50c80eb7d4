//! PromQL: label values as string literals, data as regex literals, and metric names as
//! selectors. Every expression promtune writes (alerts, dashboards, server queries, relabel
//! regexes) takes data only through these, so a job named `x"}[1h]) or vector(1)` stays a
//! string.

use crate::model::{legacy_label_name, legacy_metric_name};

/// A label value as a double-quoted PromQL string literal, quotes included. Backslash, quote
/// and every control character are escaped (`\n`, `\x1b`), as PromQL's Go-style strings read
/// them back.
pub fn string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text that matches itself literally inside an RE2 regex (`a.b` → `a\.b`), before it is
/// quoted with [`string`] for a `=~` matcher or written into a relabel `regex:`.
pub fn regex_literal(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A label name in a matcher: bare when legacy, else quoted (Prometheus 3's UTF-8 names).
pub fn label(n: &str) -> String {
    if legacy_label_name(n) {
        n.to_string()
    } else {
        string(n)
    }
}

/// A selector for metric `name` with `matchers` (already written, comma-separated, or empty):
/// `name{m}` for a classic name, else `{m,__name__="app.hits_total"}`: the `__name__` matcher
/// means the same to Prometheus 3 as its quoted-name form, and servers that store such names
/// but predate that syntax (VictoriaMetrics 1.79) read only this one.
pub fn selector(name: &str, matchers: &str) -> String {
    match (legacy_metric_name(name), matchers.is_empty()) {
        (true, true) => name.to_string(),
        (true, false) => format!("{name}{{{matchers}}}"),
        (false, true) => format!("{{__name__={}}}", string(name)),
        (false, false) => format!("{{{matchers},__name__={}}}", string(name)),
    }
}

/// One matcher `label<op>"value"`, the value quoted by [`string`].
pub fn matcher(label_name: &str, op: &str, value: &str) -> String {
    format!("{}{op}{}", label(label_name), string(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(string("a\"b\\c\nd\x1b"), r#""a\"b\\c\nd\x1b""#);
        assert_eq!(
            matcher("job", "=", "x\"}[1h]) or vector(1) or up{job=\"x"),
            r#"job="x\"}[1h]) or vector(1) or up{job=\"x""#
        );
        assert_eq!(regex_literal("a.b|(c)"), r"a\.b\|\(c\)");
        assert_eq!(selector("up", ""), "up");
        assert_eq!(selector("up", "job=\"a\""), "up{job=\"a\"}");
        assert_eq!(
            selector("app.hits_total", ""),
            r#"{__name__="app.hits_total"}"#
        );
        assert_eq!(selector("a-b", "job=\"a\""), r#"{job="a",__name__="a-b"}"#);
        assert_eq!(label("le"), "le");
        assert_eq!(label("http.route"), "\"http.route\"");
    }
}
