//! Tokenizes one line of exposition text: a sample line or a `#` line.
//!
//! The lexer knows the grammar of both formats and nothing of families: it returns borrowed
//! slices of the line (owned only where an escape had to be decoded) and leaves meaning to
//! `validate`. OpenMetrics is whitespace-exact; the text format allows runs of blanks, as Go's
//! `expfmt.TextParser` does.

use std::borrow::Cow;

use crate::model::MetricType;

use super::number::{parse_om_timestamp, parse_text_timestamp, parse_value, short_decimal};

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
    /// Hash of the pair as written, `name="value"`, taken while the bytes are at hand.
    pub(crate) hash: u64,
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
    /// The name is the previous sample line's, recognised by its bytes (see [`sample`]).
    pub(crate) repeat: bool,
    /// The name was written unquoted, so its bytes can stand in for the next line's check.
    pub(crate) plain: bool,
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

mod comment;
mod cursor;
mod labels;
#[cfg(test)]
mod tests;
mod words;

pub(crate) use comment::comment;
pub(crate) use words::NameMemo;

use cursor::Cursor;

/// Lexes a sample line, pushing its labels into `labels` (which the caller has cleared).
///
/// `previous` is the last sample line's metric name if it was written unquoted (else empty).
/// Most lines repeat it; a line starting with those bytes, followed by a byte that cannot
/// continue a name, has that same valid name without scanning it again.
pub(crate) fn sample<'a>(
    line: &'a str,
    om: bool,
    labels: &mut Vec<Label<'a>>,
    previous: &str,
    memo: &mut NameMemo,
) -> LexResult<SampleLine<'a>> {
    let mut c = Cursor::new(line, om);
    c.blanks();
    let mut name = None;
    let mut repeat = false;
    let rest = &c.b[c.pos..];
    if !previous.is_empty()
        && words::starts_with(rest, previous.as_bytes())
        && rest
            .get(previous.len())
            .is_none_or(|&b| cursor::NAME_CHARS[b as usize] & cursor::METRIC_CHAR == 0)
    {
        name = Some(Cow::Borrowed(&line[c.pos..c.pos + previous.len()]));
        c.pos += previous.len();
        repeat = true;
    }
    let plain = c.peek() != Some(b'{') && c.peek() != Some(b'"');
    if repeat || c.peek() != Some(b'{') {
        if !repeat {
            name = Some(c.name(true)?);
        }
        let after_name = c.pos;
        c.blanks();
        if c.peek() != Some(b'{') {
            c.pos = after_name;
        }
    }
    if c.eat(b'{') {
        c.labels(labels, &mut name, memo)?;
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
    // Usually the value is a plain number and the rest of the line: read it in one pass.
    let value = match short_decimal(&c.b[value_pos..]) {
        Some(v) => {
            c.pos = c.b.len();
            v
        }
        None => {
            let tok = c.token();
            let Some(v) = parse_value(tok) else {
                c.pos = value_pos;
                return if tok.is_empty() {
                    c.err(format!("expected a sample value, found {}", c.found()))
                } else if tok.parse::<f64>().is_ok_and(f64::is_infinite) {
                    c.err(format!(
                        "sample value {tok} is beyond the range of a 64-bit float"
                    ))
                } else {
                    c.err(format!("invalid sample value {tok:?}"))
                };
            };
            v
        }
    };
    let mut s = SampleLine {
        name,
        value,
        value_pos,
        timestamp: None,
        timestamp_pos: 0,
        exemplar: None,
        repeat,
        plain: repeat || plain,
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
