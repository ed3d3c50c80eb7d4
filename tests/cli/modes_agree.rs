//! The three ways to analyse a job (one URL with `--base-config`, `--targets-from`, and
//! `--prometheus` on a real Prometheus scraping it) propose the same scrape settings for it.
//! The truth is the job's interval as the config states it and Prometheus runs it; the page
//! itself counts few scrapes of its metrics endpoint (as if scraped every 50s), so a mode
//! that trusted the page over the config would leave the job alone. A second job serves a
//! page with no request metrics (as node_exporter does): it is scraped, costs ingest and is
//! fixed like any other job.

use crate::prometheus::{serve_files, Prometheus};
use crate::support::{json_of, promtune, PATIENCE};

/// A page whose own count of `/metrics` requests (120 in 100 minutes) says "every 50s".
const PAGE: &str = "# TYPE http_requests_total counter
http_requests_total{handler=\"/metrics\",code=\"200\"} 120
http_requests_total{handler=\"/api\",code=\"200\"} 9000
# TYPE process_start_time_seconds gauge
process_start_time_seconds START
";

/// A page without request metrics.
const NODE: &str = "# TYPE node_load1 gauge
node_load1 0.5
# TYPE node_memory_MemFree_bytes gauge
node_memory_MemFree_bytes 1e9
";

/// The job's proposed `(scrape_interval, scrape_timeout)` in `dir/prometheus-optimized.yml`.
fn proposed(dir: &std::path::Path, job: &str) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("prometheus-optimized.yml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let j = v["scrape_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|j| j["job_name"] == job)
        .unwrap_or_else(|| panic!("no job {job} in {text}"));
    let s = |k: &str| {
        j[k].as_str()
            .unwrap_or_else(|| panic!("{k}: {text}"))
            .to_string()
    };
    (s("scrape_interval"), s("scrape_timeout"))
}

#[test]
fn one_job_gets_one_answer_in_every_mode() {
    let root = tempfile::tempdir().unwrap();
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 6000;
    std::fs::write(
        root.path().join("metrics"),
        PAGE.replace("START", &start.to_string()),
    )
    .unwrap();
    std::fs::write(root.path().join("node"), NODE).unwrap();
    let addr = serve_files(root.path().to_path_buf());
    let config = format!(
        "global:\n  scrape_interval: 1m\nscrape_configs:\n  - job_name: app\n    scrape_interval: 2s\n    scrape_timeout: 2s\n    static_configs:\n      - targets: ['{addr}']\n  - job_name: node\n    scrape_interval: 2s\n    metrics_path: /node\n    static_configs:\n      - targets: ['{addr}']\n"
    );
    let base = root.path().join("prometheus.yml");
    std::fs::write(&base, &config).unwrap();
    let base = base.to_str().unwrap();
    // The proposed settings of `jobs`, and the report.
    let run = |extra: &[&str], jobs: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let mut args = vec![
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--write-configs",
            out.path().to_str().unwrap(),
        ];
        args.extend(extra);
        let r = promtune(&args);
        assert_eq!(r.code, 0, "{extra:?}: {}", r.stderr);
        let got: Vec<_> = jobs.iter().map(|j| proposed(out.path(), j)).collect();
        (got, r.stdout)
    };
    let url = format!("http://{addr}/metrics");
    let want = ("30s".to_string(), "10s".to_string());
    let (single, _) = run(&[&url, "--base-config", base, "--job", "app"], &["app"]);
    assert_eq!(
        single,
        std::slice::from_ref(&want),
        "one URL with --base-config"
    );
    let (fleet, _) = run(&["--targets-from", base], &["app", "node"]);
    assert_eq!(fleet, [want.clone(), want.clone()], "--targets-from");

    let Some(p) = Prometheus::start(&config) else {
        return;
    };
    // Ten scrapes in the last 30s: enough for the range below, polled rather than slept.
    p.wait_until(PATIENCE, |p| {
        ["app", "node"].iter().all(|j| {
            p.scalar(&format!("count_over_time(up{{job=\"{j}\"}}[30s])"))
                .is_some_and(|n| n >= 10.0)
        })
    });
    let (server, json) = run(
        &["--prometheus", &p.url, "--range", "30s"],
        &["app", "node"],
    );
    assert_eq!(server, [want.clone(), want], "--prometheus");
    // Both targets are in the fleet's ingest: Prometheus's own count of the samples each
    // scrape wrote, over the 2s interval.
    let v = json_of(&json);
    assert_eq!(v["reports"].as_array().unwrap().len(), 2, "{json}");
    let written = p
        .scalar("sum(scrape_samples_scraped)")
        .expect("samples scraped");
    let ingest = v["fleet"]["ingest_per_second"].as_f64().unwrap();
    assert!(
        (ingest - written / 2.0).abs() < 1e-9,
        "{ingest} vs {written}/2"
    );
    // The job alone is analysed too: its scrape figures known, its request checks unknown.
    let r = promtune(&[
        "analyze",
        "--prometheus",
        &p.url,
        "--range",
        "30s",
        "--job",
        "node",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_of(&r.stdout);
    let report = &v["reports"][0];
    assert_eq!(report["scrape"]["interval_seconds"], 2.0, "{}", r.stdout);
    let rate = crate::server_mode::check(report, "request_rate");
    assert_eq!(rate["status"], "unknown", "{rate}");
}
