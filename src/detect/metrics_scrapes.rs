//! `metrics_scrapes`: requests to the metrics endpoint, their share and implied interval.

use super::{route_pattern, Context, Detector, Observation, Pattern};

/// Flags how often the metrics endpoint is scraped.
pub(crate) struct MetricsScrapesDetector;

/// Go's promhttp counts scrapes of its own handler, by status code.
pub(crate) const PROMHTTP: &str = "promhttp_metric_handler_requests_total";

/// An exporter's count of its own scrapes: `redis_exporter_scrapes_total`,
/// `mysql_exporter_scrapes_total`, `haproxy_exporter_scrapes_total`, … (one per collection,
/// so one per request to its metrics endpoint).
fn self_scrapes(name: &str) -> bool {
    let base = name.strip_suffix("_total").unwrap_or(name);
    base.ends_with("exporter_scrapes") && !name.starts_with("prometheus_")
}

/// Whether the detector reads family `name` whole.
pub(crate) fn wanted(name: &str) -> bool {
    name == PROMHTTP || self_scrapes(name)
}

/// Scrapes counted by the metrics handler itself: promhttp's counter, else the exporter's.
/// Nothing else: a count that mixes the metrics endpoint with other requests (HAProxy's
/// `haproxy_frontend_intercepted_requests_total` also counts its stats page, redirects,
/// `http-request return` and health checks, #23) is not a count of scrapes.
fn counted_by_handler(cx: &Context<'_>) -> Option<(String, f64)> {
    let fam = cx
        .snapshot
        .family(PROMHTTP)
        .or_else(|| cx.snapshot.families.iter().find(|f| self_scrapes(&f.name)))?;
    // promhttp counts one handler by `code`: another label that varies means several
    // handlers merged into one page (Redis Enterprise bundles an `exporter` per series), and
    // their sum is not this endpoint's scrapes.
    if fam.name == PROMHTTP && merged(fam) {
        return None;
    }
    let n = fam
        .scalars()
        .map(|(_, v)| v)
        .filter(|v| v.is_finite())
        .fold(0.0, |a, b| a + b);
    Some((fam.name.clone(), n))
}

/// Whether a label other than `code` takes two values.
fn merged(fam: &crate::model::Family) -> bool {
    let mut first: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    fam.series
        .iter()
        .flat_map(|s| s.labels.iter())
        .any(|(k, v)| k != "code" && *first.entry(k).or_insert(v) != v)
}

impl Detector for MetricsScrapesDetector {
    fn id(&self) -> &'static str {
        "metrics_scrapes"
    }

    fn describe(&self) -> &'static str {
        "requests to the metrics endpoint: count, share of all requests, implied scrape interval"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        if let Some(p) = route_pattern(cx, self.id(), "metrics", super::routes::is_metrics) {
            return vec![Observation::Pattern(p)];
        }
        let pattern = match counted_by_handler(cx) {
            Some((name, n)) => Pattern {
                id: self.id(),
                requests: Some(n),
                share: None,
                // The handler's counter covers the exporter's life, not the service's.
                interval_seconds: cx
                    .clock
                    .exporter_uptime
                    .or(cx.clock.uptime)
                    .filter(|_| n > 0.0)
                    .map(|u| u / n),
                paths: Vec::new(),
                note: format!(
                    "{} in {name}{}",
                    crate::plural::s(n, "scrape"),
                    if name == PROMHTTP { " (all codes)" } else { "" }
                ),
            },
            None => Pattern {
                id: self.id(),
                requests: None,
                share: None,
                interval_seconds: None,
                paths: Vec::new(),
                note: match cx.traffic {
                    Some(t) if t.route_label.is_some() => format!(
                        "{} records no request to a metrics route, and the handler counts none \
                         ({PROMHTTP} or an exporter's own *_exporter_scrapes_total)",
                        t.selector()
                    ),
                    Some(t) => format!(
                        "{} has no route label, so requests to the metrics endpoint cannot be \
                         told apart, and the handler counts none ({PROMHTTP} or an exporter's \
                         own *_exporter_scrapes_total)",
                        t.selector()
                    ),
                    None => {
                        format!("no request counter, no {PROMHTTP} and no *_exporter_scrapes_total")
                    }
                },
            },
        };
        vec![Observation::Pattern(pattern)]
    }
}
