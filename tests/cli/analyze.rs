//! `promtune analyze` on real exporter output: the numbers each detector reports.

use serde_json::Value;

use crate::support::check_row as check;
use crate::support::pattern_row as pattern;

use crate::support::report_at as analyze;

fn paths(p: &Value) -> Vec<(String, u64)> {
    p["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().to_string(),
                x["requests"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn close(v: &Value, expected: f64, tolerance: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!(
        (got - expected).abs() <= tolerance,
        "got {got}, expected {expected}"
    );
}

#[test]
fn guide_example_reproduces_the_guide() {
    // No --scraped-at: the samples' own timestamps date the scrape.
    let r = crate::support::analyze_json(&["fixtures/guide_example.prom"]);
    let r = crate::support::json_of(&r.stdout)["reports"][0].clone();
    assert_eq!(r["uptime_seconds"], 5910.0);
    assert_eq!(r["scraped_at_source"], "the latest sample timestamp");
    // --scraped-at wins over them (issue #22 §2): ten minutes later is 600s more uptime,
    // and the two times, ten scrape intervals apart, are reported.
    let later = analyze("fixtures/guide_example.prom", "1757324910");
    assert_eq!(later["uptime_seconds"], 6510.0);
    assert_eq!(later["scraped_at_source"], "--scraped-at");
    let notice = later["notices"][0].as_str().unwrap_or_default();
    assert!(
        notice.contains("600s apart, more than a scrape interval")
            && notice.ends_with("the figures use --scraped-at"),
        "{later}"
    );
    let m = pattern(&r, "metrics_scrapes");
    assert_eq!(m["requests"], 394);
    close(&m["interval_seconds"], 15.0, 1e-9);
    assert_eq!(pattern(&r, "health_checks")["requests"], 99);
    let nf = pattern(&r, "not_found");
    assert_eq!(paths(nf), vec![("/favicon.ico".to_string(), 2)]);
    close(
        &check(&r, "request_rate", None)["value"],
        1052.0 / 5910.0,
        1e-12,
    );
    assert_eq!(check(&r, "memory", None)["value"], 943718400.0);
    assert_eq!(check(&r, "memory", None)["status"], "warning");
    close(&check(&r, "p95_latency", None)["value"], 0.0095, 1e-12);
    close(
        &check(&r, "cache_hit_rate", Some("embedding_cache"))["value"],
        0.84,
        1e-12,
    );
    assert_eq!(
        check(&r, "cache_hit_rate", Some("query_cache"))["status"],
        "warning"
    );
    close(&check(&r, "error_rate", None)["value"], 3.0 / 1052.0, 1e-12);
    close(&check(&r, "cpu", None)["value"], 22.91 / 5910.0, 1e-12);
    let recs: Vec<&str> = r["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        recs,
        [
            "memory",
            "scrape_interval",
            "cache",
            "cache",
            "monitoring_traffic",
            "favicon"
        ]
    );
    close(&r["recommendations"][1]["expected_reduction"], 0.5, 1e-12);
}

#[test]
fn fastapi_instrumentator_grouped_status_and_hidden_paths() {
    // Captured start time 1795818923.07; ten minutes later.
    let r = analyze(
        "fixtures/exposition/fastapi_instrumentator.prom",
        "1795819523.07",
    );
    assert_eq!(r["requests"]["family"], "http_requests_total");
    assert_eq!(r["requests"]["route_label"], "handler");
    assert_eq!(r["requests"]["total"], 87);
    assert_eq!(pattern(&r, "metrics_scrapes")["requests"], 40);
    assert_eq!(pattern(&r, "health_checks")["requests"], 12);
    let nf = pattern(&r, "not_found");
    assert_eq!(
        paths(nf),
        vec![("(unmatched: handler=\"none\")".to_string(), 3)]
    );
    assert!(
        nf["note"].as_str().unwrap().contains("grouped (4xx)"),
        "{nf}"
    );
    let p95 = check(&r, "p95_latency", None);
    assert!(
        p95["note"]
            .as_str()
            .unwrap()
            .contains("http_request_duration_highr_seconds"),
        "{p95}"
    );
    assert!(
        p95["note"]
            .as_str()
            .unwrap()
            .contains("over http_request_duration_seconds ("),
        "{p95}"
    );
    close(&check(&r, "error_rate", None)["value"], 2.0 / 87.0, 1e-12);
}

#[test]
fn express_prom_bundle_counts_from_histogram_and_not_metrics() {
    let r = analyze("fixtures/exposition/express_prom_bundle.prom", "1795819523");
    assert_eq!(
        r["requests"]["selector"],
        "http_request_duration_seconds_count"
    );
    assert_eq!(r["requests"]["total"], 33);
    assert_eq!(pattern(&r, "metrics_scrapes")["requests"], Value::Null);
    assert_eq!(pattern(&r, "health_checks")["requests"], 8);
    assert_eq!(
        paths(pattern(&r, "not_found")),
        vec![("/favicon.ico".to_string(), 4)]
    );
    assert_eq!(check(&r, "memory", None)["value"], 67809280.0);
}

#[test]
fn prometheus_server_itself() {
    let r = analyze(
        "fixtures/corpus/prometheus-server/prometheus-v3-demo-alltypes.237mfs.prom",
        "1738150090.23",
    );
    assert_eq!(r["requests"]["family"], "prometheus_http_requests_total");
    assert_eq!(r["requests"]["status_label"], "code");
    assert_eq!(pattern(&r, "metrics_scrapes")["requests"], 4059092);
    // /status is Prometheus's status page, not a probe.
    assert_eq!(
        paths(pattern(&r, "health_checks")),
        vec![
            ("/-/healthy".to_string(), 29524),
            ("/-/ready".to_string(), 49)
        ]
    );
    let nf = paths(pattern(&r, "not_found"));
    assert!(nf.contains(&("/favicon.ico".to_string(), 177)), "{nf:?}");
    close(
        &check(&r, "request_rate", None)["value"],
        5840598.0 / 86400.0,
        1e-6,
    );
    // A busy, healthy server: its 68 req/s are reported, not judged.
    assert_eq!(check(&r, "request_rate", None)["status"], "ok");
    assert_eq!(check(&r, "memory", None)["value"], 172822528.0);
}

/// The default table reports the request rate without judging it, so a busy, healthy service
/// passes CI; `--profile guide` holds it to the guide's own lines (critical past 2/s), and
/// the guide's example reads the same in both.
#[test]
fn request_rate_is_judged_only_by_the_guide_profile() {
    // fastify-metrics under scripted traffic: 50 req/s, nothing past a warning line.
    let busy = "fixtures/capture/fastify_metrics/metrics.prom";
    // Each source at its own scrape time: the capture's, and the guide's sample timestamps.
    let run = |profile: &str, source: &str| {
        let at = if source == busy {
            "1796235837.906"
        } else {
            "1757324310"
        };
        crate::support::promtune(&[
            "analyze",
            "--format",
            "json",
            "--scraped-at",
            at,
            "--profile",
            profile,
            source,
        ])
    };
    let rr = |out: &str| {
        let v = crate::support::json_of(out);
        check(&v["reports"][0], "request_rate", None).clone()
    };
    let d = run("default", busy);
    assert_eq!((d.code, rr(&d.stdout)["status"].clone()), (0, "ok".into()));
    assert_eq!(rr(&d.stdout)["target"], Value::Null, "{}", d.stdout);
    let g = run("guide", busy);
    assert_eq!(
        (g.code, rr(&g.stdout)["status"].clone()),
        (1, "critical".into())
    );
    let guide = "fixtures/guide_example.prom";
    for profile in ["default", "guide"] {
        let r = run(profile, guide);
        let v = rr(&r.stdout);
        close(&v["value"], 1052.0 / 5910.0, 1e-12);
        assert_eq!(v["status"], "ok", "{profile}");
    }
    let table = crate::support::promtune(&["thresholds", "--profile", "guide"]);
    assert!(
        table.stdout.contains("< 0.5/s") && table.stdout.contains("> 2/s"),
        "{}",
        table.stdout
    );
}

#[test]
fn quarkus_micrometer_not_found_sentinel() {
    let r = analyze(
        "fixtures/corpus/java-quarkus/datadog-quarkus-auto-metrics.txt",
        "1734088955.036",
    );
    assert_eq!(
        r["requests"]["selector"],
        "http_server_requests_seconds_count"
    );
    assert_eq!(r["requests"]["route_label"], "uri");
    assert_eq!(
        paths(pattern(&r, "not_found")),
        vec![("(unmatched: uri=\"NOT_FOUND\")".to_string(), 1)]
    );
    let p95 = check(&r, "p95_latency", None);
    assert_eq!(p95["status"], "unknown");
    assert!(
        p95["note"]
            .as_str()
            .unwrap()
            .contains("has no 0.95 quantile"),
        "{p95}"
    );
    // JVM memory in use is not resident memory: named, never reported as memory.
    let memory = check(&r, "memory", None);
    assert_eq!(memory["value"], Value::Null);
    assert!(
        memory["note"]
            .as_str()
            .unwrap()
            .starts_with("only jvm_memory_used_bytes ("),
        "{memory}"
    );
}

#[test]
fn ray_serve_routes_and_errors() {
    let r = analyze(
        "fixtures/corpus/python-ray-serve/datadog-ray-2.6.1-head.txt",
        "1691156744.05",
    );
    assert_eq!(r["requests"]["family"], "ray_serve_num_http_requests");
    assert_eq!(r["requests"]["status_label"], "status_code");
    let nf = paths(pattern(&r, "not_found"));
    assert_eq!(nf[0].0, "/not-found");
    assert_eq!(pattern(&r, "not_found")["requests"], 39);
    assert_eq!(check(&r, "error_rate", None)["status"], "critical");
}

#[test]
fn opa_health_handler_names() {
    let r = analyze(
        "fixtures/corpus/go-opa/datadog-extras-open-policy-agent.txt",
        "1700000000",
    );
    assert_eq!(
        paths(pattern(&r, "health_checks")),
        vec![("health".to_string(), 5730)]
    );
    assert_eq!(check(&r, "request_rate", None)["status"], "unknown");
    close(
        &check(&r, "p95_latency", None)["value"],
        0.004754350955247317,
        1e-12,
    );
}

#[test]
fn kube_apiserver_and_linkerd_and_kong() {
    let r = analyze(
        "fixtures/corpus/kubernetes-apiserver/datadog-kube-apiserver-1.28.0.txt",
        "1696229842.94",
    );
    assert_eq!(r["requests"]["family"], "apiserver_request_total");
    assert_eq!(r["requests"]["total"], 292980);
    close(
        &check(&r, "request_rate", None)["value"],
        292980.0 / 3600.0,
        1e-6,
    );
    let r = analyze(
        "fixtures/corpus/linkerd/datadog-linkerd-v2-proxy.txt",
        "1560326533",
    );
    // request_total and response_total count both directions in one label
    // (`direction="inbound|outbound"`): their sum is not the requests received (1452 inbound,
    // 16285 outbound on this page), so requests are unknown rather than wrong (#23).
    assert!(r["requests"].is_null(), "{}", r["requests"]);
    assert_eq!(check(&r, "memory", None)["value"], 15806464.0);
    let r = analyze(
        "fixtures/corpus/kong/datadog-kong-prometheus-v3.txt",
        "1700000000",
    );
    assert_eq!(r["requests"]["family"], "kong_http_requests_total");
    assert!(check(&r, "p95_latency", None)["note"]
        .as_str()
        .unwrap()
        .contains("kong_request_latency_ms"));
    close(&check(&r, "p95_latency", None)["value"], 0.02375, 1e-12);
}

#[test]
fn gitlab_caches_and_summed_worker_memory() {
    let r = analyze(
        "fixtures/corpus/ruby-gitlab/datadog-gitlab-rails-metrics.txt",
        "1680512637.07",
    );
    let caches: Vec<&Value> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "cache_hit_rate")
        .collect();
    assert!(caches.len() >= 8, "{}", caches.len());
    assert!(caches.iter().all(|c| c["subject"]
        .as_str()
        .unwrap()
        .starts_with("gitlab_transaction_cache_read{")));
    // The Rails workers' ruby_process_* beside a Go process's plain process_* (go_* too):
    // the page is about the workers, so their memory is summed, and the other is named apart.
    let memory = check(&r, "memory", None);
    let note = memory["note"].as_str().unwrap();
    assert!(
        note.starts_with("ruby_process_resident_memory_bytes (") && note.contains("series summed"),
        "{note}"
    );
    assert!(note.contains("process_resident_memory_bytes (") && note.contains("own process, not"));
}

#[test]
fn exposition_without_requests_says_so() {
    let r = analyze(
        "fixtures/corpus/kube-state-metrics/datadog-ksm-prometheus.txt",
        "1700000000",
    );
    assert_eq!(r["requests"], Value::Null);
    for id in ["metrics_scrapes", "health_checks", "not_found"] {
        assert_eq!(pattern(&r, id)["requests"], Value::Null, "{id}");
    }
    assert!(r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "unknown"));
}

#[test]
fn starlette_exporter_drops_unmatched_requests() {
    let r = analyze("fixtures/exposition/starlette_exporter.prom", "1795820000");
    assert_eq!(r["requests"]["family"], "starlette_requests_total");
    assert_eq!(pattern(&r, "metrics_scrapes")["requests"], 30);
    assert_eq!(
        paths(pattern(&r, "health_checks")),
        vec![("/readyz".to_string(), 6)]
    );
    let nf = pattern(&r, "not_found");
    assert_eq!(nf["requests"], Value::Null);
    assert!(nf["note"]
        .as_str()
        .unwrap()
        .contains("does not record requests that match no route"));
    assert_eq!(check(&r, "not_found", None)["status"], "unknown");
    close(&check(&r, "error_rate", None)["value"], 1.0 / 52.0, 1e-12);
}
