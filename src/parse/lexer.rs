//! Tokenizes one line of exposition text: a sample line or a `#` line.
//!
//! The lexer knows the grammar of both formats and nothing of families: it returns borrowed
//! slices of the line (owned only where an escape had to be decoded) and leaves meaning to
//! `validate`. OpenMetrics is whitespace-exact; the text format allows runs of blanks, as Go's
//! `expfmt.TextParser` does.

use std::borrow::Cow;

use crate::model::MetricType;

use super::number::{parse_om_timestamp, parse_text_timestamp, parse_value};

/// A lexing error at byte offset `pos` of the line.
#[derive(Debug)]
pub(crate) struct LexError {
    pub(crate) pos: usize,
    pub(crate) msg: String,
}

type LexResult<T> = Result<T, LexError>;

/// One `name="value"` pair of a sample's label set.
#[derive(Debug)]
pub(crate) struct Label<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) value: Cow<'a, str>,
    pub(crate) pos: usize,
}

/// An OpenMetrics exemplar attached to a sample (validated, not kept).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exemplar {
    pub(crate) pos: usize,
}

/// A sample line; its labels go into the caller's (recycled) vector.
#[derive(Debug)]
pub(crate) struct SampleLine<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) value: f64,
    pub(crate) value_pos: usize,
    /// Seconds since the epoch (text-format milliseconds are converted).
    pub(crate) timestamp: Option<f64>,
    pub(crate) timestamp_pos: usize,
    pub(crate) exemplar: Option<Exemplar>,
}

/// A line starting with `#`.
#[derive(Debug)]
pub(crate) enum Comment<'a> {
    Help {
        name: Cow<'a, str>,
        text: Cow<'a, str>,
        /// OpenMetrics `# HELP name` with no space after the name (Micrometer writes this).
        bare: bool,
    },
    Type {
        name: Cow<'a, str>,
        mtype: MetricType,
    },
    Unit {
        name: Cow<'a, str>,
        unit: &'a str,
        unit_pos: usize,
    },
    Eof,
    /// A free-form comment (text format only).
    Other,
}

