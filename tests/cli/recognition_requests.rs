//! The general rules for incoming requests, route and status labels, caches and scrapes
//! (#23 §2, §3, §4, §6), proven on namespaces, names and labels that appear nowhere in
//! promtune's code: each page here is invented, so only a general rule can read it.

use crate::support::{check_row, json_of, pattern_row, promtune_stdin};
use serde_json::Value;

/// The JSON report of one page given on standard input.
fn report(page: &str) -> Value {
    let r = promtune_stdin(
        &["analyze", "--format", "json", "--fail-on", "never", "-"],
        page.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    json_of(&r.stdout)["reports"][0].clone()
}

/// (family, route label, status label, total) of the recognised requests.
fn requests(r: &Value) -> (String, Value, Value, Value) {
    let q = &r["requests"];
    assert!(!q.is_null(), "no requests recognised: {r}");
    (
        q["family"].as_str().unwrap().to_string(),
        q["route_label"].clone(),
        q["status_label"].clone(),
        q["total"].clone(),
    )
}

/// Every cache found: (subject, value).
fn caches(r: &Value) -> Vec<(String, Value)> {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "cache_hit_rate" && !c["subject"].is_null())
        .map(|c| {
            (
                c["subject"].as_str().unwrap().to_string(),
                c["value"].clone(),
            )
        })
        .collect()
}

/// Asserts that `page`'s requests are counted from `family`, `total` of them; the report.
fn counted(page: &str, family: &str, total: u64) -> Value {
    let r = report(page);
    let (got, _, _, n) = requests(&r);
    assert_eq!((got.as_str(), n), (family, total.into()));
    r
}

/// Asserts that no request family is recognised on `page`.
fn uncounted(page: &str) {
    let r = report(page);
    assert!(r["requests"].is_null(), "{page}: {}", r["requests"]);
}

/// Asserts that the report found exactly one cache, `subject`, with hit ratio `ratio`.
fn one_cache(r: &Value, subject: &str, ratio: f64) {
    assert_eq!(caches(r), [(subject.to_string(), serde_json::json!(ratio))]);
}

#[test]
fn a_proxy_counts_its_client_side_and_is_a_cache() {
    let page = "# TYPE wobblefront_client_http_requests_total counter\n\
                wobblefront_client_http_requests_total 30\n\
                # TYPE wobblefront_server_http_requests_total counter\n\
                wobblefront_server_http_requests_total 24\n\
                # TYPE wobblefront_client_http_hits_total counter\n\
                wobblefront_client_http_hits_total 18\n";
    let r = counted(page, "wobblefront_client_http_requests_total", 30);
    one_cache(&r, "wobblefront_client_http", 0.6);
    // Alone, a client counter counts what the process sends: not its requests.
    uncounted(
        "# TYPE wobblefront_client_http_requests_total counter\n\
         wobblefront_client_http_requests_total 30\n",
    );
}

#[test]
fn accesses_beside_an_uptime_are_requests() {
    let page = "# TYPE quillserve_accesses_total counter\nquillserve_accesses_total 120\n\
                # TYPE quillserve_uptime_seconds_total counter\nquillserve_uptime_seconds_total 60\n";
    counted(page, "quillserve_accesses_total", 120);
    uncounted("# TYPE quillserve_accesses_total counter\nquillserve_accesses_total 120\n");
}

#[test]
fn grpc_counts_handled_server_calls_by_code() {
    let page = "# TYPE grpc_server_handled_total counter\n\
        grpc_server_handled_total{grpc_service=\"zorp.Vault\",grpc_method=\"Open\",grpc_type=\"unary\",grpc_code=\"OK\"} 10\n\
        grpc_server_handled_total{grpc_service=\"zorp.Vault\",grpc_method=\"Open\",grpc_type=\"unary\",grpc_code=\"Unavailable\"} 2\n\
        # TYPE grpc_server_started_total counter\n\
        grpc_server_started_total{grpc_service=\"zorp.Vault\",grpc_method=\"Open\",grpc_type=\"unary\"} 13\n\
        # TYPE grpc_client_handled_total counter\n\
        grpc_client_handled_total{grpc_service=\"zorp.Ledger\",grpc_method=\"Put\",grpc_type=\"unary\",grpc_code=\"OK\"} 500\n";
    let r = report(page);
    let (family, route, status, total) = requests(&r);
    assert_eq!(family, "grpc_server_handled_total");
    assert_eq!((route, status), ("grpc_method".into(), "grpc_code".into()));
    assert_eq!(total, 12);
    // Unavailable is the server's failure (grpc-gateway's 503); a gRPC code is never a 404.
    assert_eq!(check_row(&r, "error_rate", None)["value"], 2.0 / 12.0);
    assert!(pattern_row(&r, "not_found")["requests"].is_null());
    // The calls the process makes are never its requests.
    uncounted(
        "# TYPE grpc_client_handled_total counter\n\
         grpc_client_handled_total{grpc_service=\"zorp.Ledger\",grpc_method=\"Put\",grpc_code=\"OK\"} 500\n",
    );
}

