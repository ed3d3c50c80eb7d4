//! Python source (`cache-optimization.py`): data only as string literals.

/// `s` as a Python string literal. JSON's escaping is valid Python (`\"`, `\\`, `\n`,
/// `\u001b`), and the line and paragraph separators are escaped too, though Python reads them
/// inside a string.
pub fn string(s: &str) -> String {
    super::json_string(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(string("a\"\n\\"), r#""a\"\n\\""#);
    }
}
