//! What counts as an incoming request, per protocol, and which labels carry the route and the
//! status. Each rule names the convention it relies on; none names a program, so a namespace
//! nobody listed is read by the same rules (#23). `docs/exporters.md` states them.

use crate::detect::routes;
use crate::model::Family;

/// How a counter of incoming requests is named. Names are read as `_`-separated words, with
/// `_total` dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Name {
    /// This exact name: a library's fixed name, whatever the namespace.
    Exact(&'static str),
    /// The last words are these.
    Ends(&'static [&'static str]),
    /// `<ns>_<word>`: a namespace and this one word, nothing qualifying it.
    Own(&'static str),
    /// `<ns>_<word>` with `<ns>_<sibling>` on the same page.
    Beside(&'static str, &'static str),
    /// `<ns>_client_…requests` whose twin `<ns>_server_…requests` is on the page.
    ClientOfPair,
    /// The words include this run.
    Has(&'static [&'static str]),
}

/// One protocol's counter of the requests a service receives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming {
    /// The protocol, for the docs (checked against them by a test).
    #[cfg_attr(not(test), expect(dead_code))]
    pub(crate) protocol: &'static str,
    /// How the counter is named.
    pub(crate) name: Name,
    /// The label that carries what was asked for, when the convention fixes it.
    pub(crate) route: Option<&'static str>,
    /// The label that carries the answer, when the convention fixes it.
    pub(crate) status: Option<&'static str>,
    /// Whether the name alone is not enough: the family must also carry a route or status
    /// recognised by its values, or name its protocol (`http`, `grpc`, `dns`).
    pub(crate) needs_evidence: bool,
    /// The convention relied on, for the docs (checked against them by a test).
    #[cfg_attr(not(test), expect(dead_code))]
    pub(crate) why: &'static str,
}

const fn rule(protocol: &'static str, name: Name, why: &'static str) -> Incoming {
    Incoming {
        protocol,
        name,
        route: None,
        status: None,
        needs_evidence: false,
        why,
    }
}

/// Every way an incoming request is counted, most specific first.
pub(crate) const INCOMING: &[Incoming] = &[
    Incoming {
        route: Some("grpc_method"),
        status: Some("grpc_code"),
        ..rule(
            "gRPC",
            Name::Exact("grpc_server_handled_total"),
            "go-grpc-prometheus and its ports count each RPC the server finished, by `grpc_code`; \
             `grpc_server_started_total` counts RPCs begun, `grpc_client_*` the RPCs the process \
             sends",
        )
    },
    Incoming {
        route: Some("grpc_server_method"),
        status: Some("grpc_server_status"),
        ..rule(
            "gRPC",
            Name::Exact("grpc_io_server_completed_rpcs"),
            "OpenCensus's gRPC server view: completed RPCs by method and status",
        )
    },
    rule(
        "HTTP proxy",
        Name::ClientOfPair,
        "a proxy is a server to its clients and a client of its servers: with both halves on \
         the page (`<ns>_client_http_requests_total`, `<ns>_server_http_requests_total`), the \
         client half is what it received, the server half what it sent upstream",
    ),
    rule(
        "HTTP proxy",
        Name::Ends(&["downstream", "rq"]),
        "Envoy's vocabulary: downstream is the client side, upstream the backends, rq a request",
    ),
    rule(
        "HTTP server status page",
        Name::Beside("accesses", "uptime_seconds"),
        "Apache's server-status counts requests served as Total Accesses, and its exporters put \
         it beside the server's uptime; an `accesses` counter alone could count anything",
    ),
    rule(
        "DNS and other query services",
        Name::Own("queries"),
        "a service that answers queries counts them under its own namespace; a qualifier \
         (`<ns>_server_queries`, `<ns>_udp_queries`) makes it a part or the upstream side",
    ),
    rule(
        "DNS and other query services",
        Name::Ends(&["incoming", "queries"]),
        "queries received, named by their direction",
    ),
    rule(
        "DNS and other query services",
        Name::Ends(&["queries", "received"]),
        "queries received, named by their direction",
    ),
    rule(
        "HTTP",
        Name::Has(&["responses", "total", "by", "status"]),
        "django-prometheus names its counters after their labels: \
         `…_responses_total_by_status_view_method` has the status",
    ),
    rule(
        "HTTP",
        Name::Has(&["requests", "total", "by"]),
        "django-prometheus's `…_requests_total_by_view_transport_method`",
    ),
    Incoming {
        needs_evidence: true,
        ..rule(
            "HTTP",
            Name::Ends(&["requests"]),
            "client libraries name the served-request counter `…requests_total`",
        )
    },
    Incoming {
        needs_evidence: true,
        ..rule(
            "HTTP",
            Name::Ends(&["request"]),
            "the singular, as Linkerd and Ray write it",
        )
    },
    Incoming {
        needs_evidence: true,
        ..rule(
            "HTTP",
            Name::Ends(&["requests", "received"]),
            "prometheus-net's `http_requests_received_total`",
        )
    },
    Incoming {
        needs_evidence: true,
        ..rule(
            "HTTP, DNS",
            Name::Ends(&["request", "count"]),
            "OpenCensus-style `…_request_count`",
        )
    },
    Incoming {
        needs_evidence: true,
        ..rule(
            "HTTP",
            Name::Ends(&["responses"]),
            "a response is a request answered: `…_responses_total` by status counts them",
        )
    },
];

