//! HTTP(S) sources: one GET with a timeout, content negotiation, gzip, and authentication
//! whose secrets come from files or the environment, never from argv, and never appear in
//! a message.

use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use reqwest::blocking::Client;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE,
};

use super::{now, Opened, Wire};
use crate::detect::TimeSource;

/// Where a live scrape's time comes from, in reports.
pub(crate) const REQUEST_TIME: &str = "the time of the HTTP request";

/// Prefer OpenMetrics, accept the text format, as Prometheus itself asks.
pub(super) const ACCEPT_VALUE: &str =
    "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// How to fetch URLs.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Whole-request timeout, body included.
    pub timeout: Duration,
    /// Bearer token, already read from its file or the environment.
    pub bearer_token: Option<String>,
    /// Basic-auth user and password (the password from a file or the environment).
    pub basic_auth: Option<(String, String)>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Extra CA certificate (PEM).
    pub ca_file: Option<PathBuf>,
}

impl Default for HttpOptions {
    /// The `--timeout` default, 10s: a zero timeout would fail every request at once.
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            bearer_token: None,
            basic_auth: None,
            headers: Vec::new(),
            ca_file: None,
        }
    }
}

/// The URL with any `user:password@` removed, for messages. Done on the text, not on a
/// parsed URL: a URL that does not parse (a port of 99999, an unclosed `[`) must lose its
/// password too. Everything up to the last `@` before the query is taken for userinfo, so a
/// password with a `/` in it is still removed (at worst, part of a path with `@` goes too).
pub(super) fn redact(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return url.to_string();
    };
    let start = i + 3;
    let rest = &url[start..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// A target address (`user:password@host:port`, as a file_sd or static target may be
/// written) without its userinfo: what an `instance` shows, in every format.
pub fn without_userinfo(address: &str) -> String {
    match address.rfind('@') {
        Some(at) => address[at + 1..].to_string(),
        None => address.to_string(),
    }
}

/// Follows redirects (ten at most), but not to another origin while `--header` is set:
/// reqwest drops its own credentials there, not the user's headers (`X-Api-Key`,
/// `PRIVATE-TOKEN`), so the run stops rather than send them to another host.
pub(super) fn redirects(custom_headers: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            return attempt.error("more than 10 redirects");
        }
        let cross = attempt
            .previous()
            .last()
            .is_some_and(|p| p.origin() != attempt.url().origin());
        if cross && custom_headers {
            attempt.error(
                "redirected to another host or port; not followed while --header is set, so \
                 the headers are not sent there (give the final URL instead)",
            )
        } else {
            attempt.follow()
        }
    })
}

/// The headers every request carries: the exposition formats, gzip, and the user's own.
pub(super) fn default_headers(o: &HttpOptions) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_VALUE));
    // Decoded here rather than by reqwest, so that the Content-Encoding and the bytes on the
    // wire are known (reqwest drops both when it decodes).
    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
    for (k, v) in &o.headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .with_context(|| format!("invalid header name {k:?}"))?;
        let value =
            HeaderValue::from_str(v).map_err(|_| anyhow!("invalid value for header {k}"))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

fn client(o: &HttpOptions) -> anyhow::Result<Client> {
    let headers = default_headers(o)?;
    let mut b = Client::builder()
        .timeout(o.timeout)
        .connect_timeout(o.timeout)
        .no_gzip()
        .redirect(redirects(!o.headers.is_empty()))
        // A Referer would carry the first URL, query-string token and all, to the next host.
        .referer(false)
        .default_headers(headers)
        .user_agent(concat!("promtune/", env!("CARGO_PKG_VERSION")));
    if let Some(ca) = &o.ca_file {
        let pem = super::bounded::read(ca, "--ca-file", super::bounded::CA_LIMIT)?;
        b = b.use_preconfigured_tls(super::tls::config(&pem, &ca.display().to_string())?);
    }
    b.build().context("cannot set up the HTTP client")
}

/// The innermost cause of an error, which names what actually went wrong.
pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// What answers a scrape, in messages.
pub(super) const EXPORTER: &str = "the exporter";
/// What answers a `--prometheus` query.
pub(super) const SERVER: &str = "the server";

