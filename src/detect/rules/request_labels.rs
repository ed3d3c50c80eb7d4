//! Which labels of a request family carry the route, the status, the method and a cache's
//! hits: a name a rule gives, when its values agree, else any label whose values have the
//! shape. Values decide, never a program's name (#23); `docs/exporters.md` states the rules.

use super::requests::INCOMING;
use crate::detect::routes;
use crate::model::Family;

/// A label whose values are these counts both directions at once: a family that mixes
/// them is not the incoming side (Linkerd's `direction="inbound|outbound"`).
pub(crate) const MIXED_DIRECTIONS: (&str, &str) = ("inbound", "outbound");

/// Labels that hold the route by name, in order of preference; taken only when their values
/// agree (a path, or a route name such as `metrics` or `healthy`): Caddy's `handler` holds
/// module names.
pub(crate) const ROUTE_NAMES: &[&str] = &[
    "handler",
    "route",
    "uri",
    "path",
    "endpoint",
    "http_route",
    "view",
    "endpoint_id",
];
/// Labels that hold the status by name, in order of preference; taken only when their
/// values are statuses (a code, a class, Micrometer's outcome).
pub(crate) const STATUS_NAMES: &[&str] = &[
    "code",
    "status",
    "status_code",
    "response_code",
    "http_response_code",
    "http_response_status_code",
    "envoy_response_code",
    "error_code",
    "outcome",
];
/// Labels that hold the method.
pub(crate) const METHOD_NAMES: &[&str] = &["method", "http_request_method", "verb"];

/// A value shaped like a route: a path, plain or templated (`/items/{id}`, `/users/:id`).
pub(crate) fn route_shaped(v: &str) -> bool {
    v.starts_with('/') && !v.starts_with("//") && !v.contains(char::is_whitespace)
}

/// A value shaped like an HTTP status: a code from 100 to 599, or a class (`2xx`, `5XX`).
pub(crate) fn status_shaped(v: &str) -> bool {
    match v.as_bytes() {
        [b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => true,
        [b'1'..=b'5', d1, d2] => d1.is_ascii_digit() && d2.is_ascii_digit(),
        _ => false,
    }
}

/// A value that says a lookup hit or missed a cache (`hit`, `MISS`).
pub(crate) fn cache_shaped(v: &str) -> bool {
    hit_or_miss(v).is_some()
}

/// `Some(true)` for a hit, `Some(false)` for a miss.
pub(crate) fn hit_or_miss(v: &str) -> Option<bool> {
    ["hit", "hits"]
        .iter()
        .any(|h| v.eq_ignore_ascii_case(h))
        .then_some(true)
        .or_else(|| {
            ["miss", "misses"]
                .iter()
                .any(|m| v.eq_ignore_ascii_case(m))
                .then_some(false)
        })
}

/// Whether the parser keeps a label of a request family for its value, whatever its name.
/// Recognition reads a label of unknown name through the same values, so that a page reads
/// the same whether the parser kept everything or only this.
pub(crate) fn kept_for_value(v: &str) -> bool {
    let (a, b) = MIXED_DIRECTIONS;
    route_shaped(v)
        || status_shaped(v)
        || cache_shaped(v)
        || v == a
        || v == b
        || (!v.is_empty() && routes::is_unmatched(v))
}

/// Whether a label is read by its name (a rule names it), rather than for its values.
pub(crate) fn named(label: &str) -> bool {
    named_labels().any(|l| l == label)
}

/// The distinct values of `label` in a family.
fn values<'a>(fam: &'a Family, label: &str) -> impl Iterator<Item = &'a str> + 'a {
    let label = label.to_string();
    fam.series
        .iter()
        .filter_map(move |s| s.labels.get(&label))
        .filter(|v| !v.is_empty())
}

