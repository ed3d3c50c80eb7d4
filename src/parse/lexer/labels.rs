//! Label sets: the tight path for `name="value"` pairs and the general one (blanks, escapes,
//! quoted names), and OpenMetrics exemplars, which carry a label set of their own.

use std::borrow::Cow;

use super::super::hash;
use super::super::number::{parse_om_timestamp, parse_value};
use super::cursor::{Cursor, EXEMPLAR_MAX_CHARS, LABEL_CHAR, NAME_CHARS};
use super::words::{find_either, NameMemo};
use super::{Exemplar, Label, LexError, LexResult};

impl<'a> Cursor<'a> {
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
        if lname == "__name__" || (*seen & bit != 0 && self.seen_before(out, lname)) {
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

    /// Whether `name` is among the label names in `out` already. A short set is scanned; a
    /// wide one (thousands of labels on a line) is indexed by name hash, kept up to date as
    /// the set grows, so the whole line stays linear.
    #[cold]
    fn seen_before(&mut self, out: &[Label<'a>], name: &str) -> bool {
        const SCAN: usize = 32;
        if out.len() < SCAN {
            return out.iter().any(|l| l.name == name);
        }
        let first = out[0].pos;
        let (_, done, index) = match &mut self.wide {
            Some(w) if w.0 == first && w.1 <= out.len() => w,
            slot => slot.insert((first, 0, std::collections::HashSet::new())),
        };
        // Only the names pushed since the last look are added.
        index.extend(out[*done..].iter().map(|l| hash::bytes(l.name.as_bytes())));
        *done = out.len();
        // Equal hashes are confirmed by comparing names.
        index.contains(&hash::bytes(name.as_bytes())) && out.iter().any(|l| l.name == name)
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
            if self.seen_before(out, &lname) {
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
/// boundaries. Safe slicing checks that again at each end: 4.4% of the parser's instructions.
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