/// Which bytes may continue a name: bit 1 for label names, bit 2 for metric names (`:` too).
/// A table lookup per byte is what keeps name scanning off the top of the profile.
const NAME_CHARS: [u8; 256] = {
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
const LABEL_CHAR: u8 = 1;
const METRIC_CHAR: u8 = 2;

/// OpenMetrics limit on the combined length of an exemplar's label names and values.
const EXEMPLAR_MAX_CHARS: usize = 128;

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    om: bool,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str, om: bool) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            pos: 0,
            om,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> LexResult<T> {
        Err(LexError {
            pos: self.pos,
            msg: msg.into(),
        })
    }

    #[inline]
    fn expect(&mut self, c: u8, what: &str) -> LexResult<()> {
        if self.eat(c) {
            Ok(())
        } else {
            self.err(format!("expected {what}, found {}", self.found()))
        }
    }

    /// Describes the byte at the cursor for error messages.
    fn found(&self) -> String {
        match self.s[self.pos..].chars().next() {
            None => "end of line".to_string(),
            Some(c) => format!("{c:?}"),
        }
    }

    /// Text format only: skips spaces and tabs.
    #[inline]
    fn blanks(&mut self) {
        if !self.om {
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.pos += 1;
            }
        }
    }

    /// The separator between tokens: exactly one space in OpenMetrics, blanks in text.
    #[inline]
    fn sep(&mut self, what: &str) -> LexResult<()> {
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
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == b' ' || (!self.om && c == b'\t') {
                break;
            }
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// An unquoted metric name (`metric`) or label name, or a quoted UTF-8 name.
    #[inline]
    fn name(&mut self, metric: bool) -> LexResult<Cow<'a, str>> {
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
        let rest = &self.b[self.pos..];
        let n = rest
            .iter()
            .position(|&c| NAME_CHARS[c as usize] & class == 0)
            .unwrap_or(rest.len());
        self.pos += n;
        Ok(Cow::Borrowed(&self.s[start..self.pos]))
    }

    /// The rest of a quoted string, after its opening `"`; decodes escapes.
    #[inline]
    fn quoted(&mut self) -> LexResult<Cow<'a, str>> {
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
    /// `None` (cursor unmoved) hands anything else to the general path.
    #[inline]
    fn simple_label(&mut self, out: &mut Vec<Label<'a>>) -> Option<bool> {
        let b = self.b;
        let start = self.pos;
        if NAME_CHARS[*b.get(start)? as usize] & LABEL_CHAR == 0 || b[start].is_ascii_digit() {
            return None;
        }
        let rest = &b[start..];
        let n = rest
            .iter()
            .position(|&c| NAME_CHARS[c as usize] & LABEL_CHAR == 0)?;
        let eq = start + n;
        if b.get(eq..eq + 2)? != b"=\"" {
            return None;
        }
        let vstart = eq + 2;
        let off = memchr::memchr2(b'"', b'\\', &b[vstart..])?;
        let vend = vstart + off;
        if b[vend] != b'"' {
            return None;
        }
        let done = match b.get(vend + 1) {
            Some(b',') => false,
            Some(b'}') => true,
            _ => return None,
        };
        let lname = &self.s[start..eq];
        if lname == "__name__"
            || out
                .iter()
                .any(|l| l.name.len() == lname.len() && l.name == lname)
        {
            return None;
        }
        out.push(Label {
            name: Cow::Borrowed(lname),
            value: Cow::Borrowed(&self.s[vstart..vend]),
            pos: start,
        });
        self.pos = vend + 2;
        Some(done)
    }

    /// A label set after its `{`, up to and including `}`.
    fn labels(
        &mut self,
        out: &mut Vec<Label<'a>>,
        name: &mut Option<Cow<'a, str>>,
    ) -> LexResult<()> {
        let mut after_comma = false;
        loop {
            if let Some(done) = self.simple_label(out) {
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
            out.push(Label {
                name: lname,
                value,
                pos,
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
    fn exemplar(&mut self) -> LexResult<Exemplar> {
        let pos = self.pos;
        self.expect(b'#', "'#'")?;
        self.expect(b' ', "a space after '#' of the exemplar")?;
        self.expect(b'{', "'{' to start the exemplar's labels")?;
        let mut labels = Vec::new();
        let mut name = None;
        self.labels(&mut labels, &mut name)?;
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

/// Lexes a sample line, pushing its labels into `labels` (which the caller has cleared).
pub(crate) fn sample<'a>(
    line: &'a str,
    om: bool,
    labels: &mut Vec<Label<'a>>,
) -> LexResult<SampleLine<'a>> {
    let mut c = Cursor::new(line, om);
    c.blanks();
    let mut name = None;
    if c.peek() != Some(b'{') {
        name = Some(c.name(true)?);
        let after_name = c.pos;
        c.blanks();
        if c.peek() != Some(b'{') {
            c.pos = after_name;
        }
    }
    if c.eat(b'{') {
        c.labels(labels, &mut name)?;
    }
    let Some(name) = name else {
        return Err(LexError {
            pos: 0,
            msg: "expected a metric name before the label set".into(),
        });
    };
    if om || !line[..c.pos].ends_with('}') {
        c.sep("a space before the sample value")?;
    } else {
        // Go's text parser reads `name{…}1` too.
        c.blanks();
    }
    let value_pos = c.pos;
    let tok = c.token();
    let Some(value) = parse_value(tok) else {
        c.pos = value_pos;
        return if tok.is_empty() {
            c.err(format!("expected a sample value, found {}", c.found()))
        } else {
            if tok.parse::<f64>().is_ok_and(f64::is_infinite) {
                c.err(format!(
                    "sample value {tok} is beyond the range of a 64-bit float"
                ))
            } else {
                c.err(format!("invalid sample value {tok:?}"))
            }
        };
    };
    let mut s = SampleLine {
        name,
        value,
        value_pos,
        timestamp: None,
        timestamp_pos: 0,
        exemplar: None,
    };
    c.blanks();
    if c.at_end() {
        return Ok(s);
    }
    if om {
        c.sep("a space after the value")?;
    }
    if c.peek() != Some(b'#') {
        s.timestamp_pos = c.pos;
        let tok = c.token();
        let ts = if om {
            parse_om_timestamp(tok)
        } else {
            parse_text_timestamp(tok)
        };
        if ts.is_none() {
            c.pos = s.timestamp_pos;
            let hint = if om {
                "seconds, a finite number"
            } else {
                "integer milliseconds"
            };
            return c.err(format!("invalid timestamp {tok:?} (expected {hint})"));
        }
        s.timestamp = ts;
        c.blanks();
        if c.at_end() {
            return Ok(s);
        }
        if om {
            c.sep("a space after the timestamp")?;
        }
    }
    if c.peek() == Some(b'#') && om {
        s.exemplar = Some(c.exemplar()?);
        return Ok(s);
    }
    if c.peek() == Some(b'#') {
        return c.err("exemplars are only allowed in OpenMetrics (use --input-format openmetrics)");
    }
    c.err(format!("unexpected {} after the sample", c.found()))
}

/// Lexes a line that starts with `#` (after any leading blanks in the text format).
pub(crate) fn comment(line: &str, om: bool) -> LexResult<Comment<'_>> {
    let mut c = Cursor::new(line, om);
    c.blanks();
    c.expect(b'#', "'#'")?;
    if om {
        if line == "# EOF" {
            return Ok(Comment::Eof);
        }
        if !line.starts_with("# ") {
            return c.err("comments are not allowed in OpenMetrics: expected '# HELP', '# TYPE', '# UNIT' or '# EOF'");
        }
        c.pos += 1;
    } else {
        // Go's text parser also skips tabs here.
        while matches!(c.peek(), Some(b' ' | b'\t')) {
            c.pos += 1;
        }
    }
    let kw_pos = c.pos;
    let kw = c.token();
    match kw {
        "HELP" | "TYPE" => {}
        "UNIT" if om => {}
        "EOF" if !om && c.s[c.pos..].trim().is_empty() => return Ok(Comment::Eof),
        _ if om => {
            c.pos = kw_pos;
            return c.err(format!(
                "unknown metadata {kw:?}: expected HELP, TYPE, UNIT or EOF"
            ));
        }
        _ => return Ok(Comment::Other),
    }
    // Go's text parser treats `# HELP`, `# TYPE x` and the like, with nothing after the
    // keyword or the name, as plain comments.
    if !om {
        c.blanks();
        if c.at_end() {
            return Ok(Comment::Other);
        }
    } else {
        c.sep(&format!("a metric name after {kw}"))?;
    }
    let name = c.name(true)?;
    if !om && c.at_end() {
        return Ok(Comment::Other);
    }
    if !om && !matches!(c.peek(), Some(b' ' | b'\t')) {
        return c.err(format!(
            "invalid metric name in {kw} line: unexpected {}",
            c.found()
        ));
    }
    match kw {
        "HELP" => {
            let bare = om && c.at_end();
            if om && !bare {
                c.expect(b' ', "a space and the help text after the metric name")?;
            }
            c.blanks();
            Ok(Comment::Help {
                name,
                text: unescape_help(&c.s[c.pos..]),
                bare,
            })
        }
        "TYPE" => {
            c.sep("the metric type")?;
            let tpos = c.pos;
            let tok = c.token();
            let mtype = match (tok, om) {
                ("counter", _) => MetricType::Counter,
                ("gauge", _) => MetricType::Gauge,
                ("histogram", _) => MetricType::Histogram,
                ("summary", _) => MetricType::Summary,
                ("untyped", false) => MetricType::Unknown,
                ("unknown", true) => MetricType::Unknown,
                ("gaugehistogram", true) => MetricType::GaugeHistogram,
                ("info", true) => MetricType::Info,
                ("stateset", true) => MetricType::StateSet,
                _ => {
                    c.pos = tpos;
                    let allowed = if om {
                        "counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown"
                    } else {
                        "counter, gauge, histogram, summary or untyped"
                    };
                    return c.err(format!("unknown metric type {tok:?}: expected {allowed}"));
                }
            };
            c.blanks();
            if !c.at_end() {
                return c.err(format!("unexpected {} after the metric type", c.found()));
            }
            Ok(Comment::Type { name, mtype })
        }
        _ => {
            c.expect(b' ', "a space and the unit after the metric name")?;
            let unit_pos = c.pos;
            let unit = &c.s[c.pos..];
            if let Some(i) = unit
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b':'))
            {
                c.pos += i;
                return c.err(format!("invalid character {} in unit", c.found()));
            }
            Ok(Comment::Unit {
                name,
                unit,
                unit_pos,
            })
        }
    }
}

/// Decodes `\\`, `\n` and `\"` in HELP text; other escapes stay as written, as Prometheus
/// itself keeps them (promtool and the Go client never reject a scrape for a docstring).
fn unescape_help(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lexed = (String, Vec<(String, String)>, f64, Option<f64>);

    fn lex(line: &str, om: bool) -> Result<Lexed, String> {
        let mut labels = Vec::new();
        sample(line, om, &mut labels)
            .map(|s| {
                (
                    s.name.into_owned(),
                    labels
                        .iter()
                        .map(|l| (l.name.to_string(), l.value.to_string()))
                        .collect(),
                    s.value,
                    s.timestamp,
                )
            })
            .map_err(|e| format!("{}: {}", e.pos, e.msg))
    }

    #[test]
    fn sample_lines() {
        let (n, l, v, t) = lex(r#"a_total{x="1",y="}, =:"} 3 1500"#, false).unwrap();
        assert_eq!(n, "a_total");
        assert_eq!(
            l,
            vec![("x".into(), "1".into()), ("y".into(), "}, =:".into())]
        );
        assert_eq!((v, t), (3.0, Some(1.5)));
        let (n, l, ..) = lex(r#"{"my.metric", "my.label"="x"} 1"#, false).unwrap();
        assert_eq!(n, "my.metric");
        assert_eq!(l, vec![("my.label".into(), "x".into())]);
        let (_, l, ..) = lex(r#"a{b="q\"\\\n"} 1"#, false).unwrap();
        assert_eq!(l[0].1, "q\"\\\n");
        assert!(lex("a{b=\"1\",} 1", false).is_ok());
        assert!(lex("  a \t 1 \t 2 ", false).is_ok());
    }

    #[test]
    fn located_errors() {
        assert_eq!(
            lex(r#"a{b="\t"} 1"#, false).unwrap_err(),
            "5: invalid escape sequence '\\t' (only \\\\, \\\" and \\n are allowed)"
        );
        assert!(lex(r#"a{b="\t"} 1"#, true).is_ok());
        assert_eq!(
            lex("a{b=\"1\",} 1", true).unwrap_err(),
            "8: a trailing comma in a label set is not allowed in OpenMetrics"
        );
        assert_eq!(
            lex("a  1", true).unwrap_err(),
            "2: more than one space between tokens is not allowed in OpenMetrics"
        );
        assert_eq!(
            lex("a 1 2.5", false).unwrap_err(),
            "4: invalid timestamp \"2.5\" (expected integer milliseconds)"
        );
        assert_eq!(
            lex(r#"a{b="1",b="2"} 1"#, false).unwrap_err(),
            "8: duplicate label name \"b\""
        );
        assert_eq!(
            lex(r#"a{b="1} 1"#, false).unwrap_err(),
            "4: unterminated quoted string"
        );
    }

    #[test]
    fn comments() {
        assert!(
            matches!(comment("# HELP a x\\ny", true), Ok(Comment::Help { text, .. }) if text == "x\ny")
        );
        assert!(matches!(
            comment("# TYPE a gauge", false),
            Ok(Comment::Type {
                mtype: MetricType::Gauge,
                ..
            })
        ));
        assert!(matches!(comment("# just words", false), Ok(Comment::Other)));
        assert!(comment("# just words", true).is_err());
        assert!(matches!(comment("# EOF", false), Ok(Comment::Eof)));
        assert!(comment("# TYPE a untyped", true).is_err());
        assert!(matches!(
            comment("# HELP a", true),
            Ok(Comment::Help { bare: true, .. })
        ));
        assert!(comment("# HELP a\t", true).is_err());
    }
}
