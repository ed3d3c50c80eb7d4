//! `--usage`: loaded once for the run, and summed up in one line on stderr (queries read per
//! source, and the first that could not be parsed), so a user sees what was understood.

use std::path::PathBuf;

use super::say;
use crate::input::usage::{self, Usage};
use crate::plural;

/// Sources and unparsed queries named in the summary line; the rest are counted.
const SHOWN: usize = 3;

/// The usage the paths give (`None` without any), its summary said on stderr.
pub(super) fn load(paths: &[PathBuf]) -> anyhow::Result<Option<Usage>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let u = usage::load(paths)?;
    say(summary(&u));
    Ok(Some(u))
}

/// `usage: 12 queries from 3 sources (a.yml 4, b.json 7, c.log 1); 1 not parsed, …`.
fn summary(u: &Usage) -> String {
    let mut sources: Vec<String> = u
        .sources
        .iter()
        .take(SHOWN)
        .map(|s| format!("{} {}", s.path, s.queries))
        .collect();
    if u.sources.len() > SHOWN {
        sources.push(format!("{} more", u.sources.len() - SHOWN));
    }
    let mut line = format!(
        "usage: {} from {} ({})",
        plural::of(u.queries() as f64, "query", "queries"),
        plural::n(u.sources.len() as u64, "source"),
        sources.join(", ")
    );
    if !u.skipped.is_empty() {
        let shown: Vec<&str> = u.skipped.iter().take(SHOWN).map(String::as_str).collect();
        let more = u.skipped.len().saturating_sub(SHOWN);
        line.push_str(&format!(
            "; skipped {} neither rules, a dashboard nor a query log: {}{}",
            plural::n(u.skipped.len() as u64, "file"),
            shown.join(", "),
            if more > 0 {
                format!(", {more} more")
            } else {
                String::new()
            }
        ));
    }
    let unparsed = u.unparsed.len() as u64 + u.unparsed_more;
    if unparsed > 0 {
        let first: Vec<String> = u
            .unparsed
            .iter()
            .take(SHOWN)
            .map(|x| format!("{}: {}", x.origin, x.error))
            .collect();
        let more = unparsed.saturating_sub(first.len() as u64);
        line.push_str(&format!(
            "; {} not understood, every name in them counted as used with all labels: {}{}",
            plural::of(unparsed as f64, "query", "queries"),
            first.join("; "),
            if more > 0 {
                format!("; {more} more")
            } else {
                String::new()
            }
        ));
    }
    line
}
