//! XML 1.0 text and attribute values (JUnit): the five escapes, and control characters, which
//! XML 1.0 cannot hold, shown as `\x1b` so the document stays well-formed and nothing is lost.

use super::{is_control, visible};

/// `s` as XML character data or an attribute value.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push('\n'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c if is_control(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed() {
        assert_eq!(
            text("a<b>&\"'\x1b\u{FFFE}"),
            "a&lt;b&gt;&amp;&quot;&apos;\\x1b\u{FFFD}"
        );
    }
}