#[test]
fn dns_counts_queries_received() {
    let page = "# TYPE zonkdns_queries_received_total counter\n\
                zonkdns_queries_received_total{qtype=\"A\"} 30\n\
                zonkdns_queries_received_total{qtype=\"AAAA\"} 3\n\
                # TYPE zonkdns_upstream_queries_total counter\nzonkdns_upstream_queries_total 14\n";
    counted(page, "zonkdns_queries_received_total", 33);
    let own = report("# TYPE blorpd_queries counter\nblorpd_queries 33\n# TYPE blorpd_server_queries counter\nblorpd_server_queries 40\n");
    assert_eq!(requests(&own).0, "blorpd_queries");
    // A qualified count is a part (one transport) or the upstream side: not taken alone.
    for part in [
        "zonkdns_udp_queries_total",
        "zonkdns_upstream_queries_total",
    ] {
        uncounted(&format!("# TYPE {part} counter\n{part} 30\n"));
    }
}

#[test]
fn route_and_status_labels_by_their_values() {
    let page = "# TYPE plinth_http_requests_total counter\n\
        plinth_http_requests_total{url_pattern=\"/items/{id}\",rc=\"200\",method=\"GET\"} 5\n\
        plinth_http_requests_total{url_pattern=\"/metrics\",rc=\"200\",method=\"GET\"} 7\n\
        plinth_http_requests_total{url_pattern=\"/healthz\",rc=\"200\",method=\"GET\"} 3\n\
        plinth_http_requests_total{url_pattern=\"/items/{id}\",rc=\"404\",method=\"GET\"} 1\n\
        plinth_http_requests_total{url_pattern=\"/items/{id}\",rc=\"503\",method=\"GET\"} 4\n";
    let r = report(page);
    let (_, route, status, total) = requests(&r);
    assert_eq!(
        (route, status, total),
        ("url_pattern".into(), "rc".into(), 20.into())
    );
    assert_eq!(pattern_row(&r, "metrics_scrapes")["requests"], 7);
    assert_eq!(pattern_row(&r, "health_checks")["requests"], 3);
    assert_eq!(pattern_row(&r, "not_found")["requests"], 1);
    assert_eq!(check_row(&r, "error_rate", None)["value"], 0.2);
}

#[test]
fn status_classes_by_their_values() {
    let page = "# TYPE gadget_http_requests_total counter\n\
        gadget_http_requests_total{klass=\"2XX\"} 90\n\
        gadget_http_requests_total{klass=\"5XX\"} 10\n";
    let (_, route, status, _) = requests(&report(page));
    assert_eq!((route, status), (Value::Null, "klass".into()));
}

#[test]
fn a_known_label_name_whose_values_disagree_is_not_taken() {
    // `handler` holds module names here, and `status` cache results: neither is a route or
    // a status, whatever their names promise.
    let page = "# TYPE gadget_http_requests_total counter\n\
        gadget_http_requests_total{handler=\"file_server\",status=\"hit\"} 6\n\
        gadget_http_requests_total{handler=\"reverse_proxy\",status=\"miss\"} 2\n";
    let r = report(page);
    let (_, route, status, total) = requests(&r);
    assert_eq!((route, status, total), (Value::Null, Value::Null, 8.into()));
    assert!(pattern_row(&r, "metrics_scrapes")["requests"].is_null());
    // …but a hit/miss label on a request family is a cache.
    one_cache(&r, "gadget_http_requests", 0.75);
}

