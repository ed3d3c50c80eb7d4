//! Many URLs at once (`--targets-from`): reqwest's async client on tokio, with the same
//! headers, redirect policy, TLS trust and messages as a single URL, one deadline for each
//! whole request, and a bound on the bytes taken from each body. Parsing happens elsewhere,
//! on a small pool of threads, so a slow target never holds up the parser.

use anyhow::anyhow;

use super::http::{default_headers, hint, redact, redirects, root_cause};
use super::{now, HttpOptions};

/// A fetched body, still as it came (gzip is decoded while parsing, within the parser's
/// byte limit, so a gzip bomb never inflates in memory).
pub struct Fetched {
    /// The body's bytes on the wire.
    pub body: Vec<u8>,
    /// Content-Type.
    pub content_type: Option<String>,
    /// Content-Encoding other than identity.
    pub encoding: Option<String>,
    /// When the request was sent (unix seconds).
    pub at: f64,
}

/// An async client for one set of options (one job: its auth and CA).
pub fn client(o: &HttpOptions) -> anyhow::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(o.timeout)
        .no_gzip()
        .redirect(redirects(!o.headers.is_empty()))
        .referer(false)
        .default_headers(default_headers(o)?)
        .user_agent(concat!("promtune/", env!("CARGO_PKG_VERSION")));
    if let Some(ca) = &o.ca_file {
        let pem = super::bounded::read(ca, "--ca-file", super::bounded::CA_LIMIT)?;
        b = b.use_preconfigured_tls(super::tls::config(&pem, &ca.display().to_string())?);
    }
    b.build()
        .map_err(|e| anyhow!("cannot set up the HTTP client: {e}"))
}

/// GETs `url` within `o.timeout` (the whole request, body included), keeping at most
/// `max_bytes` of the body.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    o: &HttpOptions,
    max_bytes: u64,
) -> anyhow::Result<Fetched> {
    let shown = redact(url);
    match tokio::time::timeout(o.timeout, get(client, url, o, max_bytes, &shown)).await {
        Ok(r) => r,
        Err(_) => Err(anyhow!(
            "GET {shown}: no complete answer within {:?} (raise --timeout if the endpoint is slow)",
            o.timeout
        )),
    }
}

async fn get(
    client: &reqwest::Client,
    url: &str,
    o: &HttpOptions,
    max_bytes: u64,
    shown: &str,
) -> anyhow::Result<Fetched> {
    let mut req = client.get(url);
    if let Some(t) = &o.bearer_token {
        req = req.bearer_auth(t);
    }
    if let Some((u, p)) = &o.basic_auth {
        req = req.basic_auth(u, Some(p));
    }
    let at = now();
    let fail = |e: reqwest::Error| {
        anyhow!(
            "GET {shown}: {} ({})",
            hint(&e, o),
            root_cause(&e.without_url())
        )
    };
    let mut resp = req.send().await.map_err(fail)?;
    let status = resp.status();
    if !status.is_success() {
        let why = match status.as_u16() {
            401 | 403 => "check the credentials (basic_auth, authorization in the config)",
            404 => "check the path (metrics_path)",
            500..=599 => "the exporter failed to produce its metrics",
            _ => "expected 200",
        };
        anyhow::bail!("GET {shown}: HTTP {status}: {why}");
    }
    let header = |h: reqwest::header::HeaderName| {
        resp.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let encoding = header(reqwest::header::CONTENT_ENCODING)
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| v != "identity");
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(fail)? {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            anyhow::bail!("GET {shown}: the body is larger than {max_bytes} bytes (--max-bytes)");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        body,
        content_type,
        encoding,
        at,
    })
}