/// A hint for the usual ways a request fails; `peer` is what should have answered
/// ([`EXPORTER`] or [`SERVER`]).
pub(super) fn hint(e: &reqwest::Error, o: &HttpOptions, peer: &str) -> String {
    let mut chain = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        chain.push_str(&format!("{c:?} {c} "));
        cur = c.source();
    }
    if e.is_timeout() {
        format!(
            "no complete answer within {:?} (raise --timeout if the endpoint is slow)",
            o.timeout
        )
    } else if chain.contains("ConnectionRefused") || chain.contains("Connection refused") {
        format!("connection refused: is {peer} listening on that host and port?")
    } else if chain.contains("dns error") || chain.contains("failed to lookup") {
        "the host name does not resolve: check it".into()
    } else if [
        "certificate",
        "tls",
        "corrupt message",
        "handshake",
        "invalidcontenttype",
    ]
    .iter()
    .any(|w| chain.to_lowercase().contains(w))
    {
        "TLS handshake failed: is it an https endpoint with a certificate you trust (--ca-file)?"
            .into()
    } else if e.is_body() || e.is_decode() {
        "the body was cut off or could not be decoded".into()
    } else {
        "the request failed".into()
    }
}

/// An answer whose body is still to be read, within the request's deadline.
pub(super) struct Answer {
    /// The HTTP status.
    pub status: reqwest::StatusCode,
    /// The Content-Type, if any.
    pub content_type: Option<String>,
    /// The decoded body.
    pub body: Body,
    /// How the body travelled.
    pub wire: Arc<Mutex<Wire>>,
}

/// Sends a GET with `accept` (or the exposition formats) and `query` pairs. Errors name
/// the URL without its userinfo; secrets travel only in headers.
pub(super) fn get(
    url: &str,
    query: &[(&str, &str)],
    accept: Option<&str>,
    o: &HttpOptions,
) -> anyhow::Result<Answer> {
    let shown = redact(url);
    let client = client(o)?;
    let mut req = client.get(url);
    if !query.is_empty() {
        req = req.query(query);
    }
    if let Some(a) = accept {
        req = req.header(ACCEPT, a);
    }
    if let Some(t) = &o.bearer_token {
        req = req.bearer_auth(t);
    }
    if let Some((u, p)) = &o.basic_auth {
        req = req.basic_auth(u, Some(p));
    }
    let deadline = Instant::now() + o.timeout;
    let resp = req.send().map_err(|e| {
        anyhow!(
            "GET {shown}: {} ({})",
            // Only the HTTP API is asked for JSON.
            hint(&e, o, if accept.is_some() { SERVER } else { EXPORTER }),
            root_cause(&e.without_url())
        )
    })?;
    let header = |h| {
        resp.headers()
            .get(h)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(CONTENT_TYPE);
    let encoding = header(CONTENT_ENCODING)
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| v != "identity");
    let status = resp.status();
    let wire = Arc::new(Mutex::new(Wire {
        encoding: encoding.clone(),
        ..Wire::default()
    }));
    Ok(Answer {
        status,
        content_type,
        body: Body::start(resp, encoding, wire.clone(), deadline, o.timeout),
        wire,
    })
}

/// Sends the GET and returns the body as a stream.
pub(super) fn open(url: &str, o: &HttpOptions) -> anyhow::Result<Opened> {
    let shown = redact(url);
    let at = now();
    let a = get(url, &[], None, o)?;
    let status = a.status;
    if !status.is_success() {
        let why = match status.as_u16() {
            401 | 403 => "check the credentials (--bearer-token-file, --basic-auth-user)",
            404 => "check the path (usually /metrics)",
            500..=599 => "the exporter failed to produce its metrics",
            _ => "expected 200",
        };
        anyhow::bail!("GET {shown}: HTTP {status}: {why}");
    }
    Ok(Opened {
        wire: Some(a.wire),
        reader: Box::new(a.body),
        content_type: a.content_type,
        time: Some(TimeSource::observed(at, REQUEST_TIME)),
    })
}

