//! The new scrape settings for the analysed target: interval and timeout, and why.

use std::fmt;

use serde_yaml::{Mapping, Value};

use crate::recommend::RECOMMENDED_SCRAPE_INTERVAL;
use crate::report::Report;

/// The guide's `scrape_timeout`.
pub const RECOMMENDED_TIMEOUT: f64 = 10.0;
/// The longest interval Prometheus maintainers recommend: staleness is 5m, so 2m still
/// leaves two samples per staleness window.
const MAX_INTERVAL: f64 = 120.0;
/// Prometheus's default `scrape_interval` when a config gives none.
const PROMETHEUS_DEFAULT: f64 = 60.0;

/// A duration in whole seconds, written the Prometheus way (`30s`, `2m`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval(pub f64);

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.round().max(1.0) as u64;
        if s.is_multiple_of(60) {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl Interval {
    /// Parses a Prometheus duration such as `15s`, `1m30s`.
    pub fn parse(text: &str) -> Option<Interval> {
        humantime::parse_duration(text)
            .ok()
            .map(|d| Interval(d.as_secs_f64()))
    }
}

/// What the generated Prometheus config does for the analysed target.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapePlan {
    /// The scrape job's name.
    pub job: String,
    /// `host:port` of the target.
    pub target: String,
    /// Path of the metrics endpoint.
    pub metrics_path: String,
    /// `http` or `https`.
    pub scheme: String,
    /// The interval the job had (configured, or measured when there is no config).
    pub before: Option<Interval>,
    /// The interval the generated config sets.
    pub interval: Interval,
    /// The timeout it sets.
    pub timeout: Interval,
    /// Whether the job changes.
    pub changed: bool,
    /// Why (or why not), in one sentence.
    pub reason: String,
    /// How the job was picked.
    pub chosen_by: String,
}

fn measured(report: &Report) -> Option<f64> {
    report
        .patterns
        .iter()
        .find(|p| p.id == "metrics_scrapes")
        .and_then(|p| p.interval_seconds)
}

/// The job in `base` that scrapes `target`, or the one called `job`.
pub(crate) fn find_job<'a>(
    base: &'a mut Value,
    job: Option<&str>,
    target: &str,
) -> anyhow::Result<&'a mut Mapping> {
    let index = job_index(base, job, target)?;
    base.get_mut("scrape_configs")
        .and_then(Value::as_sequence_mut)
        .and_then(|jobs| jobs.get_mut(index))
        .and_then(Value::as_mapping_mut)
        .ok_or_else(|| anyhow::anyhow!("scrape config {index} is not a mapping"))
}

/// The position in `scrape_configs` of the job that scrapes `target`, or of the one called
/// `job`.
pub(crate) fn job_index(base: &Value, job: Option<&str>, target: &str) -> anyhow::Result<usize> {
    let jobs = base
        .get("scrape_configs")
        .and_then(Value::as_sequence)
        .ok_or_else(|| anyhow::anyhow!("the base config has no scrape_configs"))?;
    let names: Vec<String> = jobs
        .iter()
        .filter_map(|j| j.get("job_name")?.as_str().map(str::to_string))
        .collect();
    let scrapes = |j: &Value| {
        j.get("static_configs")
            .and_then(Value::as_sequence)
            .is_some_and(|sc| {
                sc.iter().any(|c| {
                    c.get("targets")
                        .and_then(Value::as_sequence)
                        .is_some_and(|t| {
                            t.iter()
                                .any(|t| t.as_str().is_some_and(|t| same_target(t, target)))
                        })
                })
            })
    };
    let index = match job {
        Some(name) => jobs
            .iter()
            .position(|j| j.get("job_name").and_then(Value::as_str) == Some(name))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no job named {name:?} in the base config (jobs: {})",
                    names.join(", ")
                )
            })?,
        None => {
            let hits: Vec<usize> = jobs
                .iter()
                .enumerate()
                .filter(|(_, j)| scrapes(j))
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [one] => *one,
                [] => anyhow::bail!(
                    "no job in the base config scrapes {target}; name one with --job (jobs: {})",
                    names.join(", ")
                ),
                _ => anyhow::bail!("several jobs scrape {target}; name one with --job"),
            }
        }
    };
    Ok(index)
}

/// `host:port` split, the host lower-cased and every loopback name (`localhost`,
/// `127.0.0.0/8`, `::1`, `[::1]`) made one: Prometheus's `localhost:9090` is the target
/// promtune read at `127.0.0.1:9090`.
fn endpoint(target: &str) -> (String, &str) {
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, p),
        _ => (target, ""),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let loopback = host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback());
    (if loopback { "loopback".into() } else { host }, port)
}

/// The target of `job`'s static configs that is `target`, as the config writes it.
fn matched_target(job: &Mapping, target: &str) -> Option<String> {
    job.get("static_configs")?
        .as_sequence()?
        .iter()
        .filter_map(|c| c.get("targets")?.as_sequence())
        .flatten()
        .filter_map(Value::as_str)
        .find(|t| same_target(t, target))
        .map(str::to_string)
}

/// Whether two `host:port` targets name the same endpoint.
pub(crate) fn same_target(a: &str, b: &str) -> bool {
    endpoint(a) == endpoint(b)
}

