//! Python source (`cache-optimization.py`): data only as string literals.

/// `s` as a Python string literal. JSON's escaping is valid Python (`\"`, `\\`, `\n`,
/// `\u001b`), and the line and paragraph separators are escaped too, though Python reads them
/// inside a string.
pub fn string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(string("a\"\n\\"), r#""a\"\n\\""#);
    }
}
