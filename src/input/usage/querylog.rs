//! Prometheus query logs as usage: the JSON lines `query_log_file` writes, one query each in
//! `params.query`. Read as a stream, one bounded line at a time, since a log grows without
//! end; a query seen before is counted but not parsed again.

use std::collections::HashSet;
use std::io::{BufRead, Read};

use serde::Deserialize;

use super::Usage;

/// The longest line read: a query (at most [`super::QUERY_LIMIT`] to be parsed) and its
/// statistics fit many times over.
pub(super) const LINE_LIMIT: u64 = 1024 * 1024;
/// Distinct queries remembered to skip repeats; past it, repeats are parsed again.
const SEEN_LIMIT: usize = 100_000;

#[derive(Deserialize)]
struct Entry {
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    query: Option<String>,
}

/// Whether `line` is a query log entry (a JSON object with `params`).
pub(crate) fn is_entry(line: &str) -> bool {
    serde_json::from_str::<Entry>(line).is_ok_and(|e| e.params.is_some())
}

impl Usage {
    /// Reads a query log from `reader`; `origin` names it (uses are `origin:line`). Returns
    /// the queries read; a line that is not a log entry is an error naming `origin:line:column`.
    pub fn add_query_log(&mut self, origin: &str, reader: impl Read) -> anyhow::Result<u64> {
        let mut reader = std::io::BufReader::new(reader);
        let mut seen: HashSet<String> = HashSet::new();
        let mut line = Vec::new();
        let mut n = 0u64;
        let mut number = 0u64;
        loop {
            line.clear();
            number += 1;
            let got = (&mut reader)
                .take(LINE_LIMIT + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| anyhow::anyhow!("{origin}:{number}: cannot read: {e}"))?;
            if got == 0 {
                break;
            }
            if line.len() as u64 > LINE_LIMIT {
                anyhow::bail!("{origin}:{number}: a line longer than {LINE_LIMIT} bytes");
            }
            let text = std::str::from_utf8(&line)
                .map_err(|e| anyhow::anyhow!("{origin}:{number}: not UTF-8: {e}"))?;
            if text.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(text).map_err(|e| {
                anyhow::anyhow!(
                    "{origin}:{number}:{}: not a query log entry: {e}",
                    e.column()
                )
            })?;
            let Some(query) = entry.params.and_then(|p| p.query) else {
                continue;
            };
            n += 1;
            if seen.contains(&query) {
                continue;
            }
            let at = || {
                // The query's string, after `"params"`: serde gives no places in a value.
                let params = text.find("\"params\"")?;
                let key = params + text[params..].find("\"query\"")? + "\"query\"".len();
                let value = text[key..].trim_start().strip_prefix(':')?.trim_start();
                let value = value.strip_prefix('"')?;
                let offset = text.len() - value.len();
                let column = text[..offset].chars().count() + 1;
                Some(format!("{origin}:{number}:{column}"))
            };
            self.query(&format!("{origin}:{number}"), &query, &at);
            if seen.len() < SEEN_LIMIT {
                seen.insert(query);
            }
        }
        self.count(origin, super::SourceKind::QueryLog, n);
        Ok(n)
    }
}
