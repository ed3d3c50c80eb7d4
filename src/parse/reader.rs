//! The streaming driver: reads chunks, splits lines, and feeds the lexer and validator.

use std::io::{ErrorKind, Read};

use super::build::SnapshotBuilder;
use super::lexer::{self, Comment, Label, SampleLine};
use super::validate::{Failure, Validator};
use super::{sniff, Format, FormatChoice, ParseError, ParseOptions, Parsed, Sink};

/// What receives each lexed line: the validator, or a reader that groups lines its own way
/// (`check`'s emulation of Go's text parser).
pub(crate) trait Lines {
    /// A `#` line, with its text.
    fn metadata(&mut self, line: u64, text: &str, c: Comment<'_>) -> Result<(), Failure>;
    /// A sample line whose labels are `labels`.
    fn sample(
        &mut self,
        line: u64,
        s: &SampleLine<'_>,
        labels: &[Label<'_>],
    ) -> Result<(), Failure>;
    /// Valid but odd input.
    fn warn(&mut self, line: u64, column: u64, message: String);
    /// Whether the text format's `# EOF` ends the input (Go's text parser reads it as a
    /// comment).
    fn eof_ends(&self) -> bool {
        true
    }
}

impl<S: Sink> Lines for Validator<S> {
    fn metadata(&mut self, line: u64, _text: &str, c: Comment<'_>) -> Result<(), Failure> {
        Validator::metadata(self, line, c)
    }

    fn sample(
        &mut self,
        line: u64,
        s: &SampleLine<'_>,
        labels: &[Label<'_>],
    ) -> Result<(), Failure> {
        Validator::sample(self, line, s, labels)
    }

    fn warn(&mut self, line: u64, column: u64, message: String) {
        Validator::warn(self, line, column, message)
    }
}

/// Initial buffer size; also how much is sniffed when the format is decided from content.
const CHUNK: usize = 64 * 1024;

struct LineParser<V> {
    om: bool,
    v: V,
    line: u64,
    /// A `# EOF` line has been read (and where).
    eof_at: Option<u64>,
    /// The last sample line's metric name if unquoted, for [`lexer::sample`] to recognise.
    previous: String,
    /// The last sample line's label names, likewise.
    names: lexer::NameMemo,
    /// Whether `previous` and `names` are kept from line to line; false only in the test
    /// that proves remembering them changes nothing.
    remember: bool,
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

impl<V: Lines> LineParser<V> {
    fn new(format: Format, v: V) -> Self {
        LineParser {
            om: format == Format::OpenMetrics,
            v,
            line: 0,
            eof_at: None,
            previous: String::new(),
            names: lexer::NameMemo::default(),
            remember: true,
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
    fn block(&mut self, block: &[u8]) -> Result<(), ParseError> {
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
        // One label vector per block, reused by its lines: a line allocates nothing.
        let mut labels = Vec::new();
        let mut start = 0;
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            labels.clear();
            self.line(&text[start..end], &mut labels)?;
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

    fn line<'t>(&mut self, text: &'t str, labels: &mut Vec<Label<'t>>) -> Result<(), ParseError> {
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
                if matches!(c, Comment::Eof) && (self.om || self.v.eof_ends()) {
                    self.eof_at = Some(self.line);
                    return Ok(());
                }
                if let Comment::Help { bare: true, .. } = c {
                    let msg = "HELP line with no space after the name (OpenMetrics requires \"# HELP name \")";
                    self.v.warn(self.line, text.len() as u64 + 1, msg.into());
                }
                let line = self.line;
                self.v
                    .metadata(line, text, c)
                    .map_err(|f| self.fail(text, f))
            }
            Some(_) => {
                if !self.remember {
                    self.previous.clear();
                    self.names = lexer::NameMemo::default();
                }
                match lexer::sample(text, self.om, labels, &self.previous, &mut self.names) {
                    Ok(s) => {
                        if !s.repeat {
                            self.previous.clear();
                            if s.plain {
                                self.previous.push_str(&s.name);
                            }
                        }
                        self.v
                            .sample(self.line, &s, labels)
                            .map_err(|f| self.fail(text, f))
                    }
                    Err(e) => Err(syntax(self.line, column(text, e.pos), e.msg)),
                }
            }
        }
    }
}

impl LineParser<Validator<SnapshotBuilder<'_>>> {
    fn finish(
        mut self,
        format: Format,
        reason: Option<String>,
        bytes: u64,
        newline_at_end: bool,
    ) -> Result<Parsed, ParseError> {
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
        self.v
            .close()
            .map_err(|(line, _, msg)| syntax(line, 1, msg))?;
        let warnings = std::mem::take(&mut self.v.warnings);
        let warnings_total = self.v.warnings_total;
        let lines = self.line;
        let mut builder = self.v.sink;
        builder.stats_mut().lines = lines;
        builder.stats_mut().bytes = bytes;
        Ok(Parsed {
            snapshot: builder.finish(),
            format,
            format_reason: reason,
            warnings,
            warnings_total,
        })
    }
}

/// Reads until `buf[len..]` is full or the input ends; returns bytes read.
fn fill<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
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

pub(crate) fn run<R: Read>(input: R, opts: &ParseOptions<'_>) -> Result<Parsed, ParseError> {
    run_with(input, opts, true, None)
}

/// Like [`run`], with `observer` receiving every family and sample the snapshot does.
pub(crate) fn run_observed<R: Read>(
    input: R,
    opts: &ParseOptions<'_>,
    observer: &mut dyn Sink,
) -> Result<Parsed, ParseError> {
    run_with(input, opts, true, Some(observer))
}

fn run_with<'r, R: Read>(
    input: R,
    opts: &ParseOptions<'r>,
    remember: bool,
    observer: Option<&'r mut dyn Sink>,
) -> Result<Parsed, ParseError> {
    let make = |format: Format| {
        let builder = SnapshotBuilder::new(opts.retain).observed_by(observer);
        let mut p = LineParser::new(
            format,
            Validator::new(format == Format::OpenMetrics, builder),
        );
        p.remember = remember;
        p
    };
    let (p, format, reason, total, newline_at_end) = drive(input, opts, make)?;
    p.finish(format, reason, total, newline_at_end)
}

/// The lines of a text-format input, lexed and handed to `lines`; returns how many lines
/// there were and whether the input ended with a newline (or was empty).
pub(crate) fn lex_lines<R: Read, V: Lines>(
    input: R,
    max_bytes: u64,
    lines: V,
) -> Result<(V, u64, bool), ParseError> {
    let opts = ParseOptions {
        format: FormatChoice::Fixed(Format::Prometheus),
        max_bytes,
        retain: None,
    };
    let (p, _, _, _, newline_at_end) = drive(input, &opts, |f| LineParser::new(f, lines))?;
    Ok((p.v, p.line, newline_at_end))
}

/// The read loop: sniffs the format from the first chunk, makes the line parser for it, and
/// feeds it every line; returns it with the format, why, the bytes read and whether the
/// input ended with a newline.
#[allow(clippy::type_complexity)]
fn drive<R: Read, V: Lines>(
    mut input: R,
    opts: &ParseOptions<'_>,
    make: impl FnOnce(Format) -> LineParser<V>,
) -> Result<(LineParser<V>, Format, Option<String>, u64, bool), ParseError> {
    let mut buf = vec![0u8; CHUNK];
    let mut len = fill(&mut input, &mut buf)?;
    let mut total = len as u64;
    let mut eof = len < buf.len();
    let (format, reason) = match opts.format {
        FormatChoice::Fixed(f) => (f, None),
        FormatChoice::Auto => {
            let (f, why) = sniff(&buf[..len]);
            (f, Some(why))
        }
    };
    let mut p = make(format);
    loop {
        if total > opts.max_bytes {
            return Err(ParseError::TooLarge {
                limit: opts.max_bytes,
            });
        }
        let start = memchr::memrchr(b'\n', &buf[..len]).map_or(0, |i| i + 1);
        p.block(&buf[..start])?;
        if eof {
            let newline_at_end = start == len;
            if !newline_at_end {
                p.block(&buf[start..len])?;
            }
            return Ok((p, format, reason, total, newline_at_end || total == 0));
        }
        buf.copy_within(start..len, 0);
        len -= start;
        if len == buf.len() {
            // A line longer than the buffer: grow, but never past --max-bytes (one byte
            // more tells that the limit was passed): doubling alone reached twice the limit.
            let cap = usize::try_from(opts.max_bytes.saturating_add(1)).unwrap_or(usize::MAX);
            if buf.len() >= cap {
                return Err(ParseError::TooLarge {
                    limit: opts.max_bytes,
                });
            }
            buf.resize(buf.len().saturating_mul(2).min(cap), 0);
        }
        let n = fill(&mut input, &mut buf[len..])?;
        eof = n == 0 || len + n < buf.len();
        len += n;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Format;

    /// Endless zeros (one endless line), asserting that no read asks for room past the
    /// limit: the line buffer holds every byte given so far plus the room asked for.
    struct Zeros {
        given: usize,
        limit: usize,
    }

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            assert!(
                self.given + buf.len() <= self.limit + 1,
                "buffer of {} bytes for a limit of {}",
                self.given + buf.len(),
                self.limit
            );
            buf.fill(0);
            self.given += buf.len();
            Ok(buf.len())
        }
    }

    #[test]
    fn an_endless_line_never_grows_the_buffer_past_the_limit() {
        // 1.1 MB: doubling from 64 KiB would have reached 2 MiB.
        let limit = 1_100_000;
        let opts = ParseOptions {
            max_bytes: limit as u64,
            ..ParseOptions::default()
        };
        let r = run(Zeros { given: 0, limit }, &opts);
        assert!(matches!(r, Err(ParseError::TooLarge { .. })));
    }

    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    /// The metric name and label names remembered from the previous line are shortcuts only:
    /// every fixture (real exporters' output, both conformance suites), in each format mode,
    /// with and without the analysis's retention, gives the same model, warnings or error with
    /// them as with every line lexed afresh.
    #[test]
    fn remembering_names_changes_nothing() {
        let mut all = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut all,
        );
        all.sort();
        assert!(all.len() > 400, "{} fixture files", all.len());
        let formats = [
            FormatChoice::Auto,
            FormatChoice::Fixed(Format::Prometheus),
            FormatChoice::Fixed(Format::OpenMetrics),
        ];
        // The analysis's retention too: it sums request families by a few labels.
        let names = crate::detect::TrafficOverride::default();
        let keep = crate::detect::retention(&names);
        for path in &all {
            let bytes = std::fs::read(path).unwrap_or_default();
            for format in formats {
                for retain in [None, Some(&keep as crate::model::Retention<'_>)] {
                    let opts = ParseOptions {
                        format,
                        retain,
                        ..ParseOptions::default()
                    };
                    let kept = format!("{:?}", run_with(&bytes[..], &opts, true, None));
                    let fresh = format!("{:?}", run_with(&bytes[..], &opts, false, None));
                    let what = if retain.is_some() { ", retained" } else { "" };
                    assert!(kept == fresh, "{} ({format:?}{what})", path.display());
                }
            }
        }
    }

    /// Label names that change place, number and membership within one summed family (the
    /// previous line's names are remembered by position): each sample's series is summed by
    /// its own route, status and method labels.
    #[test]
    fn summing_follows_each_samples_label_names() {
        let text = "# TYPE http_requests_total counter\n\
            http_requests_total{method=\"GET\",path=\"/a\",code=\"200\"} 1\n\
            http_requests_total{method=\"GET\",path=\"/a\",code=\"200\",pod=\"x\"} 2\n\
            http_requests_total{pod=\"y\",zone=\"z\",path=\"/b\"} 4\n\
            http_requests_total{pod=\"y\",zone=\"z\"} 8\n\
            http_requests_total{pod=\"y\",zone=\"z\",path=\"/b\",code=\"500\"} 16\n\
            http_requests_total{path=\"/b\",zone=\"z\",pod=\"y\"} 32\n";
        let names = crate::detect::TrafficOverride::default();
        let keep = crate::detect::retention(&names);
        let opts = ParseOptions {
            retain: Some(&keep),
            ..ParseOptions::default()
        };
        let summed = |remember| {
            let parsed = run_with(text.as_bytes(), &opts, remember, None).expect("valid");
            let family = &parsed.snapshot.families[0];
            let mut rows: Vec<String> = family
                .series
                .iter()
                .map(|s| format!("{:?} {:?}", s.labels.iter().collect::<Vec<_>>(), s.value))
                .collect();
            rows.sort();
            rows
        };
        let rows = summed(true);
        assert_eq!(rows, summed(false));
        assert_eq!(
            rows,
            vec![
                r#"[("code", "200"), ("method", "GET"), ("path", "/a")] Scalar(3.0)"#,
                r#"[("code", "500"), ("path", "/b")] Scalar(16.0)"#,
                r#"[("path", "/b")] Scalar(36.0)"#,
                r#"[] Scalar(8.0)"#,
            ]
        );
    }
}
