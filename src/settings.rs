//! The step between the command line and the stages: flags become domain values (HTTP
//! options with their secrets read, the scrape time, the target address). Nothing here prints.

use std::path::Path;

use anyhow::anyhow;

use crate::cli::HttpArgs;
use crate::detect::TimeSource;
use crate::input::{bounded, HttpOptions, Source};

/// A secret from a file (trailing newline removed) or, failing that, an environment variable.
fn secret(file: Option<&Path>, env: &str, what: &str) -> anyhow::Result<Option<String>> {
    if let Some(f) = file {
        let s = bounded::read_text(f, &format!("the {what} file"), bounded::SECRET_LIMIT)?;
        return Ok(Some(s.trim_end_matches(['\r', '\n']).to_string()));
    }
    Ok(std::env::var(env).ok().filter(|s| !s.is_empty()))
}

/// HTTP options from the flags.
pub fn http_options(a: &HttpArgs) -> anyhow::Result<HttpOptions> {
    let timeout = humantime::parse_duration(&a.timeout).map_err(|e| {
        anyhow!(
            "--timeout {:?}: {e} (expected a duration such as 3s)",
            a.timeout
        )
    })?;
    // Past a day no scrape is waiting for anything; far past it, deadlines overflow.
    if timeout.is_zero() || timeout > std::time::Duration::from_secs(86_400) {
        return Err(anyhow!(
            "--timeout {:?}: must be more than 0s and at most 24h",
            a.timeout
        ));
    }
    let bearer_token = secret(
        a.bearer_token_file.as_deref(),
        "PROMTUNE_BEARER_TOKEN",
        "bearer token",
    )?;
    let basic_auth = match &a.basic_auth_user {
        Some(user) => {
            let pw = secret(a.basic_auth_password_file.as_deref(), "PROMTUNE_BASIC_AUTH_PASSWORD", "password")?
                .ok_or_else(|| anyhow!("--basic-auth-user needs --basic-auth-password-file or PROMTUNE_BASIC_AUTH_PASSWORD"))?;
            Some((user.clone(), pw))
        }
        None => None,
    };
    let headers = a
        .headers
        .iter()
        .map(|h| {
            // Never echo the argument: its value is often a credential.
            h.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| {
                    anyhow!("--header: expected 'Name: value' (a colon after the name); the value is not shown")
                })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(HttpOptions {
        timeout,
        bearer_token,
        basic_auth,
        headers,
        ca_file: a.ca_file.clone(),
    })
}

/// The last second of 9999-12-31: past it, no time in a flag makes sense, and RFC 3339
/// cannot write it.
const LAST_TIME: f64 = 253_402_300_799.0;

/// A time given as `flag`: RFC 3339 (UTC) or unix seconds (finite, 1970 to 9999).
fn time_arg(flag: &str, text: &str) -> anyhow::Result<f64> {
    Ok(match crate::threshold::finite(text) {
        Some(v) if (0.0..=LAST_TIME).contains(&v) => v,
        _ => humantime::parse_rfc3339_weak(text)
            .map_err(|e| anyhow!("{flag} {text:?}: {e} (expected RFC 3339 such as 2026-11-27T10:00:00Z, or unix seconds)"))?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
    })
}

/// `--scraped-at`: RFC 3339 (UTC) or unix seconds.
pub fn scraped_at(text: &str) -> anyhow::Result<TimeSource> {
    Ok(TimeSource::given(
        time_arg("--scraped-at", text)?,
        "--scraped-at",
    ))
}

/// Where the analysed target lives: `(host:port, metrics path, scheme)`. A URL source says;
/// otherwise `--target`, else the guide's `localhost:8000`.
pub fn target(source: &Source, flag: Option<&str>) -> (String, String, String) {
    if let (Source::Url(u), None) = (source, flag) {
        if let Ok(url) = reqwest::Url::parse(u) {
            let host = url.host_str().unwrap_or("localhost");
            let port = url.port_or_known_default().unwrap_or(80);
            let path = if url.path().is_empty() {
                "/metrics"
            } else {
                url.path()
            };
            return (
                format!("{host}:{port}"),
                path.to_string(),
                url.scheme().to_string(),
            );
        }
    }
    (
        flag.unwrap_or("localhost:8000").to_string(),
        "/metrics".into(),
        "http".into(),
    )
}

/// The server-mode query from the command line: `--range`, `--at` (default now), the jobs,
/// `--match` and `--tenant`.
pub fn range_query(
    run: &crate::cli::RunArgs,
    url: &str,
    jobs: &[String],
) -> anyhow::Result<crate::server::RangeQuery> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("--prometheus {url:?}: expected an http:// or https:// URL");
    }
    let range = humantime::parse_duration(&run.range)
        .map_err(|e| {
            anyhow::anyhow!(
                "--range {:?}: {e} (expected a duration such as 1h)",
                run.range
            )
        })?
        .as_secs_f64();
    if range < 1.0 {
        anyhow::bail!("--range {:?}: must be at least 1s", run.range);
    }
    let at = match &run.at {
        Some(t) => time_arg("--at", t)?,
        None => crate::input::now(),
    };
    Ok(crate::server::RangeQuery {
        url: url.to_string(),
        range,
        at,
        jobs: jobs.to_vec(),
        matcher: run.matcher.clone(),
        tenant: run.tenant.clone(),
        max_bytes: run.input.max_bytes,
    })
}
