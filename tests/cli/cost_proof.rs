//! Issue #24 §5: the metric_relabel_configs promtune proposes break no use, on real servers.
//! A Flask app instrumented by prometheus-flask-exporter (its default labels the request
//! histogram by the raw path) is scraped every second by four servers: Prometheus and
//! VictoriaMetrics with the base config, and both again with promtune's
//! prometheus-optimized.yml. The servers' own figures are the truth: promtune's `series` is
//! what `scrape_samples_scraped` counts, its `series_after` what
//! `scrape_samples_post_metric_relabeling` counts, every use given and every query promtune
//! writes answers the same series and values with and without the rules, and Prometheus
//! drops no sample as a duplicate.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::prometheus::{free_port, Prometheus};
use crate::relabel::writing;
use crate::series_exist::{filled, generated_queries};
use crate::stack::{answers, flask_python, wait_for, Processes};
use crate::support::{fixture, json_of};
use crate::victoria::Victoria;

/// The uses given with --usage: a rule file (a recording rule by status, an alert on the
/// latency histogram by `le`)…
const RULES: &str = "groups:
  - name: app
    rules:
      - record: status:flask_http_request:sum
        expr: sum by (status) (flask_http_request_total)
      - alert: SlowRequests
        expr: histogram_quantile(0.95, sum by (le) (rate(flask_http_request_duration_seconds_bucket[1m]))) > 1
";

/// …and a dashboard (requests by method and status, the cache, the builds running, the
/// latency buckets).
const DASHBOARD: &str = r#"{"title": "app", "panels": [
  {"title": "requests", "targets": [{"expr": "sum by (method, status) (flask_http_request_total{job=\"$job\"})"}]},
  {"title": "cache", "targets": [{"expr": "sum(rate(app_cache_hits_total{job=\"$job\"}[$__rate_interval]))"}]},
  {"title": "builds", "targets": [{"expr": "count(app_build_info{job=\"$job\"})"}]},
  {"title": "latency", "targets": [{"expr": "sum by (le) (flask_http_request_duration_seconds_bucket{job=\"$job\"})"}]}
]}"#;

/// The usage queries, as the servers are asked them.
pub(crate) fn usage_queries() -> Vec<(String, String)> {
    let rules: serde_yaml::Value = serde_yaml::from_str(RULES).unwrap();
    let mut out: Vec<(String, String)> = rules["groups"][0]["rules"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| ("rules.yml".into(), r["expr"].as_str().unwrap().to_string()))
        .collect();
    let dash: Value = serde_json::from_str(DASHBOARD).unwrap();
    for p in dash["panels"].as_array().unwrap() {
        out.push((
            format!("dashboard.json {}", p["title"]),
            p["targets"][0]["expr"].as_str().unwrap().to_string(),
        ));
    }
    out
}