/// Parts of names that mark a family as something other than the requests a service
/// received, each with why.
pub(crate) const NOT_INCOMING: &[(&str, &str)] = &[
    (
        "client",
        "requests the process sends (`rest_client_requests_total`, `grpc_client_*`), unless \
         the `server` twin makes it a proxy's client side",
    ),
    ("upstream", "a proxy's requests to its backends"),
    ("outgoing", "requests sent"),
    (
        "k8s",
        "calls to the Kubernetes API a controller makes (`<ns>_k8s_request_total`)",
    ),
    (
        "redis",
        "calls to a Redis the service uses (`<ns>_redis_request_duration`)",
    ),
    (
        "promhttp_metric_handler",
        "scrapes only: read by `metrics_scrapes`",
    ),
    ("in_flight", "requests being served now, a gauge"),
    ("inflight", "requests being served now, a gauge"),
    ("in_progress", "requests being served now, a gauge"),
    ("active", "requests being served now, a gauge"),
    ("pending", "requests waiting, a gauge"),
    ("_size", "the size of requests, not their number"),
    ("_bytes", "the size of requests, not their number"),
    ("max_requests", "a limit"),
    (
        "admin",
        "a service's admin API, beside the traffic it serves",
    ),
    (
        "delegated",
        "requests the process delegates to another server (authentication, authorization)",
    ),
    ("nginx_process", "nginx's worker processes"),
    ("control_", "a control plane's own calls"),
    ("error", "errors only, a part of the requests"),
    ("limiter", "a rate limiter's decisions"),
];

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

/// Words in a request-latency family's name: a request, and a time.
pub(crate) const LATENCY_WORDS: (&[&str], &[&str]) =
    (&["request", "http"], &["duration", "seconds", "latency"]);

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

/// Words that name a count as the whole of its kind, beside counts of its parts.
pub(crate) const WHOLE: &[&str] = &["total", "all"];

/// Whether a name says it is the whole: a [`WHOLE`] word before its last.
pub(crate) fn names_whole(name: &str) -> bool {
    let w = words(name);
    w.len() > 1 && w[..w.len() - 1].iter().any(|x| WHOLE.contains(x))
}

/// The words of a name, `_total` dropped.
fn words(name: &str) -> Vec<&str> {
    name.strip_suffix("_total")
        .unwrap_or(name)
        .split('_')
        .collect()
}

