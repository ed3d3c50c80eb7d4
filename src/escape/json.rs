//! JSON that may be read on a terminal (`--format json`, SARIF, baselines): serde_json
//! escapes C0 controls itself; DEL, the C1 controls (an 8-bit CSI among them) and the line
//! separators it leaves raw are written as `\uXXXX` too, which decodes to the same string.

use std::io::Write;

/// A value written by serde_json as pretty JSON, with every control character escaped.
pub fn pretty<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::new();
    let mut w = Escaping::new(&mut out);
    if serde_json::to_writer_pretty(&mut w, v).is_err() || w.flush().is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A control character serde_json leaves raw: C0 controls inside strings it escapes itself,
/// and the newlines between tokens stay.
fn raw(c: char) -> bool {
    super::is_control(c) && !c.is_ascii_whitespace()
}

/// A writer for serde_json's output that writes DEL, the C1 controls and the Unicode
/// separators and bidi overrides as `\uXXXX`, as JSON is streamed (a character split between
/// two writes is held until it is whole). Outside strings serde_json writes only ASCII, so
/// every such character is inside a string, where the escape decodes to the same text.
pub struct Escaping<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Escaping<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Escaping {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // No byte that starts DEL (0x7f), a C1 control (0xc2 0x80-0x9f) or a separator or
        // bidi control (0xe2 …), and nothing held: written as it is, with no copy.
        if self.pending.is_empty() && !buf.iter().any(|b| matches!(b, 0x7f | 0xc2 | 0xe2)) {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // An incomplete character at the end waits for the next write.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..whole]).into_owned();
        self.pending.drain(..whole);
        if !text.chars().any(raw) {
            self.inner.write_all(text.as_bytes())?;
            return Ok(buf.len());
        }
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            if raw(c) {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push(c);
            }
        }
        self.inner.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.inner.write_all(&rest)?;
        self.inner.flush()
    }
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
        // A character split across two writes is written whole, escaped.
        let mut out = Vec::new();
        let mut w = Escaping::new(&mut out);
        let bytes = "\"a\u{9b}\"".as_bytes();
        w.write_all(&bytes[..3]).unwrap();
        w.write_all(&bytes[3..]).unwrap();
        w.flush().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\\u009b\"");
    }
}