#[test]
fn a_cache_label_on_requests_whatever_its_name_and_case() {
    let page = "# TYPE gizmo_http_requests_total counter\n\
        gizmo_http_requests_total{route=\"/a\",cache=\"HIT\",code=\"200\"} 6\n\
        gizmo_http_requests_total{route=\"/b\",cache=\"HIT\",code=\"200\"} 3\n\
        gizmo_http_requests_total{route=\"/a\",cache=\"MISS\",code=\"200\"} 1\n";
    let r = report(page);
    assert_eq!(requests(&r).1, "route");
    one_cache(&r, "gizmo_http_requests", 0.9);
}

#[test]
fn a_histogram_alone_is_requests_by_its_route_and_answer() {
    let page = "# TYPE frob_timing_ms histogram\n\
        frob_timing_ms_bucket{path_template=\"/api/{id}\",method=\"GET\",status=\"200\",le=\"+Inf\"} 9\n\
        frob_timing_ms_sum{path_template=\"/api/{id}\",method=\"GET\",status=\"200\"} 90\n\
        frob_timing_ms_count{path_template=\"/api/{id}\",method=\"GET\",status=\"200\"} 9\n\
        frob_timing_ms_bucket{path_template=\"/metrics\",method=\"GET\",status=\"200\",le=\"+Inf\"} 4\n\
        frob_timing_ms_sum{path_template=\"/metrics\",method=\"GET\",status=\"200\"} 4\n\
        frob_timing_ms_count{path_template=\"/metrics\",method=\"GET\",status=\"200\"} 4\n";
    let r = report(page);
    let (family, route, status, total) = requests(&r);
    assert_eq!(family, "frob_timing_ms");
    assert_eq!(r["requests"]["selector"], "frob_timing_ms_count");
    assert_eq!(
        (route, status, total),
        ("path_template".into(), "status".into(), 13.into())
    );
    assert_eq!(pattern_row(&r, "metrics_scrapes")["requests"], 4);
    // A path alone may hold files: a histogram without an answer is not requests.
    uncounted(
        "# TYPE frob_flush_seconds histogram\n\
         frob_flush_seconds_bucket{dir=\"/var/lib/frob\",le=\"+Inf\"} 9\n\
         frob_flush_seconds_sum{dir=\"/var/lib/frob\"} 1\n\
         frob_flush_seconds_count{dir=\"/var/lib/frob\"} 9\n",
    );
}

#[test]
fn counts_that_are_not_what_the_service_received() {
    for (why, page) in [
        (
            "both directions in one family: the sum is not what was received",
            "# TYPE zap_request_total counter\n\
             zap_request_total{direction=\"inbound\"} 5\n\
             zap_request_total{direction=\"outbound\"} 50\n",
        ),
        (
            "calls to another system",
            "# TYPE blip_k8s_request_total counter\n\
             blip_k8s_request_total{status_code=\"200\",verb=\"GET\"} 100\n",
        ),
        (
            "a service's admin API, beside its traffic",
            "# TYPE blip_admin_http_requests_total counter\n\
             blip_admin_http_requests_total{path=\"/config\",code=\"200\"} 3\n",
        ),
    ] {
        eprintln!("{why}");
        uncounted(page);
    }
}

#[test]
fn intercepted_requests_are_not_scrapes() {
    let page = "# TYPE haproxy_frontend_intercepted_requests_total counter\n\
        haproxy_frontend_intercepted_requests_total{proxy=\"fe\"} 36\n";
    let r = report(page);
    assert!(pattern_row(&r, "metrics_scrapes")["requests"].is_null());
}

#[test]
fn a_handler_counter_merged_from_several_handlers_is_not_scrapes() {
    let merged = "# TYPE promhttp_metric_handler_requests_total counter\n\
        promhttp_metric_handler_requests_total{code=\"200\",exporter=\"a\"} 5\n\
        promhttp_metric_handler_requests_total{code=\"200\",exporter=\"b\"} 5\n";
    assert!(pattern_row(&report(merged), "metrics_scrapes")["requests"].is_null());
    let one = "# TYPE promhttp_metric_handler_requests_total counter\n\
        promhttp_metric_handler_requests_total{code=\"200\"} 5\n\
        promhttp_metric_handler_requests_total{code=\"503\"} 1\n";
    assert_eq!(pattern_row(&report(one), "metrics_scrapes")["requests"], 6);
}
