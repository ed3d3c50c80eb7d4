//! A thin client of the Prometheus HTTP API (`/api/v1/…`) as Prometheus, VictoriaMetrics,
//! Thanos and Mimir answer it. Every field a server may leave out is optional, answers are
//! read within the request's deadline and a size bound, and `warnings` are kept for the report.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

mod decode;
mod status;

use anyhow::{anyhow, bail, Context as _};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;

use super::http::{self, redact};
use super::HttpOptions;
use decode::{Element, Name, QueryData, TargetsData};
pub use status::{MimirLabel, NameStats, RuleQuery, TsdbStatus};

/// An answer that is not a success, kept whole so that a caller can tell an endpoint the
/// server lacks (a 404, VictoriaMetrics's 400 `unsupported path`) from a real failure.
#[derive(Debug)]
pub struct HttpStatus {
    /// The HTTP status code.
    pub code: u16,
    /// The message as shown: `GET URL: HTTP 404 Not Found: …`.
    pub message: String,
}

impl std::fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HttpStatus {}

/// An answer stopped at the series bound its caller set ([`Api::instant_at_most`]).
#[derive(Debug)]
struct PastBound;

impl std::fmt::Display for PastBound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer holds more series than asked for")
    }
}

impl std::error::Error for PastBound {}

/// The largest answer read: 1,000 targets × a few series fit in a few MiB.
pub const ANSWER_LIMIT: u64 = 256 * 1024 * 1024;

/// One series of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Its labels, `__name__` included when the query kept it.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// One series of a range query: `(unix seconds, value)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its points, oldest first.
    pub points: Vec<(f64, f64)>,
}

/// One scrape target the server reports (`/api/v1/targets`).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its `job` label.
    pub job: String,
    /// Its `instance` label.
    pub instance: String,
    /// Its scrape interval in seconds, when the server says (Prometheus 2.32+).
    pub interval: Option<f64>,
    /// Its scrape timeout in seconds, when the server says.
    pub timeout: Option<f64>,
}

/// The envelope of every answer, its `data` typed by the endpoint.
#[derive(Debug, Deserialize)]
struct Envelope<D> {
    status: Option<String>,
    data: Option<D>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// A Prometheus-compatible server.
pub struct Api {
    base: String,
    opts: HttpOptions,
    /// Warnings the server attached to its answers (Thanos partial responses), deduplicated.
    pub warnings: RefCell<Vec<String>>,
    /// Requests sent.
    pub requests: std::cell::Cell<u64>,
}

/// A duration as Prometheus writes it in `/api/v1/targets` (`15s`, `1m30s`).
fn seconds(v: Option<&str>) -> Option<f64> {
    humantime::parse_duration(v?).ok().map(|d| d.as_secs_f64())
}

impl Api {
    /// A client for the server at `base` (a path prefix allowed: `http://mimir/prometheus`);
    /// `tenant` is sent as `X-Scope-OrgID`.
    pub fn new(base: &str, opts: &HttpOptions, tenant: Option<&str>) -> Api {
        let mut opts = opts.clone();
        if let Some(t) = tenant {
            opts.headers.push(("X-Scope-OrgID".into(), t.into()));
        }
        Api {
            base: base.trim_end_matches('/').to_string(),
            opts,
            warnings: RefCell::new(Vec::new()),
            requests: std::cell::Cell::new(0),
        }
    }

    /// The base URL as messages show it (no userinfo).
    pub fn shown(&self) -> String {
        redact(&self.base)
    }

    /// GETs `/api/v1/<path>` and decodes its `data` as it arrives.
    fn call<D: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<D> {
        self.call_within(path, query, u64::MAX)
    }

