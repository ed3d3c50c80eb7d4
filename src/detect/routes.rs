//! What routes and status values mean, across ecosystems (see fixtures/corpus/CONVENTIONS.md).

/// Routes that serve Prometheus metrics: paths and the handler names some exporters use.
const METRICS_ROUTES: &[&str] = &[
    "/metrics",
    "/q/metrics",
    "/actuator/prometheus",
    "/prometheus",
    "metrics",
    "prometheus",
    // django-prometheus names its view.
    "prometheus-django-metrics",
];

/// Health, readiness and liveness endpoints.
const HEALTH_ROUTES: &[&str] = &[
    "/health",
    "/healthz",
    "/healthcheck",
    "/health-check",
    "/ready",
    "/readyz",
    "/readiness",
    "/live",
    "/livez",
    "/liveness",
    "/-/healthy",
    "/-/ready",
    "/ping",
    "/actuator/health",
    "/q/health",
    "health",
    "healthz",
    // Prometheus, Alertmanager and Pushgateway name /-/healthy and /-/ready by handler.
    "healthy",
    "ready",
    "readyz",
    "readiness",
    "live",
    "livez",
    "liveness",
    "ping",
];

/// Route values that stand for "no route matched" rather than a path.
const UNMATCHED: &[&str] = &[
    "none",
    "NOT_FOUND",
    "UNKNOWN",
    "/**",
    "__unknown__",
    "<unnamed view>",
    "other",
    "notfound",
    "unknown",
    "",
];

fn normalise(route: &str) -> &str {
    if route.len() > 1 {
        route.trim_end_matches('/')
    } else {
        route
    }
}

/// True for a route that serves metrics.
pub(crate) fn is_metrics(route: &str) -> bool {
    METRICS_ROUTES.contains(&normalise(route))
}

/// True for a health, readiness or liveness route.
pub(crate) fn is_health(route: &str) -> bool {
    let r = normalise(route);
    HEALTH_ROUTES.contains(&r)
        || r.starts_with("/actuator/health/")
        || r.starts_with("/q/health/")
        || r.starts_with("/health/")
        || r.starts_with("/healthz/")
}

/// True for a route value that hides the path of an unmatched request.
pub(crate) fn is_unmatched(route: &str) -> bool {
    UNMATCHED.contains(&route)
}

/// How an exporter writes the status of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusStyle {
    /// `404`.
    Exact,
    /// `4xx` (prometheus-fastapi-instrumentator, HAProxy).
    Grouped,
    /// `4` (Envoy's response code class).
    Class,
    /// `CLIENT_ERROR` (Micrometer's outcome).
    Outcome,
    /// `Unavailable` (a gRPC status code).
    Grpc,
}

/// gRPC status codes a server answers for its own failure, as grpc-gateway maps them to 5xx
/// (`Unimplemented` is 501: a call to no method is not a 404).
pub(crate) const GRPC_SERVER_ERRORS: &[&str] = &[
    "Unknown",
    "DeadlineExceeded",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
];

/// gRPC status codes that blame the call, which grpc-gateway maps to 4xx.
const GRPC_CLIENT_ERRORS: &[&str] = &[
    "Canceled",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unauthenticated",
];

/// The class of a gRPC status code, as grpc-gateway maps it to HTTP.
fn grpc_class(status: &str) -> Option<u8> {
    if status == "OK" {
        Some(2)
    } else if GRPC_SERVER_ERRORS.contains(&status) {
        Some(5)
    } else if GRPC_CLIENT_ERRORS.contains(&status) {
        Some(4)
    } else {
        None
    }
}

/// The status class (1–5) of a status value, when it can be told.
pub(crate) fn class(status: &str) -> Option<u8> {
    let b = status.as_bytes();
    let digit = |c: u8| (b'1'..=b'5').contains(&c).then(|| c - b'0');
    match b {
        [c, d1, d2] if d1.is_ascii_digit() && d2.is_ascii_digit() => digit(*c),
        [c, b'x' | b'X', b'x' | b'X'] => digit(*c),
        [c] => digit(*c),
        _ => match status {
            "INFORMATIONAL" => Some(1),
            "SUCCESS" => Some(2),
            "REDIRECTION" => Some(3),
            "CLIENT_ERROR" => Some(4),
            "SERVER_ERROR" => Some(5),
            _ => grpc_class(status),
        },
    }
}

/// The style of a set of status values: the most specific style any value shows.
pub(crate) fn style<'a>(values: impl IntoIterator<Item = &'a str>) -> StatusStyle {
    let mut style = StatusStyle::Outcome;
    for v in values {
        let b = v.as_bytes();
        let s = match b {
            [_, d1, d2] if d1.is_ascii_digit() && d2.is_ascii_digit() => StatusStyle::Exact,
            [_, b'x' | b'X', b'x' | b'X'] => StatusStyle::Grouped,
            [c] if c.is_ascii_digit() => StatusStyle::Class,
            _ if grpc_class(v).is_some() => StatusStyle::Grpc,
            _ => continue,
        };
        if s == StatusStyle::Exact {
            return s;
        }
        style = s;
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert!(is_metrics("/metrics"));
        assert!(is_metrics("/metrics/"));
        assert!(is_metrics("prometheus"));
        assert!(!is_metrics("/api/metrics-report"));
        assert!(is_health("/-/healthy"));
        assert!(is_health("healthy") && is_health("/livez"));
        assert!(is_metrics("prometheus-django-metrics"));
        // Prometheus, Alertmanager and Pushgateway serve a page for people at /status.
        assert!(!is_health("/status") && !is_health("/api/v1/status"));
        assert!(is_health("/actuator/health/liveness"));
        assert!(!is_health("/healthcare"));
        assert!(is_unmatched("NOT_FOUND"));
        assert!(!is_unmatched("/favicon.ico"));
    }

    #[test]
    fn statuses() {
        assert_eq!(class("404"), Some(4));
        assert_eq!(class("5xx"), Some(5));
        assert_eq!(class("2"), Some(2));
        assert_eq!(class("SERVER_ERROR"), Some(5));
        assert_eq!(class("0"), None);
        assert_eq!(style(["2xx", "4xx"]), StatusStyle::Grouped);
        assert_eq!(style(["2xx", "404"]), StatusStyle::Exact);
        assert_eq!(style(["SUCCESS"]), StatusStyle::Outcome);
        assert_eq!(style(["OK", "Unavailable"]), StatusStyle::Grpc);
        assert_eq!(class("Unavailable"), Some(5));
        assert_eq!(class("NotFound"), Some(4));
    }
}
