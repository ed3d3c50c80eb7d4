//! What counts as an incoming request, per protocol, and which labels carry the route and the
//! status (by name; [`super::request_labels`] reads them). Each rule names the convention it
//! relies on; none names a program, so a namespace nobody listed is read by the same rules
//! (#23). `docs/exporters.md` states them.

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

/// Words in a request-latency family's name: a request, and a time.
pub(crate) const LATENCY_WORDS: (&[&str], &[&str]) =
    (&["request", "http"], &["duration", "seconds", "latency"]);

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
