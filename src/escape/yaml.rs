//! YAML that promtune writes as text (a line edit, a key in a hand-laid file). Documents built
//! as values are written by serde_yaml, which quotes what needs it; a scalar placed on one
//! line by hand goes through [`inline`].

/// `s` as a one-line YAML scalar: plain when it is a simple word (`api_cache`, `30s`),
/// otherwise double-quoted with JSON's escapes, which YAML's double-quoted style reads the
/// same, so no value can start a new key, a block scalar, an anchor or a comment.
pub fn inline(s: &str) -> String {
    let simple = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && serde_yaml::from_str::<serde_yaml::Value>(s).is_ok_and(|v| v.is_string());
    if simple {
        s.to_string()
    } else {
        super::json_string(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_scalars() {
        assert_eq!(inline("api_cache"), "api_cache");
        assert_eq!(inline("true"), "\"true\"");
        assert_eq!(inline("1.5"), "\"1.5\"");
        assert_eq!(inline("a: b\n- c"), "\"a: b\\n- c\"");
        assert_eq!(inline("*x"), "\"*x\"");
        let back: String = serde_yaml::from_str(&inline("q\"\\ \u{1b}#")).unwrap();
        assert_eq!(back, "q\"\\ \u{1b}#");
    }
}
