//! Stage 1: where exposition bytes come from: a file, standard input, or an HTTP(S) URL.
//! Every source is streamed; nothing holds a whole body.

pub mod bounded;
pub mod concurrent;
mod file;
mod http;
pub mod json;
pub mod promapi;
pub mod record;
mod tls;
pub mod usage;
pub mod yaml;

use std::io::Read;
use std::path::PathBuf;
use std::time::SystemTime;

pub use http::{without_userinfo, HttpOptions};

use crate::detect::TimeSource;

/// A source named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file path.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// An `http://` or `https://` URL.
    Url(String),
}

/// An opened source: the byte stream plus what the transport said about it.
pub struct Opened {
    /// The body.
    pub reader: Box<dyn Read>,
    /// The Content-Type, for URLs (and pages saved by `promtune scrape`).
    pub content_type: Option<String>,
    /// When the exposition was taken, as well as the transport knows.
    pub time: Option<TimeSource>,
    /// How the body travelled (URLs), complete once the reader has reached its end.
    pub wire: Option<std::sync::Arc<std::sync::Mutex<Wire>>>,
}

/// How an HTTP body travelled: what a compression recommendation rests on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wire {
    /// The response's Content-Encoding (`gzip`), if any.
    pub encoding: Option<String>,
    /// Bytes on the wire (compressed, when it was).
    pub wire_bytes: u64,
    /// Bytes of the exposition itself.
    pub body_bytes: u64,
    /// The body gzipped here (default level), when it came uncompressed: the measured saving.
    /// Past 4 MiB, the first 4 MiB are gzipped and their ratio applied to the whole.
    pub gzipped_bytes: Option<u64>,
    /// Whether `gzipped_bytes` comes from the first 4 MiB only.
    pub gzip_sampled: bool,
    /// Whether the whole body was read (the figures are complete).
    pub complete: bool,
}

/// Seconds since the epoch, now.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A hint for an argument that looks like a URL without its scheme (`localhost:9100/metrics`,
/// `10.0.0.5:8080`): empty for anything else.
pub fn scheme_hint(arg: &str) -> String {
    let authority = arg.split('/').next().unwrap_or_default();
    let looks_like_host = match authority.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-[]:".contains(&b))
        }
        None => authority == "localhost",
    };
    if looks_like_host {
        format!(" (a URL needs its scheme: http://{arg})")
    } else {
        String::new()
    }
}

impl Source {
    /// Interprets a command-line argument.
    pub fn from_arg(arg: &str) -> Source {
        Source::from_os(std::ffi::OsStr::new(arg))
    }

    /// Interprets a command-line argument as the OS gave it: a file name that is not UTF-8
    /// is opened as it is, not as its lossy conversion.
    pub fn from_os(arg: &std::ffi::OsStr) -> Source {
        match arg.to_str() {
            Some("-") => Source::Stdin,
            Some(s) if s.starts_with("http://") || s.starts_with("https://") => {
                Source::Url(s.to_string())
            }
            _ => Source::File(PathBuf::from(arg)),
        }
    }

    /// The name used in messages (`SOURCE:LINE:COLUMN`).
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
            Source::Url(u) => http::redact(u),
        }
    }

    /// Opens the source for streaming.
    pub fn open(&self, http: &HttpOptions) -> anyhow::Result<Opened> {
        match self {
            Source::File(p) => file::open(p),
            // The time standard input is read says nothing of when its bytes were scraped
            // (`cat saved.prom | promtune analyze -`): unknown, unless --scraped-at or the
            // samples say.
            Source::Stdin => Ok(Opened {
                reader: Box::new(std::io::stdin().lock()),
                content_type: None,
                wire: None,
                time: None,
            }),
            Source::Url(u) => http::open(u, http),
        }
    }
}