fn configured(base: &mut Value, job: &Mapping) -> f64 {
    let of = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(Interval::parse)
            .map(|i| i.0)
    };
    of(job.get("scrape_interval"))
        .or_else(|| of(base.get("global").and_then(|g| g.get("scrape_interval"))))
        .unwrap_or(PROMETHEUS_DEFAULT)
}

/// The one rule every mode applies to a job's interval, wherever the interval came from:
/// faster than the guide's 30s (by more than 5%) becomes 30s, slower than 2m becomes 2m, and
/// anything between stays. `(new interval, changed)`.
pub(crate) fn decide(current: f64) -> (f64, bool) {
    if current < RECOMMENDED_SCRAPE_INTERVAL * 0.95 {
        (RECOMMENDED_SCRAPE_INTERVAL, true)
    } else if current > MAX_INTERVAL {
        (MAX_INTERVAL, true)
    } else {
        (current, false)
    }
}

/// Decides the job's new interval and timeout. The job's configured interval (in the base
/// config) decides when there is one, as `--targets-from` and `--prometheus` use the
/// config's or the server's; without a base config, the interval measured from the
/// target's own count of requests to its metrics endpoint.
pub fn plan(
    report: &Report,
    target: &str,
    metrics_path: &str,
    scheme: &str,
    job: Option<&str>,
    base: Option<&str>,
) -> anyhow::Result<ScrapePlan> {
    let measured = measured(report);
    let chosen_by = match (base, job) {
        (Some(_), Some(_)) => "named by --job".to_string(),
        (Some(_), None) => format!("its static targets include {target}"),
        (None, _) => "a new job for the target".to_string(),
    };
    let mut chosen_by = chosen_by;
    let (name, before) = match base {
        Some(text) => {
            let mut v: Value = serde_yaml::from_str(text)?;
            let j = find_job(&mut v, job, target)?.clone();
            if let (None, Some(m)) = (job, matched_target(&j, target)) {
                if m != target {
                    chosen_by =
                        format!("its static target {m} is {target}, the same loopback endpoint");
                }
            }
            let name = j
                .get("job_name")
                .and_then(Value::as_str)
                .unwrap_or("app")
                .to_string();
            (name, Some(configured(&mut v, &j)))
        }
        None => (job.unwrap_or("app").to_string(), measured),
    };
    let seen = measured
        .map(|m| {
            format!(
                "the target counted a scrape every {m:.1}s ({} / requests to the metrics endpoint)",
                report.span.as_str()
            )
        })
        .unwrap_or_else(|| {
            "the exposition does not record scrapes of its metrics endpoint".to_string()
        });
    let (interval, changed, reason) = match (base.is_some(), before) {
        (true, Some(current)) => {
            let (interval, changed) = decide(current);
            let extra = measured.is_some_and(|m| m < RECOMMENDED_SCRAPE_INTERVAL * 0.95);
            let reason = if changed && current > MAX_INTERVAL {
                format!("the base config scrapes this job every {}, longer than 2m (two samples in Prometheus's 5m staleness window)", Interval(current))
            } else if changed {
                format!("the base config scrapes this job every {}, and the guide recommends 30s; {seen}", Interval(current))
            } else if extra {
                format!("{seen}, but this job already scrapes every {}: the extra scrapes come from elsewhere (another Prometheus, or a checker hitting the metrics endpoint)", Interval(current))
            } else {
                format!("the base config scrapes this job every {}, already no more often than the guide's 30s", Interval(current))
            };
            (interval, changed, reason)
        }
        (_, Some(m)) => {
            let (interval, changed) = decide(m);
            let reason = if changed && m < RECOMMENDED_SCRAPE_INTERVAL {
                format!("the target is scraped every {m:.1}s ({} / requests to the metrics endpoint); the guide recommends 30s", report.span.as_str())
            } else if changed {
                format!("the target is scraped every {m:.1}s, longer than 2m (two samples in Prometheus's 5m staleness window)")
            } else {
                format!("the target is scraped every {m:.1}s, already no more often than the guide's 30s")
            };
            (interval, changed, reason)
        }
        (_, None) => (
            PROMETHEUS_DEFAULT,
            false,
            format!("{seen}, so the interval is left as it is"),
        ),
    };
    Ok(ScrapePlan {
        job: name,
        target: target.to_string(),
        metrics_path: metrics_path.to_string(),
        scheme: scheme.to_string(),
        before: before.map(Interval),
        interval: Interval(interval),
        timeout: Interval(RECOMMENDED_TIMEOUT.min(interval)),
        changed,
        reason,
        chosen_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_are_one() {
        assert!(same_target("localhost:9090", "127.0.0.1:9090"));
        assert!(same_target("[::1]:9090", "127.0.0.2:9090"));
        assert!(same_target("LOCALHOST:9090", "localhost:9090"));
        assert!(!same_target("localhost:9090", "127.0.0.1:9091"));
        assert!(!same_target("10.0.0.1:9090", "127.0.0.1:9090"));
        assert!(same_target("app.example:80", "app.example:80"));
    }

    #[test]
    fn intervals_print_like_prometheus() {
        assert_eq!(Interval(30.0).to_string(), "30s");
        assert_eq!(Interval(120.0).to_string(), "2m");
        assert_eq!(Interval::parse("1m30s"), Some(Interval(90.0)));
    }
}