    /// [`Api::call`], stopped with [`PastBound`] past `series` series.
    fn call_within<D: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        series: u64,
    ) -> anyhow::Result<D> {
        let url = format!("{}/api/v1/{path}", self.base);
        let shown = redact(&url);
        self.requests.set(self.requests.get() + 1);
        let a = http::get(&url, query, Some("application/json"), &self.opts)?;
        let mut body = BufReader::with_capacity(64 * 1024, a.body.take(ANSWER_LIMIT + 1));
        let head = body.fill_buf().with_context(|| format!("GET {shown}"))?;
        let html = a
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("text/html"))
            || head.trim_ascii_start().starts_with(b"<");
        if html {
            bail!(
                "GET {shown}: HTTP {}: the server answered with an HTML page, not the Prometheus API: \
                 check the URL's path prefix (Mimir: http://HOST/prometheus; VictoriaMetrics \
                 cluster: http://HOST/select/0/prometheus)",
                a.status
            );
        }
        if !a.status.is_success() {
            // An error answer is small: read it whole, to quote it.
            let mut text = Vec::new();
            let _ = (&mut body).take(64 * 1024).read_to_end(&mut text);
            let what = match serde_json::from_slice::<Envelope<IgnoredAny>>(&text) {
                Ok(env) => format!(
                    "{}{}",
                    env.error_type.map(|t| format!("{t}: ")).unwrap_or_default(),
                    env.error.unwrap_or_else(|| "no error message".into())
                ),
                Err(_) => {
                    let first: String = String::from_utf8_lossy(&text)
                        .trim()
                        .chars()
                        .take(200)
                        .collect();
                    if first.is_empty() {
                        "an empty answer, not the Prometheus API's JSON".to_string()
                    } else {
                        format!("not the Prometheus API's JSON: {first}")
                    }
                }
            };
            return Err(HttpStatus {
                code: a.status.as_u16(),
                message: format!("GET {shown}: HTTP {}: {what}", a.status),
            }
            .into());
        }
        decode::reset(series);
        let decoded = serde_json::from_reader(&mut body);
        let spent = decode::spent();
        let env: Envelope<D> = match decoded {
            Ok(e) => e,
            Err(_) if decode::past_series() => return Err(PastBound.into()),
            Err(_) if spent.bytes > decode::DECODED_LIMIT => bail!(
                "GET {shown}: the answer decodes to more than {} MiB, the limit for one answer \
                 ({} series and {} points read when it was stopped); narrow the fleet with \
                 --job or --match, or shorten --range",
                decode::DECODED_LIMIT >> 20,
                spent.series,
                spent.points
            ),
            Err(_) if body.get_ref().limit() == 0 => bail!(
                "GET {shown}: the answer is larger than {} MiB; narrow the fleet with --job or --match",
                ANSWER_LIMIT >> 20
            ),
            Err(e) if e.is_io() => bail!("GET {shown}: {e}"),
            Err(e) => bail!(
                "GET {shown}: HTTP {}: not the Prometheus API's JSON ({e})",
                a.status
            ),
        };
        if env.status.as_deref() != Some("success") {
            let what = env.error.unwrap_or_else(|| "no error message".into());
            let kind = env.error_type.map(|t| format!("{t}: ")).unwrap_or_default();
            bail!("GET {shown}: HTTP {}: {kind}{what}", a.status);
        }
        let mut w = self.warnings.borrow_mut();
        for x in env.warnings {
            if !w.contains(&x) {
                w.push(x);
            }
        }
        env.data
            .ok_or_else(|| anyhow!("GET {shown}: a successful answer with no data"))
    }

    /// An instant query at `time` (unix seconds); a scalar comes back as one unlabelled sample.
    pub fn instant(&self, query: &str, time: f64) -> anyhow::Result<Vec<Sample>> {
        self.instant_within(query, time, u64::MAX)
    }

    /// [`Api::instant`] while its answer holds at most `series` series; `None` past them
    /// (the rest of the answer is not read).
    pub fn instant_at_most(
        &self,
        query: &str,
        time: f64,
        series: u64,
    ) -> anyhow::Result<Option<Vec<Sample>>> {
        match self.instant_within(query, time, series) {
            Err(e) if e.downcast_ref::<PastBound>().is_some() => Ok(None),
            r => r.map(Some),
        }
    }

    fn instant_within(&self, query: &str, time: f64, series: u64) -> anyhow::Result<Vec<Sample>> {
        let t = format!("{time:.3}");
        let data: QueryData = self
            .call_within("query", &[("query", query), ("time", &t)], series)
            .with_context(|| format!("query {query}"))?;
        match data.result_type.as_deref() {
            Some("vector") => Ok(data
                .result
                .into_iter()
                .filter_map(|e| match e {
                    Element::Series(s) => Some(Sample {
                        value: s.value?.1,
                        labels: s.metric,
                    }),
                    Element::Part(_) => None,
                })
                .collect()),
            Some("scalar") => Ok(data
                .result
                .get(1)
                .and_then(|e| match e {
                    Element::Part(n) => *n,
                    Element::Series(_) => None,
                })
                .map(|value| Sample {
                    labels: BTreeMap::new(),
                    value,
                })
                .into_iter()
                .collect()),
            other => bail!("query {query}: expected a vector, got {other:?}"),
        }
    }

    /// The raw samples of a range-vector selector at `time` (`up[10m]`): a matrix.
    pub fn raw(&self, query: &str, time: f64) -> anyhow::Result<Vec<Series>> {
        let t = format!("{time:.3}");
        let data: QueryData = self
            .call("query", &[("query", query), ("time", &t)])
            .with_context(|| format!("query {query}"))?;
        Ok(matrix(data))
    }

    /// A range query from `start` to `end` every `step` seconds.
    pub fn range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> anyhow::Result<Vec<Series>> {
        let (s, e, st) = (
            format!("{start:.3}"),
            format!("{end:.3}"),
            format!("{step:.3}"),
        );
        let data: QueryData = self
            .call(
                "query_range",
                &[("query", query), ("start", &s), ("end", &e), ("step", &st)],
            )
            .with_context(|| format!("query_range {query}"))?;
        Ok(matrix(data))
    }

    /// The values of `label` on series matching `selector` between `start` and `end`.
    pub fn label_values(
        &self,
        label: &str,
        selector: &str,
        start: f64,
        end: f64,
    ) -> anyhow::Result<Vec<String>> {
        let (s, e) = (format!("{start:.3}"), format!("{end:.3}"));
        let names: Vec<Name> = self.call(
            &format!("label/{label}/values"),
            &[("match[]", selector), ("start", &s), ("end", &e)],
        )?;
        let mut v: Vec<String> = names.into_iter().map(|n| n.0).collect();
        v.sort();
        Ok(v)
    }

    /// The active scrape targets, or `None` when the server has no such endpoint (Mimir,
    /// Thanos Query) or scrapes nothing itself.
    pub fn targets(&self) -> Option<Vec<Target>> {
        let data: TargetsData = self.call("targets", &[("state", "active")]).ok()?;
        Some(
            data.active
                .into_iter()
                .filter_map(|t| {
                    let mut l = t.labels.0;
                    Some(Target {
                        job: l.remove("job")?,
                        instance: l.remove("instance").unwrap_or_default(),
                        interval: seconds(t.interval.as_deref()),
                        timeout: seconds(t.timeout.as_deref()),
                    })
                })
                .collect(),
        )
    }
}

