//! `health_checks`: requests to health, readiness and liveness endpoints.

use super::{route_pattern, Context, Detector, Observation, Pattern};

/// Flags how often health endpoints are probed.
pub(crate) struct HealthChecksDetector;

impl Detector for HealthChecksDetector {
    fn id(&self) -> &'static str {
        "health_checks"
    }

    fn describe(&self) -> &'static str {
        "requests to health, readiness and liveness endpoints: count, share, implied interval"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let p = route_pattern(cx, self.id(), "health check", super::routes::is_health)
            .unwrap_or_else(|| Pattern {
                id: self.id(),
                requests: cx.traffic.and_then(|t| t.route_label.as_ref()).map(|_| 0.0),
                share: None,
                interval_seconds: None,
                paths: Vec::new(),
                note: match cx.traffic {
                    Some(t) if t.route_label.is_some() => {
                        format!("{} records no request to a health route", t.selector())
                    }
                    Some(t) => format!("{} has no route label", t.selector()),
                    None => "no request counter found".into(),
                },
            });
        vec![Observation::Pattern(p)]
    }
}
