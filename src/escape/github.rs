//! GitHub Actions workflow commands: values escaped as GitHub's toolkit escapes them
//! (`escapeData`, `escapeProperty`), so no value can end a command and start another, and
//! other control characters shown as `\x1b`, since the log is shown as a terminal.

use super::{is_control, visible};

/// A command's message.
pub fn data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_control(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// A command's property value (`file=`, `title=`).
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_command_per_line() {
        assert_eq!(data("a\n::error::x\x1b"), "a%0A::error::x\\x1b");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