/// The body, read on its own thread and handed over in chunks, so that the whole request
/// has one deadline: reqwest's timeout applies to each read, and a server that sends a
/// byte every half second would otherwise hold the run as long as it likes.
pub(super) struct Body {
    chunks: Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    deadline: Instant,
    timeout: Duration,
    done: bool,
}

/// The chain of an error's causes, for messages ("error decoding response body" alone says
/// nothing of what happened).
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.contains(&s) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// How much of an uncompressed body is gzipped to measure what compression would save.
const GZIP_SAMPLE: usize = 4 * 1024 * 1024;

/// Counts the bytes read through it: the wire size under a gzip decoder.
struct Counted<R> {
    inner: R,
    n: Arc<Mutex<Wire>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        if let Ok(mut w) = self.n.lock() {
            w.wire_bytes += k as u64;
        }
        Ok(k)
    }
}

/// Counts what is written to it, and keeps nothing: the size a gzip encoder produces.
#[derive(Default)]
struct Tally(u64);

impl std::io::Write for Tally {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Body {
    fn start(
        resp: reqwest::blocking::Response,
        encoding: Option<String>,
        wire: Arc<Mutex<Wire>>,
        deadline: Instant,
        timeout: Duration,
    ) -> Body {
        // A few chunks in flight: memory stays bounded whatever the server sends.
        let (tx, rx) = sync_channel(4);
        std::thread::spawn(move || {
            let counted = Counted {
                inner: resp,
                n: wire.clone(),
            };
            let gzip = encoding
                .as_deref()
                .is_some_and(|e| e == "gzip" || e == "x-gzip");
            let mut body: Box<dyn Read> = if gzip {
                Box::new(flate2::read::MultiGzDecoder::new(counted))
            } else {
                Box::new(counted)
            };
            // An uncompressed body is gzipped as it passes, to measure what compression would
            // save; nothing of it is kept.
            let mut sampled = 0usize;
            let mut estimate = (!gzip && encoding.is_none()).then(|| {
                flate2::write::GzEncoder::new(Tally::default(), flate2::Compression::default())
            });
            loop {
                let mut buf = vec![0u8; 64 * 1024];
                let sent = match body.read(&mut buf) {
                    Ok(n) => {
                        buf.truncate(n);
                        if let Ok(mut w) = wire.lock() {
                            w.body_bytes += n as u64;
                        }
                        // Only the first few MiB are gzipped: the ratio is what matters, and
                        // a 500 MB body must not pay for a full compression.
                        if let Some(e) = estimate.as_mut().filter(|_| sampled < GZIP_SAMPLE) {
                            let take = buf.len().min(GZIP_SAMPLE - sampled);
                            let _ = std::io::Write::write_all(e, &buf[..take]);
                            sampled += take;
                        }
                        let end = n == 0;
                        if end {
                            let gz = estimate.take().and_then(|e| e.finish().ok()).map(|t| t.0);
                            if let Ok(mut w) = wire.lock() {
                                w.gzipped_bytes = gz.filter(|_| sampled > 0).map(|g| {
                                    (g as f64 * w.body_bytes as f64 / sampled as f64).round() as u64
                                });
                                w.gzip_sampled = sampled < w.body_bytes as usize;
                                w.complete = true;
                            }
                        }
                        tx.send(Ok(buf)).is_ok() && !end
                    }
                    Err(e) => {
                        let why = format!(
                            "the body was cut off or could not be decoded: {}",
                            causes(&e)
                        );
                        let _ = tx.send(Err(std::io::Error::new(e.kind(), why)));
                        false
                    }
                };
                if !sent {
                    break;
                }
            }
        });
        Body {
            chunks: rx,
            chunk: Vec::new(),
            at: 0,
            deadline,
            timeout,
            done: false,
        }
    }
}

impl Read for Body {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(Ok(chunk)) if chunk.is_empty() => self.done = true,
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "no complete answer within {:?}: the body was still arriving (raise --timeout if the endpoint is slow)",
                            self.timeout
                        ),
                    ))
                }
                Err(RecvTimeoutError::Disconnected) => self.done = true,
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
