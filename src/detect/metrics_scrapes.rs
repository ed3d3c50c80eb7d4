//! `metrics_scrapes`: requests to the metrics endpoint, their share and implied interval.

use super::{count, route_pattern, Context, Detector, Observation, Pattern};
use crate::model::SeriesValue;

/// Flags how often the metrics endpoint is scraped.
pub(crate) struct MetricsScrapesDetector;

/// Go's promhttp counts scrapes of its own handler, by status code.
pub(crate) const PROMHTTP: &str = "promhttp_metric_handler_requests_total";

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
        let promhttp: Option<f64> = cx.snapshot.family(PROMHTTP).map(|f| {
            f.series
                .iter()
                .filter_map(|s| match s.value {
                    SeriesValue::Scalar(v) if v.is_finite() => Some(v),
                    _ => None,
                })
                .fold(0.0, |a, b| a + b)
        });
        let pattern = match promhttp {
            Some(n) => Pattern {
                id: self.id(),
                requests: Some(n),
                share: None,
                interval_seconds: cx.clock.uptime.filter(|_| n > 0.0).map(|u| u / n),
                paths: Vec::new(),
                note: format!("{} scrapes in {PROMHTTP} (all codes)", count(n)),
            },
            None => Pattern {
                id: self.id(),
                requests: None,
                share: None,
                interval_seconds: None,
                paths: Vec::new(),
                note: match cx.traffic {
                    Some(t) => format!("{} records no request to a metrics route", t.selector()),
                    None => {
                        "no request counter and no promhttp_metric_handler_requests_total".into()
                    }
                },
            },
        };
        vec![Observation::Pattern(pattern)]
    }
}