/// An instant query at `t` (unix seconds) on a Prometheus-compatible server: each series'
/// labels (as JSON) and value.
pub(crate) fn at(url: &str, promql: &str, t: f64) -> BTreeMap<String, String> {
    let body: Value = reqwest::blocking::Client::new()
        .get(format!("{url}/api/v1/query"))
        .query(&[("query", promql), ("time", &format!("{t:.3}"))])
        .send()
        .and_then(|r| r.text())
        .map(|t| serde_json::from_str(&t).unwrap_or_else(|e| panic!("{promql}: {e}: {t}")))
        .unwrap_or_else(|e| panic!("{url}: {promql}: {e}"));
    assert_eq!(body["status"], "success", "{url}: {promql}: {body}");
    body["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["metric"].to_string(),
                s["value"][1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The one value of `promql` at `t`, if any.
pub(crate) fn one(url: &str, promql: &str, t: f64) -> Option<f64> {
    let r = at(url, promql, t);
    assert!(r.len() <= 1, "{url}: {promql}: {r:?}");
    r.values().next().map(|v| v.parse().unwrap())
}

/// The server's clock as its last scrape of the app dates it: the newest `up` sample.
pub(crate) fn last_scrape(url: &str) -> Option<f64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    one(url, "max(timestamp(up{job=\"flask\"}))", now)
}

/// The families the app's page holds whose values move between two servers' scrapes (the
/// process's own memory, CPU and garbage collector): compared by series, not by value.
fn moving(expr: &str) -> bool {
    ["process_", "python_gc_"].iter().any(|p| expr.contains(p))
}

/// Every query, on the server without the rules (`a`) and the one with them (`b`), at `t`:
/// the same series and, where the values hold still, the same values. Returns how many
/// queries returned series.
pub(crate) fn same_answers(
    what: &str,
    a: &str,
    b: &str,
    queries: &[(String, String)],
    t: f64,
) -> usize {
    let mut answered = 0;
    for (origin, expr) in queries {
        let expr = filled(expr, "flask");
        let (x, y) = (at(a, &expr, t), at(b, &expr, t));
        assert_eq!(
            x.keys().collect::<Vec<_>>(),
            y.keys().collect::<Vec<_>>(),
            "{what}: {origin}: {expr}: other series with the rules"
        );
        if !moving(&expr) {
            assert_eq!(
                x, y,
                "{what}: {origin}: {expr}: other values with the rules"
            );
        }
        answered += usize::from(!x.is_empty());
    }
    answered
}

/// The optimized config as a 1s-scraping server runs it: the intervals promtune sets back to
/// the base config's second (this proof is of the relabel rules, and a 30s scrape would only
/// make it slow), and the alert rules found beside it.
pub(crate) fn at_one_second(optimized: &str, dir: &Path) -> String {
    optimized
        .lines()
        .map(|l| {
            let key = l.trim_start();
            let indent = &l[..l.len() - key.len()];
            if key.starts_with("scrape_interval:") || key.starts_with("scrape_timeout:") {
                format!("{indent}{}: 1s", key.split(':').next().unwrap())
            } else if key.starts_with("- alert-rules.yml") {
                format!("{indent}- {}", dir.join("alert-rules.yml").display())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Flask app on a free port, after all its traffic (so its counters hold still from
/// here on): forty item IDs, each a raw path of its own, some read twice (cache hits), and a
/// 500. Returns the process (ended when dropped) and its `host:port`.
pub(crate) fn flask_with_traffic(python: &Path) -> (Processes, String) {
    let flask = format!("127.0.0.1:{}", free_port());
    let app = Processes(vec![Command::new(python)
        .arg(fixture("cost/app.py"))
        .arg(flask.rsplit(':').next().unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the Flask app")]);
    wait_for("Flask app", || answers(&format!("http://{flask}/metrics")));
    let client = reqwest::blocking::Client::new();
    for i in (1..=40).chain(1..=10) {
        client
            .get(format!("http://{flask}/items/{i}"))
            .send()
            .unwrap();
    }
    for path in ["/orders", "/orders", "/boom"] {
        client.get(format!("http://{flask}{path}")).send().unwrap();
    }
    (app, flask)
}

#[test]
fn relabel_rules_save_series_and_break_no_use_on_prometheus_and_victoria_metrics() {
    let Some(python) = flask_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (_app, flask) = flask_with_traffic(&python);

    let base = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: flask  # the app\n    static_configs:\n      - targets: ['{flask}']\n"
    );
    let (rules, dash, base_path) = (
        dir.path().join("rules.yml"),
        dir.path().join("dashboard.json"),
        dir.path().join("prometheus.yml"),
    );
    std::fs::write(&rules, RULES).unwrap();
    std::fs::write(&dash, DASHBOARD).unwrap();
    std::fs::write(&base_path, &base).unwrap();
    let out = dir.path().join("out");
    let r = writing(
        &[&format!("http://{flask}/metrics"), "--job", "flask"],
        &base_path,
        &out,
        &[
            "--usage",
            rules.to_str().unwrap(),
            "--usage",
            dash.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = &json_of(&r.stdout)["reports"][0];
    let (series, after) = (
        report["cost"]["series"].as_u64().unwrap(),
        report["cost"]["series_after"].as_u64().unwrap(),
    );
    assert!(after < series, "the rules save nothing: {series} → {after}");
    let optimized = std::fs::read_to_string(out.join("prometheus-optimized.yml")).unwrap();
    // A drop of what no use reads, and the build labels nobody groups by, each with its
    // evidence; the raw path is left to the source, since templating it merges series.
    assert!(optimized.contains("action: drop"), "{optimized}");
    assert!(optimized.contains("target_label: commit"), "{optimized}");
    assert!(optimized.contains("no use reads it"), "{optimized}");
    assert!(!optimized.contains("target_label: path"), "{optimized}");
    assert!(
        report["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["evidence"]
                .as_str()
                .unwrap()
                .contains("group_by='url_rule'")),
        "{report}"
    );
    let check = Command::new("promtool")
        .args(["check", "config"])
        .arg(out.join("prometheus-optimized.yml"))
        .output()
        .expect("run promtool");
    assert!(
        check.status.success(),
        "promtool check config: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    let b_config = out.join("one-second.yml");
    std::fs::write(&b_config, at_one_second(&optimized, &out)).unwrap();
    let (Some(prom_a), Some(prom_b)) = (
        Prometheus::start(&base),
        Prometheus::start(&std::fs::read_to_string(&b_config).unwrap()),
    ) else {
        return;
    };
    let (Some(vm_a), Some(vm_b)) = (
        Victoria::scraping(&base_path),
        Victoria::scraping(&b_config),
    ) else {
        return;
    };
    let servers = [
        ("Prometheus", &prom_a.url, &prom_b.url),
        ("VictoriaMetrics", &vm_a.url, &vm_b.url),
    ];
    // Five scrapes on every server, so that at the earlier of two servers' last scrapes each
    // has three or more, and every rate() window holds two samples on both.
    let first: Vec<f64> = servers
        .iter()
        .flat_map(|(_, a, b)| [a, b])
        .map(|u| {
            wait_for("a first scrape", || last_scrape(u).is_some());
            last_scrape(u).unwrap()
        })
        .collect();
    for ((_, a, b), t0) in servers.iter().zip(first.chunks(2)) {
        for (u, t) in [(a, t0[0]), (b, t0[1])] {
            wait_for("five scrapes", || {
                last_scrape(u).is_some_and(|l| l >= t + 4.5)
            });
        }
    }

    let mut queries = usage_queries();
    queries.extend(generated_queries(&out));
    for (what, a, b) in servers {
        let t = last_scrape(a).unwrap().min(last_scrape(b).unwrap());
        let scraped = one(a, "scrape_samples_scraped{job=\"flask\"}", t);
        assert_eq!(scraped, Some(series as f64), "{what}: series");
        let post = one(b, "scrape_samples_post_metric_relabeling{job=\"flask\"}", t);
        assert_eq!(post, Some(after as f64), "{what}: series_after");
        let answered = same_answers(what, a, b, &queries, t);
        assert!(
            answered >= usage_queries().len(),
            "{what}: only {answered} queries returned series"
        );
        eprintln!(
            "{what}: {series} → {after} samples per scrape; {answered} queries answer the same"
        );
    }
    // Prometheus counts the samples it drops as duplicates (its own /metrics: it does not
    // scrape itself here): none.
    let dup = reqwest::blocking::get(format!("{}/metrics", prom_b.url))
        .and_then(|r| r.text())
        .unwrap();
    let line = dup
        .lines()
        .find(|l| l.starts_with("prometheus_target_scrapes_sample_duplicate_timestamp_total"))
        .unwrap_or_else(|| panic!("no duplicate counter in Prometheus's own metrics"));
    assert!(line.ends_with(" 0"), "{line}");
}
