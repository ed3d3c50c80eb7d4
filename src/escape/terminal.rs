//! Text bound for a terminal (the table format, `check`'s output, messages on stderr): every
//! control character from the data is shown escaped (`\x1b`), never emitted, so a label value
//! cannot move the cursor, rewrite a line, ring the bell or write the clipboard (OSC 52).

use std::borrow::Cow;

use super::{is_control, visible};

/// One piece of data, made printable: every control character escaped, newlines too, so a
/// value stays on its line.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape_except(s, None)
}

/// Text of several lines that holds data (a rendered table, a message): every control
/// character but the newline escaped.
pub fn lines(s: &str) -> Cow<'_, str> {
    escape_except(s, Some('\n'))
}

fn escape_except(s: &str, keep: Option<char>) -> Cow<'_, str> {
    if !s.chars().any(|c| is_control(c) && Some(c) != keep) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) && Some(c) != keep {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_control() {
        assert_eq!(printable("a\x1b[2Jb\x07\r\n"), "a\\x1b[2Jb\\x07\\r\\n");
        assert_eq!(printable("\x1b]52;c;aGk=\x07"), "\\x1b]52;c;aGk=\\x07");
        assert_eq!(printable("\u{9b}31m"), "\\x9b31m");
        assert_eq!(printable("\u{202e}txt"), "\\u{202e}txt");
        assert_eq!(lines("a\nb\x1bc"), "a\nb\\x1bc");
        assert!(matches!(printable("plain /api/v1 ü"), Cow::Borrowed(_)));
    }
}
