//! JSON that may be read on a terminal (`--format json`, SARIF, baselines): serde_json
//! escapes C0 controls itself; DEL, the C1 controls (an 8-bit CSI among them) and the line
//! separators it leaves raw are written as `\uXXXX` too, which decodes to the same string.

/// A value written by serde_json as pretty JSON, with every control character escaped.
pub fn pretty<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    if !text.chars().any(super::is_control) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        // Outside strings serde_json writes only '\n' and spaces, which stay.
        if super::is_control(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
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
    fn same_value_no_raw_control() {
        let v = serde_json::json!({"a": "x\u{9b}31m\u{7f}\u{1b}\n"});
        let text = pretty(&v);
        assert!(
            !text.contains('\u{9b}') && !text.contains('\u{7f}'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
