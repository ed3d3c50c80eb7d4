//! `request_rate`: every request the exporter recorded, per second of uptime.

use super::promql::{selector, sum_rate};
use super::{Context, Detector, Measurement, Observation};

/// Reports the average request rate since the process started.
pub(crate) struct RequestRateDetector;

impl Detector for RequestRateDetector {
    fn id(&self) -> &'static str {
        "request_rate"
    }

    fn describe(&self) -> &'static str {
        "all recorded requests (monitoring included) per second of uptime"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        // Behind an exporter, the service's counter goes over the service's uptime.
        let uptime = cx.traffic.and_then(|t| cx.clock.uptime_of(&t.family));
        let (value, note) = match (cx.traffic, uptime) {
            (Some(t), Some(up)) => {
                let n = t.total();
                (
                    Some(n / up),
                    format!(
                        "{} in {} over {:.0}s {} ({}), monitoring traffic included",
                        crate::plural::s(n, "request"),
                        t.selector(),
                        up,
                        cx.clock.span.phrase(),
                        cx.clock.uptime_source
                    ),
                )
            }
            (Some(t), None) => (
                None,
                format!(
                    "{} found, but the uptime is unknown: {}",
                    t.selector(),
                    cx.clock.uptime_source
                ),
            ),
            (None, _) => (None, "no request counter found".into()),
        };
        let query = cx.traffic.map(|t| sum_rate(&selector(&t.selector(), &[])));
        vec![Observation::Measurement(Measurement {
            check: "request_rate",
            subject: None,
            value,
            note,
            query,
        })]
    }
}
