//! Many URLs at once (`--targets-from`): reqwest's async client on tokio, with the same
//! headers, redirect policy, TLS trust and messages as a single URL, one deadline for each
//! whole request, and a bound on the bytes taken from each body. Parsing happens elsewhere,
//! on a small pool of threads, so a slow target never holds up the parser.
//!
//! The bodies held at once, arriving or waiting for the parser, share one byte [`Budget`]:
//! 64 targets of 30 MiB at `--concurrency 64` held 1.9 GiB before it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use futures_util::future::{select, Either};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

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
    /// How long the request took, less the time it waited for the byte budget.
    pub seconds: f64,
    /// The body's share of the budget, given back when this is dropped (after parsing).
    pub held: Held,
}

/// The bytes all fleet bodies may hold at once (their buffers' capacity, counted as they
/// grow). A body that finds it spent waits, its deadline paused; one body at a time may go
/// past it, so that bodies each holding part of the budget never wait on one another for
/// ever: the bound is this plus one body (`--max-bytes`).
pub const FLIGHT_LIMIT: usize = 128 << 20;

/// The fleet's byte budget.
#[derive(Clone)]
pub struct Budget {
    bytes: Arc<Semaphore>,
    lane: Arc<Semaphore>,
}

/// A body's share of the [`Budget`].
#[derive(Default)]
pub struct Held {
    bytes: Option<OwnedSemaphorePermit>,
    lane: Option<OwnedSemaphorePermit>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            bytes: Arc::new(Semaphore::new(FLIGHT_LIMIT)),
            lane: Arc::new(Semaphore::new(1)),
        }
    }
}

impl Budget {
    /// Adds `n` bytes to `held`, waiting while the budget is spent and another body is past
    /// it; returns how long it waited.
    async fn take(&self, held: &mut Held, n: usize) -> Duration {
        if held.lane.is_some() {
            return Duration::ZERO;
        }
        let started = Instant::now();
        let wanted = u32::try_from(n)
            .ok()
            .filter(|&k| k as usize <= FLIGHT_LIMIT);
        let got = match wanted {
            Some(k) => match self.bytes.clone().try_acquire_many_owned(k) {
                Ok(p) => Ok(p),
                Err(_) => {
                    let budget = Box::pin(self.bytes.clone().acquire_many_owned(k));
                    let lane = Box::pin(self.lane.clone().acquire_owned());
                    match select(budget, lane).await {
                        Either::Left((p, _)) => p.map_err(|_| None),
                        Either::Right((l, _)) => Err(l.ok()),
                    }
                }
            },
            // More than the whole budget: only the lane can take it.
            None => Err(self.lane.clone().acquire_owned().await.ok()),
        };
        match got {
            Ok(p) => match &mut held.bytes {
                Some(h) => h.merge(p),
                None => held.bytes = Some(p),
            },
            Err(lane) => held.lane = lane,
        }
        started.elapsed()
    }
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

/// GETs `url` within `o.timeout` (the whole request, body included, less the time spent
/// waiting for `budget`), keeping at most `max_bytes` of the body.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    o: &HttpOptions,
    max_bytes: u64,
    budget: &Budget,
) -> anyhow::Result<Fetched> {
    let shown = redact(url);
    let mut req = client.get(url);
    if let Some(t) = &o.bearer_token {
        req = req.bearer_auth(t);
    }
    if let Some((u, p)) = &o.basic_auth {
        req = req.basic_auth(u, Some(p));
    }
    let at = now();
    let started = Instant::now();
    let mut deadline = started + o.timeout;
    let late = || {
        anyhow!(
            "GET {shown}: no complete answer within {:?} (raise --timeout if the endpoint is slow)",
            o.timeout
        )
    };
    let fail = |e: reqwest::Error| {
        anyhow!(
            "GET {shown}: {} ({})",
            hint(&e, o, super::http::EXPORTER),
            root_cause(&e.without_url())
        )
    };
    let mut resp = tokio::time::timeout_at(deadline, req.send())
        .await
        .map_err(|_| late())?
        .map_err(fail)?;
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
    let mut held = Held::default();
    let mut waited = Duration::ZERO;
    loop {
        let next = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .map_err(|_| late())?;
        let Some(chunk) = next.map_err(fail)? else {
            break;
        };
        let len = body.len() + chunk.len();
        if len as u64 > max_bytes {
            anyhow::bail!("GET {shown}: the body is larger than {max_bytes} bytes (--max-bytes)");
        }
        if len > body.capacity() {
            // Grown by doubling, as Vec would, but never past --max-bytes; the budget is
            // charged the capacity, which is what the allocator holds.
            let want = (2 * body.capacity()).max(len).max(64 * 1024);
            let want = want.min(max_bytes as usize).max(len);
            let w = budget.take(&mut held, want - body.capacity()).await;
            waited += w;
            deadline += w;
            body.reserve_exact(want - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        body,
        content_type,
        encoding,
        at,
        seconds: (started.elapsed() - waited).as_secs_f64(),
        held,
    })
}
