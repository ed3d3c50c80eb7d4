//! The calling thread's side: hands out parts within a memory budget and merges the results
//! in input order.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender};

use super::{parse_part, Done, Job};
use crate::parse::merge::Merged;
use crate::parse::{Format, ParseError, ParseOptions};

/// Bytes of ordinary parts handed out and not merged yet, at most (one is always allowed).
const BUDGET: usize = 4 << 20;

pub(super) struct Driver<'o, 'r> {
    pub(super) opts: &'o ParseOptions<'r>,
    pub(super) format: Format,
    pub(super) merged: Merged,
    /// About how many bytes a part holds.
    pub(super) block: usize,
    jobs: Option<SyncSender<Job>>,
    results: Receiver<Done>,
    /// Parts parsed but not yet merged, by index.
    waiting: BTreeMap<usize, Done>,
    sent: usize,
    next: usize,
    /// Bytes of ordinary parts out, and whether a large part (a large family) is out: one
    /// large part goes alongside the budget, so that it does not stop the others.
    small_out: usize,
    large_out: bool,
    /// Buffers of merged parts, reused for reading.
    spare: Vec<Vec<u8>>,
}

impl<'o, 'r> Driver<'o, 'r> {
    pub(super) fn new(
        opts: &'o ParseOptions<'r>,
        format: Format,
        jobs: SyncSender<Job>,
        results: Receiver<Done>,
    ) -> Self {
        Driver {
            opts,
            format,
            merged: Merged::default(),
            // Smaller parts would cost more in hand-offs than they gain.
            block: opts.parallel.block_bytes.max(1024),
            jobs: Some(jobs),
            results,
            waiting: BTreeMap::new(),
            sent: 0,
            next: 0,
            small_out: 0,
            large_out: false,
            spare: Vec::new(),
        }
    }

    fn large(&self, bytes: usize) -> bool {
        bytes > 2 * self.block
    }

    /// Hands out a part, first merging results until the budget allows it.
    pub(super) fn send(&mut self, bytes: Vec<u8>, at_end: Option<bool>) -> Result<(), ParseError> {
        let n = bytes.len();
        let large = self.large(n);
        while self.next < self.sent
            && (if large {
                self.large_out
            } else {
                self.small_out > 0 && self.small_out + n > BUDGET
            })
        {
            self.wait_one()?;
        }
        if large {
            self.large_out = true;
        } else {
            self.small_out += n;
        }
        let job = Job {
            index: self.sent,
            bytes,
            at_end,
        };
        self.sent += 1;
        if self.jobs.as_ref().is_none_or(|j| j.send(job).is_err()) {
            return Err(stopped());
        }
        while let Ok(r) = self.results.try_recv() {
            self.arrive(r)?;
        }
        Ok(())
    }

    fn wait_one(&mut self) -> Result<(), ParseError> {
        match self.results.recv() {
            Ok(r) => self.arrive(r),
            Err(_) => Err(stopped()),
        }
    }

    /// Waits for and merges every part handed out.
    pub(super) fn finish_all(&mut self) -> Result<(), ParseError> {
        while self.next < self.sent {
            self.wait_one()?;
        }
        Ok(())
    }

    /// No more parts: lets the workers end.
    pub(super) fn close(&mut self) {
        self.jobs = None;
    }

    /// An empty buffer, reused if one is spare.
    pub(super) fn buffer(&mut self) -> Vec<u8> {
        let mut b = self.spare.pop().unwrap_or_default();
        b.clear();
        b
    }

    /// The error for a part after `# EOF`, if there was one: a part never starts blank.
    pub(super) fn after_eof(&self) -> Result<(), ParseError> {
        match self.merged.eof_at {
            Some(at) => Err(ParseError::Syntax {
                line: self.merged.lines + 1,
                column: 1,
                message: format!("text after # EOF (line {at})"),
            }),
            None => Ok(()),
        }
    }

    /// Takes a result and merges it and every part waiting after it, in input order.
    fn arrive(&mut self, d: Done) -> Result<(), ParseError> {
        self.waiting.insert(d.job.index, d);
        while let Some(Done { job, part }) = self.waiting.remove(&self.next) {
            if !job.bytes.is_empty() {
                self.after_eof()?;
            }
            let retain = self.opts.retain;
            match part {
                Ok(p) if !self.merged.needs_context(&p) => {
                    let shift = self.merged.lines;
                    self.merged.absorb(p, shift, retain);
                }
                // A part that failed is parsed again in context too, so that its error is
                // the one a single pass would have stopped at.
                _ => {
                    let p = parse_part(
                        &job.bytes,
                        job.at_end,
                        self.format,
                        retain,
                        Some(&self.merged),
                    )?;
                    self.merged.absorb(p, 0, retain);
                }
            }
            if self.large(job.bytes.len()) {
                self.large_out = false;
            } else {
                self.small_out -= job.bytes.len();
            }
            if job.bytes.capacity() <= 2 * self.block {
                self.spare.push(job.bytes);
            }
            self.next += 1;
        }
        Ok(())
    }
}

/// A worker thread ended early: unreachable unless one panicked. Said plainly rather than
/// returning half a model.
fn stopped() -> ParseError {
    ParseError::Io(std::io::Error::other("a parser thread stopped"))
}
