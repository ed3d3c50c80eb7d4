//! Which process a figure belongs to (#23 §1, §5, §7), proven on namespaces that appear
//! nowhere in promtune's code: the rules are conventions, so a program nobody listed must be
//! read as well as one somebody did.

use serde_json::Value;

use crate::support::{check_row, json_of, promtune_stdin};

/// The scrape time every page here is analysed at.
const AT: &str = "2000";

/// The client library's own families, as an exporter's page carries them: its process
/// started at 1000, so it has been up 1000s at [`AT`].
const LIBRARY: &str = "\
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.3e+07
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 7
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1000
# TYPE go_goroutines gauge
go_goroutines 9
";

/// The service's own process, read from its pid file: up 100s at [`AT`].
fn service_process(ns: &str) -> String {
    format!(
        "# TYPE {ns}_process_resident_memory_bytes gauge\n{ns}_process_resident_memory_bytes 5e+08\n\
         # TYPE {ns}_process_cpu_seconds_total counter\n{ns}_process_cpu_seconds_total 50\n\
         # TYPE {ns}_process_start_time_seconds gauge\n{ns}_process_start_time_seconds 1900\n"
    )
}

fn report(page: &str) -> Value {
    let r = promtune_stdin(
        &[
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--scraped-at",
            AT,
            "-",
        ],
        page.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    json_of(&r.stdout)["reports"][0].clone()
}

fn note(report: &Value, id: &str) -> String {
    check_row(report, id, None)["note"]
        .as_str()
        .unwrap()
        .to_string()
}

fn value(report: &Value, id: &str) -> Value {
    check_row(report, id, None)["value"].clone()
}

/// Memory, CPU and uptime are the service's `<ns>_process_*`, with the exporter's own named.
fn assert_service_process(r: &Value, ns: &str) {
    assert_eq!(value(r, "memory"), 5e8, "{}", note(r, "memory"));
    let memory = note(r, "memory");
    assert!(
        memory.starts_with(&format!("{ns}_process_resident_memory_bytes (")),
        "{memory}"
    );
    assert!(
        memory.contains("; process_resident_memory_bytes (")
            && memory.contains("exporter's own process, not"),
        "{memory}"
    );
    // 50 CPU seconds over the service's 100s, not over the exporter's 1000s.
    assert_eq!(value(r, "cpu"), 0.5, "{}", note(r, "cpu"));
    assert_eq!(r["uptime_seconds"], 100.0);
    assert!(r["uptime_source"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{ns}_process_start_time_seconds and")));
}

/// Memory, CPU and uptime are unknown, each saying which marker made process_* the exporter's.
fn assert_unknown_naming(r: &Value, marker: &str) {
    for id in ["memory", "cpu"] {
        assert_eq!(value(r, id), Value::Null, "{id}: {}", note(r, id));
        assert!(note(r, id).contains(marker), "{id}: {}", note(r, id));
    }
    assert_eq!(r["uptime_seconds"], Value::Null);
    let source = r["uptime_source"].as_str().unwrap();
    assert!(
        source.contains(marker) && source.contains("exporter's own"),
        "{source}"
    );
}

/// With `marker` on the page, the service's `<ns>_process_*` is read; without it, nothing of
/// the exporter's stands in, and the reason names `family`.
fn both_ways(marker: &str, ns: &str, family: &str) {
    assert_service_process(
        &report(&format!("{LIBRARY}{marker}{}", service_process(ns))),
        ns,
    );
    assert_unknown_naming(&report(&format!("{LIBRARY}{marker}")), family);
}

#[test]
fn an_exporters_build_info_makes_process_star_the_exporters() {
    let marker = "# TYPE quokkadb_exporter_build_info gauge\nquokkadb_exporter_build_info{version=\"0.1\"} 1\n";
    both_ways(marker, "quokkadb", "quokkadb_exporter_build_info");
}

#[test]
fn an_exporters_scrape_counter_marks_it_too() {
    let page = format!(
        "{LIBRARY}# TYPE frobnik_exporter_scrapes_total counter\nfrobnik_exporter_scrapes_total 12\n"
    );
    assert_unknown_naming(&report(&page), "frobnik_exporter_scrapes_total");
}

#[test]
fn a_namespace_up_gauge_names_the_service() {
    let up = "# TYPE zanthor_up gauge\nzanthor_up 1\n";
    both_ways(up, "zanthor", "zanthor_up");
    // The service's own uptime, by the <ns>_uptime_seconds convention, dates its counters.
    let r = report(&format!(
        "{LIBRARY}{up}# TYPE zanthor_uptime_seconds gauge\nzanthor_uptime_seconds 400\n"
    ));
    assert_eq!(r["uptime_seconds"], 400.0);
    assert_eq!(r["uptime_source"], "zanthor_uptime_seconds");
}

#[test]
fn the_library_beside_a_foreign_process_is_an_exporters() {
    // No marker: the page shows two processes, the library's and plimco's own.
    let r = report(&format!("{LIBRARY}{}", service_process("plimco")));
    assert_service_process(&r, "plimco");
}

#[test]
fn a_service_counter_goes_over_the_services_uptime() {
    let requests = "# TYPE zanthor_http_requests_total counter\n\
        zanthor_http_requests_total{code=\"200\"} 90\nzanthor_http_requests_total{code=\"500\"} 10\n";
    let up = "# TYPE zanthor_up gauge\nzanthor_up 1\n";
    // 100 requests over the service's 100s: 1/s, not 0.1/s over the exporter's 1000s.
    let r = report(&format!(
        "{LIBRARY}{up}{}{requests}",
        service_process("zanthor")
    ));
    assert_eq!(
        value(&r, "request_rate"),
        1.0,
        "{}",
        note(&r, "request_rate")
    );
    // The service's uptime unknown: so is the rate, and the note says why.
    let r = report(&format!("{LIBRARY}{up}{requests}"));
    assert_eq!(value(&r, "request_rate"), Value::Null);
    assert!(
        note(&r, "request_rate").contains("zanthor_up"),
        "{}",
        note(&r, "request_rate")
    );
}

#[test]
fn a_general_rule_wins_over_the_known_service_table() {
    // redis_up is in the table, whose memory is redis_memory_used_rss_bytes; the service's
    // own process figures, when the page has them, come first.
    let page = format!(
        "{LIBRARY}# TYPE redis_up gauge\nredis_up 1\n\
         # TYPE redis_memory_used_rss_bytes gauge\nredis_memory_used_rss_bytes 8e+06\n{}",
        service_process("redis")
    );
    let r = report(&page);
    assert!(note(&r, "memory").starts_with("redis_process_resident_memory_bytes ("));
    assert_eq!(value(&r, "memory"), 5e8);
    // memcached_exporter with its pid-file option: the table's CPU split (user, system) gives
    // way to the service's process collector, and the memory it lacked is there.
    let page = format!(
        "{LIBRARY}# TYPE memcached_up gauge\nmemcached_up 1\n\
         # TYPE memcached_process_user_cpu_seconds_total counter\n\
         memcached_process_user_cpu_seconds_total 1\n{}",
        service_process("memcached")
    );
    assert_service_process(&report(&page), "memcached");
}

/// Memory, CPU and uptime are the plain `process_*` of [`LIBRARY`]: the page is about its own
/// process.
fn plain(r: &Value) {
    assert_eq!(value(r, "memory"), 1.3e7, "{}", note(r, "memory"));
    assert_eq!(
        note(r, "memory"),
        "process_resident_memory_bytes (resident set size)"
    );
    assert_eq!(value(r, "cpu"), 0.007);
    assert_eq!(
        r["uptime_source"],
        "process_start_time_seconds and --scraped-at"
    );
}

#[test]
fn pages_about_their_own_process_keep_it() {
    // A native service: its own namespace, no marker, no second process.
    plain(&report(&format!(
        "{LIBRARY}# TYPE glorpd_connections gauge\nglorpd_connections 4\n\
         # TYPE glorpd_startup_duration_seconds gauge\nglorpd_startup_duration_seconds 2\n"
    )));
    // An app instrumented with a client library, its own namespace and its own requests.
    let app = format!(
        "{LIBRARY}# TYPE python_info gauge\npython_info{{version=\"3.11\"}} 1\n\
         # TYPE blarnapp_http_requests_total counter\n\
         blarnapp_http_requests_total{{handler=\"/orders\",status=\"200\"}} 500\n\
         # TYPE blarnapp_orders_total counter\nblarnapp_orders_total 40\n"
    );
    let r = report(&app);
    plain(&r);
    assert_eq!(value(&r, "request_rate"), 0.5);
    // Not markers: `up` itself, a gauge ending in `startup`, an `<ns>_up` of one series per
    // device.
    plain(&report(&format!(
        "{LIBRARY}# TYPE up gauge\nup 1\n# TYPE wibble_startup gauge\nwibble_startup 1\n\
         # TYPE wibblefs_up gauge\nwibblefs_up{{device=\"a\"}} 1\nwibblefs_up{{device=\"b\"}} 0\n"
    )));
}

#[test]
fn a_lone_namespaced_process_is_the_pages_own() {
    // No client library: cilium-agent's way, the program's own process under its namespace.
    let r = report(&service_process("vrillex"));
    assert_eq!(value(&r, "memory"), 5e8);
    assert!(note(&r, "memory").starts_with("vrillex_process_resident_memory_bytes ("));
    assert_eq!(value(&r, "cpu"), 0.5);
    // Two namespaces' uptimes and nothing to say which is the page's: unknown.
    let r = report(
        "# TYPE ab_host_uptime_seconds gauge\nab_host_uptime_seconds 9000\n\
         # TYPE ab_daemon_uptime_seconds gauge\nab_daemon_uptime_seconds 30\n",
    );
    assert_eq!(r["uptime_seconds"], Value::Null);
}

#[test]
fn memory_or_cpu_by_process_makes_process_star_the_collectors() {
    // A collector: the memory and CPU of the runtimes it reads, each named by its tag, pid or
    // container, beside the library's process_* of the script that reads them.
    for (family, label) in [
        ("quillet_runtime_memory_used_bytes", "runtime_tag"),
        ("quillet_component_rss_mb", "pid"),
        ("quillet_container_cpu_ratio", "container_id"),
    ] {
        let page = format!("{LIBRARY}# TYPE {family} gauge\n{family}{{{label}=\"4711\"}} 3e+09\n");
        assert_unknown_naming(&report(&page), family);
    }
    // A native app's own memory, and a process label on something that is not memory or CPU:
    // its process_* stays its own. So does a pod, which is where a process runs, not which.
    plain(&report(&format!(
        "{LIBRARY}# TYPE brindle_cache_memory_bytes gauge\nbrindle_cache_memory_bytes 5e+06\n\
         # TYPE brindle_worker_jobs gauge\nbrindle_worker_jobs{{pid=\"12\"}} 3\n\
         # TYPE brindle_heap_memory_bytes gauge\nbrindle_heap_memory_bytes{{pod=\"brindle-0\"}} 4e+06\n"
    )));
}

#[test]
fn a_prober_of_remote_hosts_is_not_what_it_probes() {
    let info =
        "# TYPE glimmer_pinger_build_info gauge\nglimmer_pinger_build_info{version=\"1\"} 1\n\
        # TYPE glimmer_pinger_config_last_reload_successful gauge\n\
        glimmer_pinger_config_last_reload_successful 1\n";
    let probes = "# TYPE glimmer_probes_total counter\nglimmer_probes_total{host=\"a\",ip=\"10.0.0.1\"} 9\n\
        # TYPE glimmer_rtt_seconds histogram\nglimmer_rtt_seconds_bucket{target=\"b\",le=\"+Inf\"} 7\n\
        glimmer_rtt_seconds_sum{target=\"b\"} 0.1\nglimmer_rtt_seconds_count{target=\"b\"} 7\n";
    assert_unknown_naming(
        &report(&format!("{LIBRARY}{info}{probes}")),
        "glimmer_pinger_build_info",
    );
    // A service that also calls remote hosts measures its own work too: its process_* is its own.
    plain(&report(&format!(
        "{LIBRARY}{info}{probes}# TYPE glimmer_jobs_total counter\nglimmer_jobs_total{{queue=\"q\"}} 4\n"
    )));
}