impl Name {
    /// Whether `name` is named this way; `has` says whether a family is on the page.
    pub(crate) fn matches(&self, name: &str, has: &dyn Fn(&str) -> bool) -> bool {
        let w = words(name);
        match *self {
            Name::Exact(n) => name == n,
            Name::Ends(end) => w.ends_with(end),
            Name::Own(word) => w.len() == 2 && w[1] == word,
            Name::Beside(word, sibling) => {
                w.len() == 2
                    && w[1] == word
                    && [
                        format!("{}_{sibling}_total", w[0]),
                        format!("{}_{sibling}", w[0]),
                    ]
                    .iter()
                    .any(|s| has(s))
            }
            Name::Has(run) => w.windows(run.len()).any(|x| x == run),
            Name::ClientOfPair => {
                w.len() > 2
                    && w[1] == "client"
                    && w.last().is_some_and(|l| l.starts_with("request"))
                    && has(&name.replacen("_client_", "_server_", 1))
            }
        }
    }
}

/// The first incoming rule `name` follows, unless a part of it says otherwise.
pub(crate) fn incoming(name: &str, has: &dyn Fn(&str) -> bool) -> Option<&'static Incoming> {
    let rule = INCOMING.iter().find(|r| r.name.matches(name, has))?;
    let excluded = |part: &str| {
        name.contains(part) && !(part == "client" && matches!(rule.name, Name::ClientOfPair))
    };
    (!NOT_INCOMING.iter().any(|(part, _)| excluded(part))).then_some(rule)
}

/// Whether a family's name could be an incoming counter on some page (for the parser, which
/// sees one name at a time: pairs and siblings are assumed present).
pub(crate) fn incoming_name(name: &str) -> bool {
    incoming(name, &|_| true).is_some()
}

/// Whether a name is a request-latency histogram's or summary's.
pub(crate) fn latency_name(name: &str) -> bool {
    let (what, time) = LATENCY_WORDS;
    what.iter().any(|w| name.contains(w))
        && time.iter().any(|w| name.contains(w))
        && !NOT_INCOMING.iter().any(|(part, _)| name.contains(part))
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

    /// How a name shape reads in the docs.
    fn shape(n: Name) -> String {
        let join = |w: &[&str]| w.join("_");
        match n {
            Name::Exact(x) => format!("`{x}`"),
            Name::Ends(w) => format!("`…{}`", join(w)),
            Name::Own(w) => format!("`<ns>_{w}`"),
            Name::Beside(w, s) => format!("`<ns>_{w}` beside `<ns>_{s}`"),
            Name::ClientOfPair => "`<ns>_client_…requests` beside `<ns>_server_…requests`".into(),
            Name::Has(w) => format!("`…_{}_…`", join(w)),
        }
    }

    /// Each rule's row in docs/exporters.md.
    fn row(r: &Incoming) -> String {
        let label = |l: Option<&str>| l.map_or("by values".to_string(), |l| format!("`{l}`"));
        format!(
            "| {} | {} | {} | {} | {} | {} |",
            r.protocol,
            shape(r.name),
            if r.needs_evidence { "yes" } else { "no" },
            label(r.route),
            label(r.status),
            r.why
        )
    }

    #[test]
    fn every_rule_is_in_the_docs() {
        let docs = include_str!("../../../docs/exporters.md");
        let missing: Vec<String> = INCOMING
            .iter()
            .map(row)
            .filter(|r| !docs.contains(r.as_str()))
            .chain(
                NOT_INCOMING
                    .iter()
                    .map(|(part, why)| format!("| `{part}` | {why} |"))
                    .filter(|r| !docs.contains(r.as_str())),
            )
            .collect();
        assert!(
            missing.is_empty(),
            "rows missing from docs/exporters.md:\n{}",
            missing.join("\n")
        );
    }

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

    #[test]
    fn names() {
        let none = |_: &str| false;
        let all = |_: &str| true;
        assert!(incoming("quux_client_http_requests_total", &all).is_some());
        assert!(incoming("quux_client_http_requests_total", &none).is_none());
        assert!(incoming("quux_queries", &none).is_some());
        assert!(incoming("quux_udp_queries", &none).is_none());
        assert!(incoming("quux_accesses_total", &none).is_none());
        assert!(incoming("quux_accesses_total", &all).is_some());
        assert!(incoming("quux_k8s_request_total", &all).is_none());
        assert!(incoming("grpc_client_handled_total", &all).is_none());
        assert!(incoming("quux_requests_in_flight", &all).is_none());
    }
}
