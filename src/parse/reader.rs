//! The streaming driver: reads chunks, splits lines, and feeds the lexer and validator.

use std::io::{ErrorKind, Read};

use super::build::SnapshotBuilder;
use super::lexer::{self, Comment, Label};
use super::validate::{Failure, Validator};
use super::{sniff, Format, FormatChoice, ParseError, ParseOptions, Parsed};

/// Initial buffer size; also how much is sniffed when the format is decided from content.
const CHUNK: usize = 64 * 1024;

pub(super) struct LineParser<'r> {
    om: bool,
    pub(super) v: Validator<SnapshotBuilder<'r>>,
    /// Lines read so far (plus the offset of a part that starts later in the input).
    pub(super) line: u64,
    /// A `# EOF` line has been read (and where).
    pub(super) eof_at: Option<u64>,
    /// The label vector, recycled across lines so that a sample line allocates nothing.
    labels: Vec<Label<'static>>,
}

/// Empties a vector and re-types it with a new lifetime, keeping its allocation.
fn recycle<'a, 'b>(mut v: Vec<Label<'a>>) -> Vec<Label<'b>> {
    v.clear();
    v.into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect()
}

fn column(line: &str, pos: usize) -> u64 {
    let pos = pos.min(line.len());
    let prefix = line.get(..pos).unwrap_or(line);
    prefix.chars().count() as u64 + 1
}

fn syntax(line: u64, column: u64, message: impl Into<String>) -> ParseError {
    ParseError::Syntax {
        line,
        column,
        message: message.into(),
    }
}

impl<'r> LineParser<'r> {
    pub(super) fn new(format: Format, retain: Option<crate::model::Retention<'r>>) -> Self {
        let om = format == Format::OpenMetrics;
        LineParser {
            om,
            v: Validator::new(om, SnapshotBuilder::new(retain)),
            line: 0,
            eof_at: None,
            labels: Vec::new(),
        }
    }

    fn fail(&self, text: &str, (line, pos, msg): Failure) -> ParseError {
        let col = if line == self.line {
            column(text, pos)
        } else {
            1
        };
        syntax(line, col, msg)
    }

    /// Parses every complete line of `block` (which ends just after a newline, or at the end
    /// of input). UTF-8 is validated once for the whole block, not per line; a block with an
    /// invalid byte is parsed up to the line holding it, which is then reported.
    pub(super) fn block(&mut self, block: &[u8]) -> Result<(), ParseError> {
        let (text, bad) = match std::str::from_utf8(block) {
            Ok(t) => (t, None),
            Err(e) => {
                let valid = e.valid_up_to();
                let line_start = memchr::memrchr(b'\n', &block[..valid]).map_or(0, |i| i + 1);
                let prefix = std::str::from_utf8(&block[..line_start]).unwrap_or("");
                let bad_prefix = std::str::from_utf8(&block[line_start..valid]).unwrap_or("");
                (prefix, Some(bad_prefix))
            }
        };
        let bytes = text.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            self.line(&text[start..end])?;
            start = end + 1;
        }
        if let Some(prefix) = bad {
            self.line += 1;
            return Err(syntax(
                self.line,
                column(prefix, prefix.len()),
                "invalid UTF-8",
            ));
        }
        Ok(())
    }

    fn line(&mut self, text: &str) -> Result<(), ParseError> {
        self.line += 1;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if let Some(at) = self.eof_at {
            if self.om || !text.trim().is_empty() {
                return Err(syntax(
                    self.line,
                    1,
                    format!("text after # EOF (line {at})"),
                ));
            }
            return Ok(());
        }
        let first = text.bytes().find(|b| !(*b == b' ' || *b == b'\t'));
        match first {
            None if self.om => Err(syntax(
                self.line,
                1,
                "blank lines are not allowed in OpenMetrics",
            )),
            None => Ok(()),
            Some(b'#') => {
                let c = lexer::comment(text, self.om)
                    .map_err(|e| syntax(self.line, column(text, e.pos), e.msg))?;
                if matches!(c, Comment::Eof) {
                    self.eof_at = Some(self.line);
                    return Ok(());
                }
                if let Comment::Help { bare: true, .. } = c {
                    let msg = "HELP line with no space after the name (OpenMetrics requires \"# HELP name \")";
                    self.v.warn(self.line, text.len() as u64 + 1, msg.into());
                }
                let line = self.line;
                self.v.metadata(line, c).map_err(|f| self.fail(text, f))
            }
            Some(_) => {
                let mut labels = recycle(std::mem::take(&mut self.labels));
                let result = match lexer::sample(text, self.om, &mut labels) {
                    Ok(s) => self
                        .v
                        .sample(self.line, &s, &labels)
                        .map_err(|f| self.fail(text, f)),
                    Err(e) => Err(syntax(self.line, column(text, e.pos), e.msg)),
                };
                self.labels = recycle(labels);
                result
            }
        }
    }

    /// Ends the input (or the part of it this parser was given): `at_end` says whether this
    /// is the end of the whole input and, if so, whether it ended with a newline.
    pub(super) fn finish_part(mut self, at_end: Option<bool>) -> Result<Part, ParseError> {
        if let Some(newline_at_end) = at_end {
            if self.om && self.eof_at.is_none() {
                return Err(syntax(
                    self.line + 1,
                    1,
                    "missing \"# EOF\" at the end of OpenMetrics input",
                ));
            }
            if !newline_at_end && self.eof_at.is_none() && self.line > 0 {
                let line = self.line;
                self.v.warn(
                    line,
                    1,
                    "no newline at the end of the input (Go's text parser rejects this)".into(),
                );
            }
        }
        self.v
            .close()
            .map_err(|(line, _, msg)| syntax(line, 1, msg))?;
        Ok(Part {
            warnings: std::mem::take(&mut self.v.warnings),
            warnings_total: self.v.warnings_total,
            declared: std::mem::take(&mut self.v.declared),
            eof_at: self.eof_at,
            last_line: self.line,
            cites_lines: self.v.cites_lines,
            snapshot: self.v.sink.finish(),
        })
    }

    fn finish(
        self,
        format: Format,
        reason: Option<String>,
        bytes: u64,
        newline_at_end: bool,
    ) -> Result<Parsed, ParseError> {
        let part = self.finish_part(Some(newline_at_end))?;
        let mut snapshot = part.snapshot;
        snapshot.stats.lines = part.last_line;
        snapshot.stats.bytes = bytes;
        Ok(Parsed {
            snapshot,
            format,
            format_reason: reason,
            warnings: part.warnings,
            warnings_total: part.warnings_total,
        })
    }
}

