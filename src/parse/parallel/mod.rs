//! A large text-format input parsed on several threads, with the result one thread gives.
//!
//! The calling thread reads the input and cuts it into parts of about one block, always just
//! before a `# HELP` or `# TYPE` line that begins a new family ([`cut`]), so no family is
//! split. Worker threads parse the parts; the calling thread merges them in input order
//! ([`Driver`]), parsing again, with the earlier families known, any part that needs them.
//! A family too large to buffer is parsed on the calling thread as it streams in.

mod cut;
mod driver;

use std::io::Read;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::model::{Retention, Snapshot, Stats};

use super::merge::Merged;
use super::reader::{LineParser, Part};
use super::{Format, ParseError, ParseOptions, Parsed};

use driver::Driver;

/// A part to parse: its place in the input, its bytes, and (for the last one) whether the
/// input ended with a newline.
struct Job {
    index: usize,
    bytes: Vec<u8>,
    at_end: Option<bool>,
}

/// A parsed part, with its bytes back (for a second parse, then reuse).
struct Done {
    job: Job,
    part: Result<Part, ParseError>,
}

/// Parses `bytes` as one part; with `context`, as the continuation of the parts merged there
/// (their line count and families known).
fn parse_part(
    bytes: &[u8],
    at_end: Option<bool>,
    format: Format,
    retain: Option<Retention<'_>>,
    context: Option<&Merged>,
) -> Result<Part, ParseError> {
    let mut p = LineParser::new(format, retain);
    if let Some(m) = context {
        p.line = m.lines;
        p.v.declared = m.declared.clone();
    }
    p.block(bytes)?;
    p.finish_part(at_end)
}

fn worker(jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>, f: Format, r: Option<Retention<'_>>) {
    loop {
        // The lock is held only while waiting for the next job, not while parsing it.
        let job = match jobs.lock().map(|rx| rx.recv()) {
            Ok(Ok(job)) => job,
            _ => return,
        };
        let part = parse_part(&job.bytes, job.at_end, f, r, None);
        if done.send(Done { job, part }).is_err() {
            return;
        }
    }
}

/// Parses the rest of a text-format input of which `first` has been read.
pub(super) fn run<R: Read>(
    mut input: R,
    first: Vec<u8>,
    opts: &ParseOptions<'_>,
    format: Format,
    reason: Option<String>,
) -> Result<Parsed, ParseError> {
    let threads = opts.parallel.threads.max(1);
    let (job_tx, job_rx) = sync_channel::<Job>(threads);
    // Held by the workers only: when the last one ends, sending a job fails instead of
    // waiting for ever.
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = channel::<Done>();
    let mut d = Driver::new(opts, format, job_tx, done_rx);
    let total = std::thread::scope(|s| {
        for _ in 0..threads {
            let (jobs, done) = (Arc::clone(&job_rx), done_tx.clone());
            s.spawn(move || worker(&jobs, &done, format, opts.retain));
        }
        drop((done_tx, job_rx));
        let total = cut::split(&mut input, first, &mut d);
        // Whatever happened, no more jobs: the workers end and the scope can close.
        d.close();
        total
    })?;
    let m = d.merged;
    Ok(Parsed {
        snapshot: Snapshot {
            families: m.families,
            stats: Stats {
                lines: m.lines,
                bytes: total,
                families: m.stats,
                latest_timestamp: m.latest_timestamp,
            },
        },
        format,
        format_reason: reason,
        warnings: m.warnings,
        warnings_total: m.warnings_total,
    })
}
