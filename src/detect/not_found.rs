//! `not_found`: 404s by route, `/favicon.ico` named where the path is visible.
//!
//! Exporters differ: some keep the raw path (`/favicon.ico`), some hide it behind a sentinel
//! (`handler="none"`, `uri="NOT_FOUND"`), some group the status (`4xx`). The note says which,
//! and only what can honestly be counted is counted.

use super::routes::{self, StatusStyle};
use super::{count, Context, Detector, Measurement, Observation, Pattern};

/// Counts requests that found no route.
pub(crate) struct NotFoundDetector;

impl Detector for NotFoundDetector {
    fn id(&self) -> &'static str {
        "not_found"
    }

    fn describe(&self) -> &'static str {
        "404s by route, /favicon.ico named where visible; grouped statuses and hidden paths said so"
    }

    fn detect(&self, cx: &Context<'_>) -> Vec<Observation> {
        let (requests, paths, note) = measure(cx);
        let pattern = Pattern {
            id: self.id(),
            requests,
            share: requests.and_then(|n| {
                let total = cx.traffic?.total();
                (total > 0.0).then(|| n / total)
            }),
            interval_seconds: None,
            paths,
            note: note.clone(),
        };
        let check = Measurement {
            check: "not_found",
            subject: None,
            value: requests,
            note,
            query: None,
        };
        vec![
            Observation::Pattern(pattern),
            Observation::Measurement(check),
        ]
    }
}

type Counted = (Option<f64>, Vec<(String, f64)>, String);

/// What stands for the 4xx responses when statuses are classes and no route tells a 404.
pub(crate) const NOT_SEPARABLE: &str = "4xx (404 not separable)";

/// Statuses written as classes (`4xx`) with no route: the 4xx are shown, the 404s unknown.
fn by_class_only(t: &super::Traffic, status_label: &str, style: StatusStyle) -> Counted {
    let n: f64 = t
        .rows
        .iter()
        .filter(|r| r.status.as_deref().and_then(routes::class) == Some(4))
        .map(|r| r.count)
        .fold(0.0, |a, b| a + b);
    let class = match style {
        StatusStyle::Class => "4",
        StatusStyle::Outcome => "CLIENT_ERROR",
        _ => "4xx",
    };
    let paths = if n > 0.0 {
        vec![(NOT_SEPARABLE.to_string(), n)]
    } else {
        Vec::new()
    };
    let note = format!(
        "{} responses in {}{{{status_label}=\"{class}\"}}; {status_label} holds classes and there is no route label, so 404s cannot be told from other 4xx",
        count(n),
        t.selector()
    );
    (None, paths, note)
}

/// Families that mark exporters which drop requests matching no route, by default
/// (starlette_exporter's `filter_unhandled_paths`, yabeda-rails, fastify-metrics'
/// `registeredRoutesOnly`, recognised by the summary it writes beside its histogram; the
/// Prometheus server, Pushgateway and Alertmanager instrument their registered routes
/// only): zero 404s there means "not recorded", not "none", and any 404s shown are a lower
/// bound.
const DROPS_UNMATCHED: &[&str] = &[
    "starlette_requests_total",
    "rails_requests_total",
    "http_request_summary_seconds",
    "prometheus_http_requests_total",
    "pushgateway_http_requests_total",
    "alertmanager_http_request_duration_seconds",
];

fn measure(cx: &Context<'_>) -> Counted {
    let Some(t) = cx.traffic else {
        return (None, Vec::new(), "no request counter found".into());
    };
    let (Some(status_label), Some(style)) = (t.status_label.as_deref(), t.status_style) else {
        return (
            None,
            Vec::new(),
            format!("{} has no status label", t.selector()),
        );
    };
    if style == StatusStyle::Grpc {
        let note = format!(
            "{} holds gRPC codes: a call to no method is Unimplemented, not a 404, and NotFound \
             is about a resource, so 404s are not counted",
            t.selector()
        );
        return (None, Vec::new(), note);
    }
    let route_label = t.route_label.as_deref().unwrap_or("route");
    let exact = style == StatusStyle::Exact;
    if !exact && t.route_label.is_none() {
        return by_class_only(t, status_label, style);
    }
    let mut tally = super::Tally::new();
    for r in &t.rows {
        let Some(status) = r.status.as_deref() else {
            continue;
        };
        // No value is not a no-route marker: kube-apiserver's `subresource` is empty on
        // every resource request, and a 404 there is a missing object.
        let route = r.route.as_deref().unwrap_or("");
        let hidden = r.route.is_some() && routes::is_unmatched(route);
        let counted = if exact {
            status == "404"
        } else {
            // Grouped 4xx: only an unmatched-route sentinel tells a 404 apart.
            routes::class(status) == Some(4) && hidden && t.route_label.is_some()
        };
        if !counted || r.count == 0.0 {
            continue;
        }
        let name = if t.route_label.is_none() || r.route.is_none() {
            "(route not recorded)".to_string()
        } else if hidden {
            format!("(unmatched: {route_label}=\"{route}\")")
        } else {
            route.to_string()
        };
        tally.add(name, r.count);
    }
    let mut paths = tally.into_vec();
    paths.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let n: f64 = paths.iter().map(|p| p.1).fold(0.0, |a, b| a + b);
    let mut note = if exact {
        format!(
            "{} in {}{{{status_label}=\"404\"}}",
            crate::plural::s(n, "404"),
            t.selector()
        )
    } else {
        format!(
            "{} to unmatched routes in {}; {status_label} is grouped ({}), so other 404s cannot be told from other 4xx",
            crate::plural::s(n, "request"),
            t.selector(),
            match style {
                StatusStyle::Grouped => "4xx",
                StatusStyle::Class => "4",
                _ => "CLIENT_ERROR",
            }
        )
    };
    if let Some((_, c)) = paths.iter().find(|(p, _)| p == "/favicon.ico") {
        note.push_str(&format!("; /favicon.ico: {}", count(*c)));
    } else if paths.iter().any(|(p, _)| p.starts_with("(unmatched")) {
        note.push_str("; the exporter hides the path of unmatched requests");
    }
    let drops = DROPS_UNMATCHED
        .iter()
        .find(|d| cx.snapshot.stats.families.iter().any(|f| f.name == **d));
    if let Some(marker) = drops {
        if paths.is_empty() {
            let note = format!("{} does not record requests that match no route (the default of the exporter that writes {marker}), so 404s cannot be counted", t.selector());
            return (None, paths, note);
        }
        note.push_str("; requests that match no route are not recorded, so this is a lower bound");
    }
    let known = exact || !paths.is_empty() || t.route_label.is_some();
    (known.then_some(n), paths, note)
}
