//! Markdown (`--format markdown`, `recommendations.md`): data as literal text. CommonMark's
//! active characters are backslash-escaped and control characters shown as `\n`/`\x1b`, so a
//! value cannot start a line, break a table, open a link or an image, or add raw HTML.

use super::{is_control, visible};

/// `s` as inline text that renders as `s`, safe in a table cell and on a list line. Only what
/// can act is escaped, so names stay readable: `_` where it could open or close emphasis (an
/// intraword `_` cannot), `<` before what could start a tag or an autolink, `&` before what
/// could be an entity; `\`, `` ` ``, `*`, `[`, `]`, `|` and `~` always.
pub fn text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let active = match c {
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' => true,
            '_' => !(word(prev) && word(next)),
            '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            _ => false,
        };
        if active {
            out.push('\\');
            out.push(c);
        } else if is_control(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_literal() {
        assert_eq!(text("a|b\nc"), "a\\|b\\nc");
        assert_eq!(text("![x](http://h/p)"), "!\\[x\\](http://h/p)");
        assert_eq!(text("<script>"), "\\<script>");
        assert_eq!(
            text("/api/v1 < 5 process_start_time"),
            "/api/v1 < 5 process_start_time"
        );
        assert_eq!(text("_x_ a_ &amp; & b"), "\\_x\\_ a\\_ \\&amp; & b");
    }
}
