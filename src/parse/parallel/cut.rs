//! Reading and cutting the input into parts at family boundaries.

use std::io::Read;

use super::driver::Driver;
use crate::parse::reader::LineParser;
use crate::parse::ParseError;

/// With no place to cut in this many blocks, the family is parsed as it streams in.
const MAX_BLOCKS_PER_PART: usize = 16;

/// Where a part may end: the start of a `# HELP` or `# TYPE` line, at or after `from`, that
/// follows a sample line whose name it does not begin (so it cannot continue that family).
pub(super) fn cut(buf: &[u8], from: usize) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(b"\n# ");
    let mut at = from;
    while let Some(nl) = finder.find(buf.get(at..)?).map(|i| at + i) {
        let start = nl + 1;
        let rest = &buf[start..];
        let meta = rest
            .strip_prefix(b"# HELP ")
            .or_else(|| rest.strip_prefix(b"# TYPE "));
        if let Some(meta) = meta {
            let name = word(meta, b" \t\r\n");
            let prev = &buf[memchr::memrchr(b'\n', &buf[..nl]).map_or(0, |i| i + 1)..nl];
            let sample = prev
                .first()
                .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b':'));
            if !name.is_empty() && sample && !word(prev, b"{ \t").starts_with(name) {
                return Some(start);
            }
        }
        at = start;
    }
    None
}

/// The bytes of `s` up to the first of `stops`.
fn word<'a>(s: &'a [u8], stops: &[u8]) -> &'a [u8] {
    &s[..s.iter().position(|c| stops.contains(c)).unwrap_or(s.len())]
}

/// The input as it is read: what has not been handed out yet, and the counts.
struct Reader<'i, R> {
    input: &'i mut R,
    total: u64,
    eof: bool,
    max: u64,
}

impl<R: Read> Reader<'_, R> {
    /// Appends up to `want` more bytes to `buf`.
    fn more(&mut self, buf: &mut Vec<u8>, want: usize) -> Result<(), ParseError> {
        // `take` + `read_to_end` fill the spare capacity without zeroing it first.
        buf.reserve(want);
        let n = self.input.by_ref().take(want as u64).read_to_end(buf)?;
        self.eof = n < want;
        self.total += n as u64;
        if self.total > self.max {
            return Err(ParseError::TooLarge { limit: self.max });
        }
        Ok(())
    }
}

/// Reads, cuts and hands out parts, merging results as they come; returns the bytes read.
pub(super) fn split<R: Read>(
    input: &mut R,
    mut cur: Vec<u8>,
    d: &mut Driver<'_, '_>,
) -> Result<u64, ParseError> {
    let block = d.block;
    let mut r = Reader {
        input,
        total: cur.len() as u64,
        eof: false,
        max: d.opts.max_bytes,
    };
    // Where the search for a cut resumes in `cur`.
    let mut searched = block / 2;
    loop {
        while !r.eof && cur.len() < block + searched {
            if let Err(e) = r.more(&mut cur, block) {
                // Errors in what came before the limit win, as they would in one pass.
                d.finish_all()?;
                return Err(e);
            }
        }
        let at = cut(&cur, searched);
        if at.is_none() && !r.eof && cur.len() < MAX_BLOCKS_PER_PART * block {
            searched = cur.len().saturating_sub(64).max(block / 2);
            continue;
        }
        searched = block / 2;
        match at {
            Some(at) => {
                let mut rest = d.buffer();
                rest.extend_from_slice(&cur[at..]);
                cur.truncate(at);
                d.send(std::mem::replace(&mut cur, rest), None)?;
            }
            None if r.eof => {
                let newline_at_end = cur.last().is_none_or(|b| *b == b'\n');
                d.send(cur, Some(newline_at_end))?;
                break;
            }
            None => match stream_family(&mut r, cur, d)? {
                Some(rest) => cur = rest,
                None => break,
            },
        }
    }
    d.finish_all()?;
    Ok(r.total)
}

/// Parses on this thread, as it streams in, from the start of `cur` to the next place to cut
/// (or the end), once every earlier part is merged; returns what follows the cut.
fn stream_family<R: Read>(
    r: &mut Reader<'_, R>,
    mut cur: Vec<u8>,
    d: &mut Driver<'_, '_>,
) -> Result<Option<Vec<u8>>, ParseError> {
    d.finish_all()?;
    d.after_eof()?;
    let mut p = LineParser::new(d.format, d.opts.retain);
    p.line = d.merged.lines;
    p.v.declared = d.merged.declared.clone();
    // `cur[..scanned]` has been searched for a cut and for line ends: every pass looks at
    // new bytes only, so a single long line costs linear time.
    let mut scanned: usize = 0;
    let (rest, at_end) = loop {
        if let Some(at) = cut(&cur, scanned.saturating_sub(16)) {
            p.block(&cur[..at])?;
            cur.drain(..at);
            break (Some(cur), None);
        }
        if r.eof {
            p.block(&cur)?;
            break (None, Some(cur.last().is_none_or(|b| *b == b'\n')));
        }
        // Parse every complete line but the last, which a cut at the next line needs.
        let new = scanned.saturating_sub(1);
        if let Some(end) = memchr::memrchr(b'\n', &cur[new..]).map(|i| new + i) {
            let keep = memchr::memrchr(b'\n', &cur[..end]).map_or(0, |i| i + 1);
            p.block(&cur[..keep])?;
            cur.drain(..keep);
        }
        scanned = cur.len();
        r.more(&mut cur, d.block)?;
    };
    let part = p.finish_part(at_end)?;
    d.merged.absorb(part, 0, d.opts.retain);
    Ok(rest)
}
