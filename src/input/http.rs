//! HTTP(S) sources: one GET with a timeout, content negotiation, gzip, and authentication
//! whose secrets come from files or the environment, never from argv, and never appear in
//! a message.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Context};
use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};

use super::{now, Opened};
use crate::detect::TimeSource;

/// Prefer OpenMetrics, accept the text format, as Prometheus itself asks.
const ACCEPT_VALUE: &str =
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

/// The URL with any `user:password@` removed, for messages.
pub(super) fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn client(o: &HttpOptions) -> anyhow::Result<Client> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_VALUE));
    for (k, v) in &o.headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .with_context(|| format!("invalid header name {k:?}"))?;
        let value =
            HeaderValue::from_str(v).map_err(|_| anyhow!("invalid value for header {k}"))?;
        headers.insert(name, value);
    }
    let mut b = Client::builder()
        .timeout(o.timeout)
        .connect_timeout(o.timeout)
        .default_headers(headers)
        .user_agent(concat!("promtune/", env!("CARGO_PKG_VERSION")));
    if let Some(ca) = &o.ca_file {
        let pem =
            std::fs::read(ca).with_context(|| format!("cannot read --ca-file {}", ca.display()))?;
        let cert = reqwest::Certificate::from_pem(&pem)
            .with_context(|| format!("{} is not a PEM certificate", ca.display()))?;
        b = b.add_root_certificate(cert);
    }
    b.build().context("cannot set up the HTTP client")
}

/// The innermost cause of an error, which names what actually went wrong.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A hint for the usual ways a scrape fails.
fn hint(e: &reqwest::Error, o: &HttpOptions) -> String {
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
        "connection refused: is the exporter listening on that host and port?".into()
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

/// Sends the GET and returns the body as a stream.
pub(super) fn open(url: &str, o: &HttpOptions) -> anyhow::Result<Opened> {
    let shown = redact(url);
    let client = client(o)?;
    let mut req = client.get(url);
    if let Some(t) = &o.bearer_token {
        req = req.bearer_auth(t);
    }
    if let Some((u, p)) = &o.basic_auth {
        req = req.basic_auth(u, Some(p));
    }
    let at = now();
    let resp = req.send().map_err(|e| {
        anyhow!(
            "GET {shown}: {} ({})",
            hint(&e, o),
            root_cause(&e.without_url())
        )
    })?;
    let status = resp.status();
    if !status.is_success() {
        let why = match status.as_u16() {
            401 | 403 => "check the credentials (--bearer-token-file, --basic-auth-user)",
            404 => "check the path (usually /metrics)",
            500..=599 => "the exporter failed to produce its metrics",
            _ => "expected 200",
        };
        anyhow::bail!("GET {shown}: HTTP {status}: {why}");
    }
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok(Opened {
        reader: Box::new(resp),
        content_type,
        time: Some(TimeSource {
            at,
            how: "the time of the HTTP request".into(),
        }),
    })
}
