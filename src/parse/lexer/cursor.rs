//! The cursor over one line: blanks, separators, tokens, names and quoted strings (label
//! sets are in `labels.rs`).

use std::borrow::Cow;

use super::words::find_either;
use super::{LexError, LexResult};

/// Which bytes may continue a name: bit 1 for label names, bit 2 for metric names (`:` too).
/// A table lookup per byte is what keeps name scanning off the top of the profile.
pub(crate) const NAME_CHARS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' {
            t[c] = LABEL_CHAR | METRIC_CHAR;
        } else if b == b':' {
            t[c] = METRIC_CHAR;
        }
        c += 1;
    }
    t
};
pub(super) const LABEL_CHAR: u8 = 1;
pub(crate) const METRIC_CHAR: u8 = 2;

/// OpenMetrics limit on the combined length of an exemplar's label names and values.
pub(super) const EXEMPLAR_MAX_CHARS: usize = 128;

/// A position in one line, with the format's whitespace rules.
pub(super) struct Cursor<'a> {
    pub(super) s: &'a str,
    pub(super) b: &'a [u8],
    pub(super) pos: usize,
    pub(super) om: bool,
    /// The names of a wide label set by hash, with the position of its first label and how
    /// many of its labels are indexed: past a
    /// few dozen labels a scan per label would make one line quadratic.
    pub(super) wide: Option<(usize, usize, std::collections::HashSet<u64>)>,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(s: &'a str, om: bool) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            pos: 0,
            om,
            wide: None,
        }
    }

    #[inline]
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    #[inline]
    pub(super) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn err<T>(&self, msg: impl Into<String>) -> LexResult<T> {
        Err(LexError {
            pos: self.pos,
            msg: msg.into(),
        })
    }

    #[inline]
    pub(super) fn expect(&mut self, c: u8, what: &str) -> LexResult<()> {
        if self.eat(c) {
            Ok(())
        } else {
            self.err(format!("expected {what}, found {}", self.found()))
        }
    }

    /// Describes the byte at the cursor for error messages.
    pub(super) fn found(&self) -> String {
        match self.s[self.pos..].chars().next() {
            None => "end of line".to_string(),
            Some(c) => format!("{c:?}"),
        }
    }

    /// Text format only: skips spaces and tabs.
    #[inline]
    pub(super) fn blanks(&mut self) {
        if !self.om {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
        }
    }

    /// The separator between tokens: exactly one space in OpenMetrics, blanks in text.
    #[inline]
    pub(super) fn sep(&mut self, what: &str) -> LexResult<()> {
        let start = self.pos;
        if self.om {
            self.expect(b' ', what)?;
            if matches!(self.peek(), Some(b' ' | b'\t')) {
                return self
                    .err("more than one space between tokens is not allowed in OpenMetrics");
            }
        } else {
            self.blanks();
            if self.pos == start {
                return self.err(format!("expected {what}, found {}", self.found()));
            }
        }
        Ok(())
    }

    /// A token up to the next separator (a space, or any blank in the text format).
    #[inline]
    pub(super) fn token(&mut self) -> &'a str {
        let start = self.pos;
        let (a, b) = if self.om { (b' ', b' ') } else { (b' ', b'\t') };
        self.pos = find_either(self.b, start, a, b).unwrap_or(self.b.len());
        &self.s[start..self.pos]
    }

    /// An unquoted metric name (`metric`) or label name, or a quoted UTF-8 name.
    #[inline]
    pub(super) fn name(&mut self, metric: bool) -> LexResult<Cow<'a, str>> {
        if self.peek() == Some(b'"') {
            self.pos += 1;
            return self.quoted();
        }
        let start = self.pos;
        let first_ok = |c: u8| c.is_ascii_alphabetic() || c == b'_' || (metric && c == b':');
        match self.peek() {
            Some(c) if first_ok(c) => self.pos += 1,
            _ => {
                let what = if metric {
                    "a metric name"
                } else {
                    "a label name"
                };
                return self.err(format!("expected {what}, found {}", self.found()));
            }
        }
        let class = if metric { METRIC_CHAR } else { LABEL_CHAR };
        let b = self.b;
        let mut end = self.pos;
        while end < b.len() && NAME_CHARS[b[end] as usize] & class != 0 {
            end += 1;
        }
        self.pos = end;
        Ok(Cow::Borrowed(&self.s[start..self.pos]))
    }

    /// The rest of a quoted string, after its opening `"`; decodes escapes.
    #[inline]
    pub(super) fn quoted(&mut self) -> LexResult<Cow<'a, str>> {
        let open = self.pos - 1;
        let start = self.pos;
        let Some(off) = memchr::memchr2(b'"', b'\\', &self.b[start..]) else {
            self.pos = open;
            return self.err("unterminated quoted string");
        };
        if self.b[start + off] == b'"' {
            self.pos = start + off + 1;
            return Ok(Cow::Borrowed(&self.s[start..start + off]));
        }
        let mut out = String::with_capacity(off + 16);
        out.push_str(&self.s[start..start + off]);
        self.pos = start + off;
        loop {
            match self.peek() {
                None => {
                    self.pos = open;
                    return self.err("unterminated quoted string");
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'\\') => out.push('\\'),
                        Some(b'"') => out.push('"'),
                        Some(b'n') => out.push('\n'),
                        None => continue,
                        Some(_) if self.om => {
                            // OpenMetrics parsers keep unknown escapes verbatim (the
                            // `escaping` conformance case expects `b\\a\z` to parse).
                            out.push('\\');
                            continue;
                        }
                        Some(_) => {
                            let c = self.s[self.pos..].chars().next().unwrap_or('?');
                            self.pos = esc;
                            return self.err(format!(
                                "invalid escape sequence '\\{c}' (only \\\\, \\\" and \\n are allowed)"
                            ));
                        }
                    }
                    self.pos += 1;
                }
                Some(_) => {
                    let rest = &self.b[self.pos..];
                    let n = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                    out.push_str(&self.s[self.pos..self.pos + n]);
                    self.pos += n;
                }
            }
        }
    }
}
