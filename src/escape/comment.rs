//! Comments promtune writes around data: `#` lines in YAML and Python, and the HTML comment
//! that opens `recommendations.md`. Data in them must not end the comment and start code.

use super::{is_control, visible};

/// Text for the rest of a `#` comment line (YAML, Python): newlines and every other control
/// character escaped, so the comment cannot end early and the next line stays ours.
pub fn line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_control(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text inside `<!-- … -->`: one line, and no `--`, so nothing in it closes the comment.
pub fn html(s: &str) -> String {
    let mut out = line(s);
    while out.contains("--") {
        out = out.replace("--", "- -");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_stay_comments() {
        assert_eq!(line("a\nscrape_configs: []"), "a\\nscrape_configs: []");
        assert_eq!(html("x --> <script>"), "x - -> <script>");
        assert_eq!(html("---->"), "- - - ->");
    }
}
