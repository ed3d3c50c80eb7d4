//! The recommendation rules, one function per kind of finding.

use super::{Impact, Recommendation, RECOMMENDED_SCRAPE_INTERVAL};
use crate::detect::{count, Pattern};
use crate::input::Wire;
use crate::threshold::{Check, Status};

fn pattern<'a>(patterns: &'a [Pattern], id: &str) -> Option<&'a Pattern> {
    patterns.iter().find(|p| p.id == id)
}

fn pct(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

/// The guide's first action: scrape less often.
pub(super) fn scrape_interval(patterns: &[Pattern], out: &mut Vec<Recommendation>) {
    let Some(p) = pattern(patterns, "metrics_scrapes") else {
        return;
    };
    let (Some(n), Some(every)) = (p.requests, p.interval_seconds) else {
        return;
    };
    if every >= RECOMMENDED_SCRAPE_INTERVAL * 0.95 {
        return;
    }
    let cut = 1.0 - every / RECOMMENDED_SCRAPE_INTERVAL;
    let share = p
        .share
        .map(|s| format!(", {} of all requests", pct(s)))
        .unwrap_or_default();
    out.push(Recommendation {
        id: "scrape_interval",
        impact: Impact::High,
        action: "raise scrape_interval to 30s and set scrape_timeout: 10s for this target".into(),
        expected: format!("{} fewer requests to the metrics endpoint (one every 30s instead of every {every:.1}s)", pct(cut)),
        expected_reduction: Some(cut),
        evidence: format!("{}{share}, one every {every:.1}s on average", crate::plural::s(n, "scrape")),
    });
}

/// The guide's HTTP action: monitoring traffic is a large share of all requests.
pub(super) fn monitoring_share(patterns: &[Pattern], out: &mut Vec<Recommendation>) {
    let share = |id| pattern(patterns, id).and_then(|p| p.share).unwrap_or(0.0);
    let (m, h) = (share("metrics_scrapes"), share("health_checks"));
    if m + h < 0.25 {
        return;
    }
    // Compression is advised only from what the transport showed (`compression` below):
    // Prometheus asks for gzip, and most exporters already answer with it.
    out.push(Recommendation {
        id: "monitoring_traffic",
        impact: Impact::Medium,
        action: "keep monitoring requests cheap: health checks without a database round trip (cache the answer for a few seconds), and no scrape more often than needed".into(),
        expected: format!("less work on {} of all requests", pct(m + h)),
        expected_reduction: None,
        evidence: format!("monitoring is {} of all requests ({} metrics scrapes, {} health checks)", pct(m + h), pct(m), pct(h)),
    });
    if let Some(p) = pattern(patterns, "health_checks") {
        if let Some(every) = p.interval_seconds.filter(|e| *e < 10.0) {
            out.push(Recommendation {
                id: "health_check_interval",
                impact: Impact::Medium,
                action: "lengthen the health/readiness probe period to 10s or more".into(),
                expected: format!("{} fewer health checks", pct(1.0 - every / 10.0)),
                expected_reduction: Some(1.0 - every / 10.0),
                evidence: format!("one health check every {every:.1}s"),
            });
        }
    }
}

/// The guide's favicon fix, and the other 404 paths.
pub(super) fn not_found(patterns: &[Pattern], out: &mut Vec<Recommendation>) {
    // Only counted 404s are evidence: a class of 4xx (HAProxy) is not.
    let Some(p) = pattern(patterns, "not_found").filter(|p| p.requests.is_some()) else {
        return;
    };
    for (path, n) in &p.paths {
        if path == "/favicon.ico" {
            out.push(Recommendation {
                id: "favicon",
                impact: Impact::Low,
                action: "add a /favicon.ico route (or serve a static favicon)".into(),
                expected: format!("eliminates {}", crate::plural::s(*n, "404")),
                expected_reduction: Some(1.0),
                evidence: format!(
                    "{} to /favicon.ico answered 404",
                    crate::plural::s(*n, "request")
                ),
            });
        }
    }
    let others: Vec<&(String, f64)> = p
        .paths
        .iter()
        .filter(|(path, _)| path != "/favicon.ico")
        .collect();
    if others.is_empty() {
        return;
    }
    let n: f64 = others.iter().map(|o| o.1).sum();
    let hidden = others
        .iter()
        .any(|(path, _)| path.starts_with("(unmatched"));
    let list: Vec<String> = others
        .iter()
        .take(5)
        .map(|(path, c)| format!("{path} ({})", count(*c)))
        .collect();
    out.push(Recommendation {
        id: "not_found_paths",
        impact: Impact::Low,
        action: if hidden {
            "log the paths of unmatched requests (the exporter hides them), then route or block them".into()
        } else {
            "route, redirect or block the paths that answer 404".into()
        },
        expected: format!("eliminates up to {}", crate::plural::s(n, "404")),
        expected_reduction: None,
        evidence: list.join(", "),
    });
}

/// When scrapes of the metrics endpoint cannot be counted, say what would count them: no
/// scrape interval advice rests on a number that is not there.
pub(super) fn unmeasured_scrapes(patterns: &[Pattern], out: &mut Vec<Recommendation>) {
    let Some(p) = pattern(patterns, "metrics_scrapes").filter(|p| p.requests.is_none()) else {
        return;
    };
    out.push(Recommendation {
        id: "count_scrapes",
        impact: Impact::Low,
        action: "record requests to the metrics endpoint (a route or handler label on the request counter, or promhttp_metric_handler_requests_total), so that the scrape interval can be checked".into(),
        expected: "the scrape rate becomes measurable; no change in load".into(),
        expected_reduction: None,
        evidence: p.note.clone(),
    });
}

/// Responses smaller than this are not worth compressing for the advice's sake.
const COMPRESS_FROM: u64 = 16 * 1024;

/// Serve the metrics endpoint gzip-compressed, only when this response came uncompressed and
/// large, with the saving measured by gzipping it.
pub(super) fn compression(w: &Wire, out: &mut Vec<Recommendation>) {
    let Some(gz) = w
        .gzipped_bytes
        .filter(|_| w.complete && w.encoding.is_none())
    else {
        return;
    };
    if w.body_bytes < COMPRESS_FROM || gz >= w.body_bytes {
        return;
    }
    let saving = 1.0 - gz as f64 / w.body_bytes as f64;
    let kib = |n: u64| format!("{:.1} KiB", n as f64 / 1024.0);
    out.push(Recommendation {
        id: "compress_metrics",
        impact: Impact::Low,
        action: "serve the metrics endpoint gzip-compressed (Prometheus asks for gzip; this endpoint answered without it)".into(),
        expected: format!("{} smaller responses: {} instead of {} per scrape", pct(saving), kib(gz), kib(w.body_bytes)),
        expected_reduction: Some(saving),
        evidence: format!(
            "the response carried no Content-Encoding and was {}; gzipped here it is {}{}",
            kib(w.body_bytes),
            kib(gz),
            if w.gzip_sampled { " (the ratio of its first 4 MiB)" } else { "" }
        ),
    });
}

/// Whether the metrics endpoint was measured as scraped more often than recommended.
fn over_scraped(patterns: &[Pattern]) -> Option<f64> {
    let p = pattern(patterns, "metrics_scrapes")?;
    p.requests?;
    p.interval_seconds
        .filter(|every| *every < RECOMMENDED_SCRAPE_INTERVAL * 0.95)
}

/// Recommendations from checks past their target.
pub(super) fn from_check(c: &Check, patterns: &[Pattern], out: &mut Vec<Recommendation>) {
    let (Some(v), status) = (c.measurement.value, c.status) else {
        return;
    };
    if status < Status::OffTarget {
        return;
    }
    let impact = if status >= Status::Warning {
        Impact::High
    } else {
        Impact::Medium
    };
    let unit = c.rule.unit;
    let target = c.rule.target;
    let reduction = target.filter(|t| v > 0.0 && *t < v).map(|t| 1.0 - t / v);
    let evidence = format!(
        "{} is {} ({}); {}",
        c.rule.title,
        unit.format(v),
        status,
        c.measurement.note
    );
    let to_target = |what: &str| match target {
        Some(t) => format!(
            "{what} from {} to under the {} target",
            unit.format(v),
            unit.format(t)
        ),
        None => format!("{what} lower than {}", unit.format(v)),
    };
    let (id, action, expected, impact, reduction) = match c.rule.check {
        "memory" => (
            "memory",
            "bound memory: cap caches (max_size, TTL, LRU eviction), release references held longer than needed, clean up periodically".to_string(),
            format!("{}: a {} reduction", to_target("resident memory"), reduction.map(pct).unwrap_or_default()),
            impact,
            reduction,
        ),
        "cache_hit_rate" => (
            "cache",
            format!("add a TTL and LRU eviction to {} and size it to its working set", c.measurement.subject.as_deref().unwrap_or("the cache")),
            match target {
                Some(t) => format!("hit rate from {} toward the {} target", unit.format(v), unit.format(t)),
                None => "a higher hit rate".into(),
            },
            Impact::Medium,
            None,
        ),
        "p95_latency" => ("latency", "profile the slowest routes; cache or batch their expensive calls".to_string(), to_target("P95 latency"), impact, reduction),
        "error_rate" => ("errors", "investigate the routes answering 5xx".to_string(), to_target("error rate"), impact, reduction),
        "request_rate" => (
            "request_rate",
            // Scraping less often is advice only where scrapes were counted and found frequent.
            match over_scraped(patterns) {
                Some(every) => format!("reduce request volume: scrape less often (one scrape every {every:.1}s now), batch client calls"),
                None => "reduce request volume: batch or cache client calls".to_string(),
            },
            to_target("request rate"),
            Impact::Medium,
            reduction,
        ),
        "cpu" => ("cpu", "profile CPU hot spots".to_string(), to_target("CPU use"), impact, reduction),
        _ => return,
    };
    out.push(Recommendation {
        id,
        impact,
        action,
        expected,
        expected_reduction: reduction,
        evidence,
    });
}
