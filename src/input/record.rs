//! The record `promtune scrape URL -o FILE` writes beside a saved page, `FILE.promtune.json`:
//! when the page was fetched and what Content-Type it came with. The page itself stays the
//! exact bytes served (after any gzip transfer encoding), so `cat`, `promtool check metrics`
//! and `git diff` read it as they would any exposition. The record names the page's size and
//! SHA-256: a page changed after it was saved (a new `curl`, an edit) no longer matches its
//! record, and the run stops rather than date it with a time that is not its own.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};

use super::json::Text;
use crate::detect::{rfc3339, TimeSource};

/// What a record file is named after its page.
pub const SUFFIX: &str = ".promtune.json";

/// The record format's version: the first field, so a later promtune knows what it reads.
const VERSION: u32 = 1;

/// A record's largest size: a few hundred bytes are written.
const LIMIT: u64 = 64 * 1024;

/// The record of one saved page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`VERSION`].
    pub promtune_scrape: u32,
    /// The URL fetched, without userinfo.
    pub url: String,
    /// When the request was sent, RFC 3339 UTC with milliseconds.
    pub scraped_at: String,
    /// The answer's Content-Type, if it had one.
    pub content_type: Option<String>,
    /// The page's size in bytes.
    pub bytes: u64,
    /// The page's SHA-256, lowercase hex (as `sha256sum` prints it).
    pub sha256: String,
}

/// The fields read back, each within [`super::json`]'s caps.
#[derive(Deserialize)]
struct Saved {
    promtune_scrape: u32,
    scraped_at: Text,
    content_type: Option<Text>,
    bytes: u64,
    sha256: Text,
}

/// `FILE.promtune.json` for `FILE`.
pub fn path_of(page: &Path) -> PathBuf {
    let mut name = page.as_os_str().to_os_string();
    name.push(SUFFIX);
    PathBuf::from(name)
}

/// A digest in lowercase hex.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The record of `page`, fetched from `url` at `at` (seconds since the epoch).
pub fn describe(page: &[u8], url: &str, at: f64, content_type: Option<String>) -> Record {
    Record {
        promtune_scrape: VERSION,
        url: super::http::redact(url),
        scraped_at: rfc3339(at),
        content_type,
        bytes: page.len() as u64,
        sha256: hex(ring::digest::digest(&ring::digest::SHA256, page).as_ref()),
    }
}

/// Fetches `url` as `analyze` would (same Accept, gzip, authentication, timeout) and keeps
/// the body whole, up to `max_bytes`: the page to save and its record.
pub fn fetch(
    url: &str,
    http: &super::HttpOptions,
    max_bytes: u64,
) -> anyhow::Result<(Vec<u8>, Record)> {
    let opened = super::http::open(url, http)?;
    let at = opened.time.as_ref().map_or_else(super::now, |t| t.at);
    let mut page = Vec::new();
    opened
        .reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut page)
        .map_err(|e| anyhow!("GET {}: {e}", super::http::redact(url)))?;
    if page.len() as u64 > max_bytes {
        bail!(
            "GET {}: the body is larger than --max-bytes ({max_bytes} bytes)",
            super::http::redact(url)
        );
    }
    let record = describe(&page, url, at, opened.content_type);
    Ok((page, record))
}

/// The record as written: pretty JSON, one field a line, so `git diff` shows what changed.
pub fn to_json(r: &Record) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

/// The SHA-256 of the file at `path`, read in chunks.
fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut cx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        cx.update(&buf[..n]);
    }
    Ok(hex(cx.finish().as_ref()))
}

/// The time and Content-Type the record beside `page` gives, when there is one; an error
/// when it is unreadable or describes other bytes.
pub fn read_beside(page: &Path, len: u64) -> anyhow::Result<Option<(TimeSource, Option<String>)>> {
    let path = path_of(page);
    if !path.is_file() {
        return Ok(None);
    }
    let shown = path.display();
    let text = super::bounded::read_text(&path, "the scrape record", LIMIT)?;
    let saved: Saved = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{shown}: not a promtune scrape record: {e}"))?;
    if saved.promtune_scrape != VERSION {
        bail!(
            "{shown}: a scrape record of version {} (this promtune reads version {VERSION})",
            saved.promtune_scrape
        );
    }
    let stale = || {
        anyhow!(
            "{shown} does not describe {} as it is now (its size or SHA-256 differs): the page \
             changed after `promtune scrape` saved it. Save it again, or delete the record and \
             give --scraped-at",
            page.display()
        )
    };
    if saved.bytes != len {
        return Err(stale());
    }
    let digest = sha256_of(page).map_err(|e| anyhow!("cannot read {}: {e}", page.display()))?;
    if !digest.eq_ignore_ascii_case(&saved.sha256.0) {
        return Err(stale());
    }
    let at = humantime::parse_rfc3339_weak(&saved.scraped_at.0)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .ok_or_else(|| {
            anyhow!(
                "{shown}: scraped_at {:?} is not an RFC 3339 time",
                saved.scraped_at.0
            )
        })?
        .as_secs_f64();
    let how = format!("the time recorded in {shown}");
    Ok(Some((
        TimeSource::observed(at, how),
        saved.content_type.map(|t| t.0),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_refuses_a_changed_page() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("app.prom");
        let body = b"up 1\n";
        std::fs::write(&page, body).unwrap();
        assert!(read_beside(&page, 5).unwrap().is_none());
        let r = describe(
            body,
            "http://u:p@h:1/metrics",
            1.5e9,
            Some("text/plain".into()),
        );
        assert_eq!(r.url, "http://h:1/metrics");
        // `printf 'up 1\n' | sha256sum`
        assert_eq!(
            r.sha256,
            "3936cbd730a0b58fd701548768ae10ab6d5e70919488e0c55fea80d61518ac7e"
        );
        std::fs::write(path_of(&page), to_json(&r)).unwrap();
        let (t, ct) = read_beside(&page, 5).unwrap().unwrap();
        assert_eq!(
            (t.at, t.given, ct.as_deref()),
            (1.5e9, false, Some("text/plain"))
        );
        std::fs::write(&page, b"up 2\n").unwrap();
        let e = read_beside(&page, 5).unwrap_err().to_string();
        assert!(e.contains("does not describe"), "{e}");
    }
}