fn matrix(data: QueryData) -> Vec<Series> {
    data.result
        .into_iter()
        .filter_map(|e| match e {
            Element::Series(s) => Some(Series {
                labels: s.metric,
                points: s.values,
            }),
            Element::Part(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_and_durations() {
        assert_eq!(seconds(Some("1m30s")), Some(90.0));
        let m: QueryData = serde_json::from_str(
            r#"{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[10,"1"],[25.5,"2"]]}]}"#,
        )
        .unwrap();
        let s = matrix(m);
        assert_eq!(s[0].labels["job"], "a");
        assert_eq!(s[0].points, vec![(10.0, 1.0), (25.5, 2.0)]);
        // A vector's series and a scalar's parts, told apart by their shape.
        let v: QueryData = serde_json::from_str(
            r#"{"resultType":"vector","result":[{"metric":{"job":"b"},"value":[7,"0.25"]}]}"#,
        )
        .unwrap();
        match &v.result[..] {
            [Element::Series(s)] => {
                assert_eq!(s.metric["job"], "b");
                assert_eq!(s.value.map(|v| v.1), Some(0.25));
            }
            other => panic!("{other:?}"),
        }
        let v: QueryData =
            serde_json::from_str(r#"{"resultType":"scalar","result":[7.5,"3"]}"#).unwrap();
        match &v.result[..] {
            [Element::Part(t), Element::Part(n)] => {
                assert_eq!((*t, *n), (Some(7.5), Some(3.0)));
            }
            other => panic!("{other:?}"),
        }
    }
}
