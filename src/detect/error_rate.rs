//! `error_rate`: the share of requests answered with a 5xx.

use super::promql::{selector, sum_rate};
use super::routes::StatusStyle;
use super::{count, routes, Context, Detector, Measurement, Observation, Traffic};

/// Reports the share of server errors.
pub(crate) struct ErrorRateDetector;

impl Detector for ErrorRateDetector {
    fn id(&self) -> &'static str {
        "error_rate"
    }

    fn describe(&self) -> &'static str {
        "share of requests answered 5xx, over every request recorded"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let (value, note) = match cx.traffic {
            Some(t) if t.status_label.is_some() => {
                let total = t.total();
                let errors: f64 = t
                    .rows
                    .iter()
                    .filter(|r| r.status.as_deref().and_then(routes::class) == Some(5))
                    .map(|r| r.count)
                    .fold(0.0, |a, b| a + b);
                let label = t.status_label.as_deref().unwrap_or("status");
                let what = if t.status_style == Some(StatusStyle::Grpc) {
                    format!(
                        "a server-error {label} ({})",
                        routes::GRPC_SERVER_ERRORS.join(", ")
                    )
                } else {
                    format!("a 5xx {label}")
                };
                (
                    (total > 0.0).then(|| errors / total),
                    format!(
                        "{} of {} in {} {} {what}; the denominator is every request recorded, monitoring included",
                        count(errors),
                        crate::plural::s(total, "request"),
                        t.selector(),
                        if errors == 1.0 { "has" } else { "have" },
                    ),
                )
            }
            Some(t) => (None, format!("{} has no status label", t.selector())),
            None => (None, "no request counter found".into()),
        };
        vec![Observation::Measurement(Measurement {
            check: "error_rate",
            subject: None,
            value,
            note,
            query: cx.traffic.and_then(query),
        })]
    }
}

/// `5xx / all` in the exporter's way of writing statuses.
fn query(t: &Traffic) -> Option<String> {
    let label = t.status_label.as_deref()?;
    let grpc = routes::GRPC_SERVER_ERRORS.join("|");
    let (op, value) = match t.status_style? {
        StatusStyle::Exact => ("=~", "5.."),
        StatusStyle::Grouped => ("=~", "5[xX][xX]"),
        StatusStyle::Class => ("=", "5"),
        StatusStyle::Outcome => ("=", "SERVER_ERROR"),
        StatusStyle::Grpc => ("=~", grpc.as_str()),
    };
    let sel = t.selector();
    let all = sum_rate(&selector(&sel, &[]));
    // Until the first 5xx the error series do not exist: `or 0 * all` makes the ratio 0 then,
    // not empty, with the same labels as `all` however the query is grouped.
    Some(format!(
        "({} or 0 * {all}) / {all}",
        sum_rate(&selector(&sel, &[(label, op, value)])),
    ))
}
