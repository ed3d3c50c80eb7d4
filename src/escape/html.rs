//! HTML and SVG text and attribute values: the five markup characters as entities, and
//! control characters (which HTML cannot hold) shown as `\x1b`.

use super::{is_control, visible};

/// `s` as HTML text or a double- or single-quoted attribute value.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
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
    fn markup_and_controls() {
        assert_eq!(
            text("<img src=x onerror='a'>\x1b"),
            "&lt;img src=x onerror=&#39;a&#39;&gt;\\x1b"
        );
    }
}
