//! The cursor over one line: names, quoted strings, label sets and exemplars.

use std::borrow::Cow;

use super::super::hash;
use super::super::number::{parse_om_timestamp, parse_value};
use super::words::{find_either, NameMemo};
use super::{Exemplar, Label, LexError, LexResult};

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
}

impl<'a> Cursor<'a> {
    pub(super) fn new(s: &'a str, om: bool) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            pos: 0,
            om,
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

    /// The common case, `name="value"` then `,` or `}` with no blank, no escape, no quoted
    /// name: consumed in one tight pass. `Some(true)` after `}`, `Some(false)` after `,`;
    /// `None` (cursor unmoved) hands anything else to the general path. `seen` holds a bit
    /// per label name already pushed (see [`name_bit`]), so that the usual label set, whose
    /// names differ, is checked for duplicates without comparing names.
    #[inline]
    pub(super) fn simple_label(
        &mut self,
        out: &mut Vec<Label<'a>>,
        seen: &mut u64,
        memo: &mut NameMemo,
    ) -> Option<bool> {
        let b = self.b;
        let start = self.pos;
        let eq = match memo.known(out.len(), b, start) {
            Some(eq) => eq,
            None => {
                let first = *b.get(start)?;
                if NAME_CHARS[first as usize] & LABEL_CHAR == 0 || first.is_ascii_digit() {
                    return None;
                }
                let mut eq = start + 1;
                // An index loop: `position` kept five counters in registers here.
                while eq < b.len() && NAME_CHARS[b[eq] as usize] & LABEL_CHAR != 0 {
                    eq += 1;
                }
                if b.get(eq..eq + 2)? != b"=\"" {
                    return None;
                }
                memo.learn(out.len(), b, start, eq);
                eq
            }
        };
        let vstart = eq + 2;
        let vend = find_either(b, vstart, b'"', b'\\')?;
        if b[vend] != b'"' {
            return None;
        }
        let done = match b.get(vend + 1) {
            Some(b',') => false,
            Some(b'}') => true,
            _ => return None,
        };
        let lname = ascii_bounded(self.s, start, eq);
        let bit = name_bit(lname);
        if lname == "__name__"
            || (*seen & bit != 0
                && out
                    .iter()
                    .any(|l| l.name.len() == lname.len() && l.name == lname))
        {
            return None;
        }
        *seen |= bit;
        out.push(Label {
            name: Cow::Borrowed(lname),
            value: Cow::Borrowed(ascii_bounded(self.s, vstart, vend)),
            pos: start,
            hash: hash::bytes(&b[start..=vend]),
        });
        self.pos = vend + 2;
        Some(done)
    }

    /// A label set after its `{`, up to and including `}`.
    pub(super) fn labels(
        &mut self,
        out: &mut Vec<Label<'a>>,
        name: &mut Option<Cow<'a, str>>,
        memo: &mut NameMemo,
    ) -> LexResult<()> {
        let mut after_comma = false;
        let mut seen = 0;
        loop {
            if let Some(done) = self.simple_label(out, &mut seen, memo) {
                if done {
                    return Ok(());
                }
                after_comma = true;
                continue;
            }
            self.blanks();
            if self.peek() == Some(b'}') {
                if after_comma && self.om {
                    return self
                        .err("a trailing comma in a label set is not allowed in OpenMetrics");
                }
                self.pos += 1;
                return Ok(());
            }
            let pos = self.pos;
            let lname = if self.eat(b'"') {
                let q = self.quoted()?;
                self.blanks();
                if self.peek() != Some(b'=') {
                    if name.is_some() || !out.is_empty() {
                        self.pos = pos;
                        return self.err("a quoted metric name must be the first item in braces");
                    }
                    *name = Some(q);
                    self.blanks();
                    if self.eat(b',') {
                        after_comma = true;
                        continue;
                    }
                    self.expect(b'}', "',' or '}' after the metric name")?;
                    return Ok(());
                }
                q
            } else {
                self.name(false)?
            };
            self.blanks();
            self.expect(b'=', "'=' after the label name")?;
            self.blanks();
            self.expect(b'"', "'\"' to start the label value")?;
            let value = self.quoted()?;
            if lname == "__name__" {
                return Err(LexError {
                    pos,
                    msg: "label name \"__name__\" is reserved".into(),
                });
            }
            if out.iter().any(|l| l.name == lname) {
                return Err(LexError {
                    pos,
                    msg: format!("duplicate label name {lname:?}"),
                });
            }
            let hash = hash::pair(lname.as_bytes(), value.as_bytes());
            seen |= name_bit(&lname);
            out.push(Label {
                name: lname,
                value,
                pos,
                hash,
            });
            self.blanks();
            if self.eat(b',') {
                after_comma = true;
                continue;
            }
            self.expect(b'}', "',' or '}' after the label value")?;
            return Ok(());
        }
    }

    /// ` # {labels} value [timestamp]` after a sample (OpenMetrics only); cursor at `#`.
    pub(super) fn exemplar(&mut self) -> LexResult<Exemplar> {
        let pos = self.pos;
        self.expect(b'#', "'#'")?;
        self.expect(b' ', "a space after '#' of the exemplar")?;
        self.expect(b'{', "'{' to start the exemplar's labels")?;
        let mut labels = Vec::new();
        let mut name = None;
        self.labels(&mut labels, &mut name, &mut NameMemo::default())?;
        if name.is_some() {
            return Err(LexError {
                pos,
                msg: "an exemplar cannot carry a metric name".into(),
            });
        }
        let chars: usize = labels
            .iter()
            .map(|l| l.name.chars().count() + l.value.chars().count())
            .sum();
        if chars > EXEMPLAR_MAX_CHARS {
            return Err(LexError {
                pos,
                msg: format!("exemplar labels are {chars} characters long; the limit is {EXEMPLAR_MAX_CHARS}"),
            });
        }
        self.sep("a space before the exemplar value")?;
        let vpos = self.pos;
        let tok = self.token();
        if parse_value(tok).is_none() {
            self.pos = vpos;
            return self.err(format!("invalid exemplar value {tok:?}"));
        }
        if !self.at_end() {
            self.sep("a space before the exemplar timestamp")?;
            let tpos = self.pos;
            let tok = self.token();
            if parse_om_timestamp(tok).is_none() {
                self.pos = tpos;
                return self.err(format!("invalid exemplar timestamp {tok:?}"));
            }
            if !self.at_end() {
                return self.err(format!("unexpected {} after the exemplar", self.found()));
            }
        }
        Ok(Exemplar { pos })
    }
}

/// `s[from..to]` where the caller has just matched ASCII delimiters at or next to both ends
/// (`{` or `,` before a label name, `=` after it, the value's quotes), so both are char
/// boundaries. Safe slicing checks that again at each end, 4% of the parser's instructions.
#[inline(always)]
fn ascii_bounded(s: &str, from: usize, to: usize) -> &str {
    debug_assert!(from <= to && s.is_char_boundary(from) && s.is_char_boundary(to));
    // SAFETY: `from <= to <= s.len()`, both on char boundaries (see above; the callers in
    // `simple_label` hold byte positions they have just compared to ASCII delimiters).
    unsafe { s.get_unchecked(from..to) }
}

/// One of 64 bits for a label name, from its length and its first and last bytes: names in
/// one label set rarely share all three, so equal bits are what call for a real comparison.
#[inline]
fn name_bit(name: &str) -> u64 {
    let b = name.as_bytes();
    let (first, last) = (b.first().copied(), b.last().copied());
    let mix = b.len() + 3 * usize::from(first.unwrap_or(0)) + usize::from(last.unwrap_or(0));
    1 << (mix % 64)
}
