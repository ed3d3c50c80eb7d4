//! HTML and SVG text and attribute values: the five markup characters as entities, and
//! control characters (which HTML cannot hold) shown as `\x1b`.

/// `s` as HTML text or a double- or single-quoted attribute value.
pub fn text(s: &str) -> String {
    super::markup(s, "&#39;", false)
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