/// What parsing a part of the input gives: everything but the cross-part checks, which
/// [`super::merge`] makes when it puts the parts together in order.
pub(super) struct Part {
    /// Families and counts of this part (`stats.lines` and `stats.bytes` unset).
    pub(super) snapshot: crate::model::Snapshot,
    pub(super) warnings: Vec<super::Diagnostic>,
    pub(super) warnings_total: u64,
    /// Every family the part held: name → (first line, type).
    pub(super) declared: super::validate::Declared,
    pub(super) eof_at: Option<u64>,
    /// The number of the part's last line (its offset plus its lines).
    pub(super) last_line: u64,
    /// A warning's text names a line (numbered within the part).
    pub(super) cites_lines: bool,
}

/// Reads until `buf[len..]` is full or the input ends; returns bytes read.
pub(super) fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

pub(crate) fn run<R: Read>(mut input: R, opts: &ParseOptions<'_>) -> Result<Parsed, ParseError> {
    let mut buf = vec![0u8; CHUNK];
    let len = fill(&mut input, &mut buf)?;
    let eof = len < buf.len();
    let (format, reason) = match opts.format {
        FormatChoice::Fixed(f) => (f, None),
        FormatChoice::Auto => {
            let (f, why) = sniff(&buf[..len]);
            (f, Some(why))
        }
    };
    buf.truncate(len);
    // OpenMetrics stays on one thread: its cross-family checks (names claimed by a family,
    // a family never coming back) need everything before.
    if format == Format::Prometheus && opts.parallel.threads > 1 && !eof {
        return super::parallel::run(input, buf, opts, format, reason);
    }
    let mut p = LineParser::new(format, opts.retain);
    let (total, newline_at_end) = stream(&mut p, &mut input, buf, eof, opts.max_bytes)?;
    p.finish(format, reason, total, newline_at_end || total == 0)
}

/// Feeds `p` with `buf` (bytes already read) and then the rest of `input`, keeping only the
/// last partial line between reads. Returns the bytes read in all, `buf` included, and
/// whether the input ended with a newline.
pub(super) fn stream<R: Read>(
    p: &mut LineParser<'_>,
    input: &mut R,
    mut buf: Vec<u8>,
    mut eof: bool,
    max_bytes: u64,
) -> Result<(u64, bool), ParseError> {
    let mut len = buf.len();
    let mut total = len as u64;
    buf.resize(len.max(CHUNK), 0);
    loop {
        if total > max_bytes {
            return Err(ParseError::TooLarge { limit: max_bytes });
        }
        let start = memchr::memrchr(b'\n', &buf[..len]).map_or(0, |i| i + 1);
        p.block(&buf[..start])?;
        if eof {
            let newline_at_end = start == len;
            if !newline_at_end {
                p.block(&buf[start..len])?;
            }
            return Ok((total, newline_at_end));
        }
        buf.copy_within(start..len, 0);
        len -= start;
        if len == buf.len() {
            // A line longer than the buffer: grow (bounded by --max-bytes above).
            buf.resize(buf.len() * 2, 0);
        }
        let n = fill(input, &mut buf[len..])?;
        eof = n == 0 || len + n < buf.len();
        len += n;
        total += n as u64;
    }
}
