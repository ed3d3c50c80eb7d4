//! XML 1.0 text and attribute values (JUnit): the five escapes, and control characters, which
//! XML 1.0 cannot hold, shown as `\x1b` so the document stays well-formed and nothing is lost.

/// `s` as XML character data or an attribute value.
pub fn text(s: &str) -> String {
    super::markup(s, "&apos;", true)
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
