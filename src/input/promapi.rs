//! A thin client of the Prometheus HTTP API (`/api/v1/…`) as Prometheus, VictoriaMetrics,
//! Thanos and Mimir answer it. Every field a server may leave out is optional, answers are
//! read within the request's deadline and a size bound, and `warnings` are kept for the report.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;
use serde_json::Value;

use super::http::{self, redact};
use super::HttpOptions;

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

/// The envelope of every answer.
#[derive(Debug, Deserialize)]
struct Envelope {
    status: Option<String>,
    data: Option<Value>,
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

/// A value as the API writes it: a string (`"1.5"`, `"NaN"`, `"+Inf"`), or a bare number.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => match s.as_str() {
            "+Inf" | "Inf" => Some(f64::INFINITY),
            "-Inf" => Some(f64::NEG_INFINITY),
            "NaN" => Some(f64::NAN),
            other => other.parse().ok(),
        },
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn labels(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A duration as Prometheus writes it in `/api/v1/targets` (`15s`, `1m30s`).
fn seconds(v: Option<&Value>) -> Option<f64> {
    humantime::parse_duration(v?.as_str()?)
        .ok()
        .map(|d| d.as_secs_f64())
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

    /// GETs `/api/v1/<path>` and returns its `data`.
    fn call(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<Value> {
        let url = format!("{}/api/v1/{path}", self.base);
        let shown = redact(&url);
        self.requests.set(self.requests.get() + 1);
        let a = http::get(&url, query, Some("application/json"), &self.opts)?;
        let mut text = Vec::new();
        a.body
            .take(ANSWER_LIMIT + 1)
            .read_to_end(&mut text)
            .with_context(|| format!("GET {shown}"))?;
        if text.len() as u64 > ANSWER_LIMIT {
            bail!(
                "GET {shown}: the answer is larger than {} MiB; narrow the fleet with --job or --match",
                ANSWER_LIMIT >> 20
            );
        }
        let html = a
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("text/html"))
            || text.trim_ascii_start().starts_with(b"<");
        if html {
            bail!(
                "GET {shown}: HTTP {}: the server answered with an HTML page, not the Prometheus API: \
                 check the URL's path prefix (Mimir: http://HOST/prometheus; VictoriaMetrics \
                 cluster: http://HOST/select/0/prometheus)",
                a.status
            );
        }
        let env: Envelope = match serde_json::from_slice(&text) {
            Ok(e) => e,
            Err(_) => {
                let body = String::from_utf8_lossy(&text);
                let first: String = body.trim().chars().take(200).collect();
                bail!(
                    "GET {shown}: HTTP {}: {}",
                    a.status,
                    if first.is_empty() {
                        "an empty answer, not the Prometheus API's JSON".to_string()
                    } else {
                        format!("not the Prometheus API's JSON: {first}")
                    }
                );
            }
        };
        if !a.status.is_success() || env.status.as_deref() != Some("success") {
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
        let t = format!("{time:.3}");
        let data = self
            .call("query", &[("query", query), ("time", &t)])
            .with_context(|| format!("query {query}"))?;
        let result = data.get("result").cloned().unwrap_or(Value::Null);
        match data.get("resultType").and_then(Value::as_str) {
            Some("vector") => Ok(result
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    Some(Sample {
                        labels: labels(s.get("metric")?),
                        value: number(s.get("value")?.get(1)?)?,
                    })
                })
                .collect()),
            Some("scalar") => Ok(result
                .get(1)
                .and_then(number)
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
        let data = self
            .call("query", &[("query", query), ("time", &t)])
            .with_context(|| format!("query {query}"))?;
        Ok(matrix(&data))
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
        let data = self
            .call(
                "query_range",
                &[("query", query), ("start", &s), ("end", &e), ("step", &st)],
            )
            .with_context(|| format!("query_range {query}"))?;
        Ok(matrix(&data))
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
        let data = self.call(
            &format!("label/{label}/values"),
            &[("match[]", selector), ("start", &s), ("end", &e)],
        )?;
        let mut v: Vec<String> = data
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        v.sort();
        Ok(v)
    }

    /// The active scrape targets, or `None` when the server has no such endpoint (Mimir,
    /// Thanos Query) or scrapes nothing itself.
    pub fn targets(&self) -> Option<Vec<Target>> {
        let data = self.call("targets", &[("state", "active")]).ok()?;
        let list = data.get("activeTargets")?.as_array()?;
        Some(
            list.iter()
                .filter_map(|t| {
                    let l = labels(t.get("labels")?);
                    Some(Target {
                        job: l.get("job")?.clone(),
                        instance: l.get("instance").cloned().unwrap_or_default(),
                        interval: seconds(t.get("scrapeInterval")),
                        timeout: seconds(t.get("scrapeTimeout")),
                    })
                })
                .collect(),
        )
    }
}

fn matrix(data: &Value) -> Vec<Series> {
    data.get("result")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            Some(Series {
                labels: labels(s.get("metric")?),
                points: s
                    .get("values")?
                    .as_array()?
                    .iter()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, number(p.get(1)?)?)))
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_as_the_api_writes_them() {
        assert_eq!(number(&Value::from("1.5")), Some(1.5));
        assert_eq!(number(&Value::from("+Inf")), Some(f64::INFINITY));
        assert!(number(&Value::from("NaN")).unwrap().is_nan());
        assert_eq!(number(&Value::from(3)), Some(3.0));
        assert_eq!(number(&Value::Null), None);
        assert_eq!(seconds(Some(&Value::from("1m30s"))), Some(90.0));
        let m: Value = serde_json::from_str(
            r#"{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[10,"1"],[25.5,"2"]]}]}"#,
        )
        .unwrap();
        let s = matrix(&m);
        assert_eq!(s[0].labels["job"], "a");
        assert_eq!(s[0].points, vec![(10.0, 1.0), (25.5, 2.0)]);
    }
}