/// Every label name on a family, in first-seen order.
fn label_names(fam: &Family) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in &fam.series {
        for (k, _) in s.labels.iter() {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

/// Whether a family counts both directions in one label (see [`MIXED_DIRECTIONS`]).
pub(crate) fn mixes_directions(fam: &Family) -> bool {
    let (a, b) = MIXED_DIRECTIONS;
    label_names(fam)
        .iter()
        .any(|l| values(fam, l).any(|v| v == a) && values(fam, l).any(|v| v == b))
}

/// The label holding the route: a known name whose values agree, else any label whose every
/// value is a path.
pub(crate) fn route_label(fam: &Family) -> Option<String> {
    // Route vocabulary: a path, a metrics or health route's name, or a no-route marker
    // (django-prometheus's `<unnamed view>`); Caddy's `handler="subroute"` has none.
    let agrees = |v: &str| {
        route_shaped(v) || routes::is_metrics(v) || routes::is_health(v) || routes::is_unmatched(v)
    };
    if let Some(l) = ROUTE_NAMES.iter().find(|l| values(fam, l).any(agrees)) {
        return Some(l.to_string());
    }
    label_names(fam)
        .into_iter()
        .filter(|l| !ROUTE_NAMES.contains(l))
        .find(|l| all_values(fam, l, route_shaped))
        .map(str::to_string)
}

/// Whether every value of `label` that names something passes `ok`, and one does. Values
/// that name nothing (`other`, `unknown`, HAProxy's `code="other"` beside its classes) are
/// left out, and so are, for a label no rule names, the values the parser would not keep.
fn all_values(fam: &Family, label: &str, ok: fn(&str) -> bool) -> bool {
    let mut any = false;
    let read = |v: &&str| !routes::is_unmatched(v) && (named(label) || kept_for_value(v));
    for v in values(fam, label).filter(read) {
        if !ok(v) {
            return false;
        }
        any = true;
    }
    any
}

/// The label holding the status: a known name most of whose values are statuses (kube-
/// apiserver writes `code="0"` for a connection that failed before any answer), else any
/// label whose every value is an HTTP code or class.
pub(crate) fn status_label(fam: &Family, route: Option<&str>) -> Option<String> {
    let mostly = |l: &str| {
        let mut vs: Vec<&str> = values(fam, l)
            .filter(|v| !routes::is_unmatched(v))
            .collect();
        vs.sort_unstable();
        vs.dedup();
        let statuses = vs.iter().filter(|v| routes::class(v).is_some()).count();
        statuses > 0 && 2 * statuses >= vs.len()
    };
    if let Some(l) = STATUS_NAMES.iter().find(|l| mostly(l)) {
        return Some(l.to_string());
    }
    label_names(fam)
        .into_iter()
        .filter(|l| !STATUS_NAMES.contains(l) && Some(*l) != route)
        .find(|l| all_values(fam, l, status_shaped))
        .map(str::to_string)
}

/// The label holding the method.
pub(crate) fn method_label(fam: &Family) -> Option<String> {
    METHOD_NAMES
        .iter()
        .find(|l| values(fam, l).next().is_some())
        .map(|l| l.to_string())
}

/// The label whose values say hit or miss, with both present.
pub(crate) fn hit_miss_label(fam: &Family) -> Option<String> {
    label_names(fam)
        .into_iter()
        .find(|l| {
            values(fam, l).any(|v| hit_or_miss(v) == Some(true))
                && values(fam, l).any(|v| hit_or_miss(v) == Some(false))
        })
        .map(str::to_string)
}

/// Every label named by a rule, for the parser to keep.
pub(crate) fn named_labels() -> impl Iterator<Item = &'static str> {
    ROUTE_NAMES
        .iter()
        .chain(STATUS_NAMES)
        .chain(METHOD_NAMES)
        .copied()
        .chain(
            INCOMING
                .iter()
                .flat_map(|r| r.route.into_iter().chain(r.status)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(route_shaped("/items/{id}") && route_shaped("/") && route_shaped("/u/:id"));
        assert!(!route_shaped("subroute") && !route_shaped("//x") && !route_shaped("/a b"));
        assert!(status_shaped("404") && status_shaped("2xx") && status_shaped("5XX"));
        assert!(!status_shaped("600") && !status_shaped("042") && !status_shaped("OK"));
        assert_eq!(hit_or_miss("HIT"), Some(true));
        assert_eq!(hit_or_miss("miss"), Some(false));
        assert_eq!(hit_or_miss("stale"), None);
    }
}
