//! Real exporters, driven with known traffic: every capture under `fixtures/capture/*/` has a
//! `truth.json` written by its capture script from the requests it sent and the service's
//! own figures (never from promtune). Each page's analysis must give those numbers, and must
//! say "unknown" exactly where the page cannot tell.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::prometheus::{serve_files, Prometheus};
use crate::support::{fixture, json_folders, pattern_row as pattern, report_at};

/// Every capture folder with a truth file, sorted.
pub(crate) fn captures() -> Vec<(PathBuf, Value)> {
    json_folders("capture", "truth.json")
}

/// Every page of every capture: `("<capture>/<file>", file, truth)`, the first the page's path
/// under `fixtures/capture`.
pub(crate) fn capture_pages() -> Vec<(String, String, Value)> {
    captures()
        .into_iter()
        .flat_map(|(dir, truth)| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let files: Vec<String> = truth["pages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect();
            files
                .into_iter()
                .map(|f| (format!("{name}/{f}"), f, truth.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The JSON report of one page, dated by the capture's own clock.
pub(crate) fn report_of(page: &Path, truth: &Value) -> Value {
    let at = truth["scraped_at"]
        .as_f64()
        .expect("scraped_at")
        .max(1.0)
        .to_string();
    report_at(page.to_str().unwrap(), &at)
}

fn check<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == id)
        .collect()
}

/// The truth's expectations for one page: `expect`, with `expect_by_page` laid over it
/// (a second page taken a request later counts that request).
fn expected(truth: &Value, page: &str) -> Value {
    let mut e = truth["expect"].clone();
    e["counts_from"] = truth["counts_from"].clone();
    if let Some(over) = truth["expect_by_page"][page].as_object() {
        for (k, v) in over {
            e[k] = v.clone();
        }
    }
    e
}

/// Compares one page's report with the truth; returns what differs.
fn compare(name: &str, report: &Value, e: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let mut same = |what: &str, got: &Value, want: &Value| {
        if got != want {
            bad.push(format!("{name}: {what}: promtune {got}, truth {want}"));
        }
    };
    let req = &report["requests"];
    // Without a counter, requests are counted from the latency histogram's _count.
    let family = if e["request_family"].is_null() && !e["requests"].is_null() {
        &e["latency_family"]
    } else {
        &e["request_family"]
    };
    // Where the truth says the counts come from another family than the counter (Flask's
    // histogram has the path its counter lacks), that family and its route label.
    let (family, route) = match e["counts_from"].as_object() {
        Some(c) => (&c["family"], &c["route_label"]),
        None => (family, &e["route_label"]),
    };
    same("request family", &req["family"], family);
    if !family.is_null() {
        same("route label", &req["route_label"], route);
        same("status label", &req["status_label"], &e["status_label"]);
        same("requests", &req["total"], &e["requests"]);
    }
    for (id, key) in [
        ("metrics_scrapes", "metrics_scrapes"),
        ("health_checks", "health_checks"),
        ("not_found", "not_found"),
    ] {
        same(id, &pattern(report, id)["requests"], &e[key]);
    }
    let favicon = pattern(report, "not_found")["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "/favicon.ico")
        .map_or(Value::Null, |p| p["requests"].clone());
    same("favicon 404s", &favicon, &e["favicon"]);
    let errors = &check(report, "error_rate")[0]["value"];
    match (e["errors_5xx"].as_f64(), e["requests"].as_f64()) {
        (Some(n), Some(total)) => {
            let want = n / total;
            if errors.as_f64().is_none_or(|v| (v - want).abs() > 1e-12) {
                same("error rate", errors, &serde_json::json!(want));
            }
        }
        _ => same("error rate", errors, &Value::Null),
    }
    let memory = check(report, "memory")[0];
    match e["memory_metric"].as_str() {
        Some(m) if !memory["note"].as_str().unwrap().starts_with(m) => {
            same("memory series", &memory["note"], &e["memory_metric"])
        }
        None => same("memory", &memory["value"], &Value::Null),
        _ => {}
    }
    match e["start_time_metric"].as_str() {
        Some(m) if !report["uptime_source"].as_str().unwrap().starts_with(m) => same(
            "uptime from",
            &report["uptime_source"],
            &e["start_time_metric"],
        ),
        None => same("uptime", &report["uptime_seconds"], &Value::Null),
        _ => {}
    }
    let caches: Vec<&Value> = check(report, "cache_hit_rate")
        .into_iter()
        .filter(|c| !c["value"].is_null())
        .collect();
    match e["cache"].as_object() {
        Some(c) => {
            let (h, m) = (c["hits"].as_f64().unwrap(), c["misses"].as_f64().unwrap());
            let hits = c["families"][0].as_str().unwrap();
            let found: Vec<&&Value> = caches
                .iter()
                .filter(|c| c["note"].as_str().unwrap().contains(hits))
                .collect();
            // Other caches may be real (MySQL's table open cache); creation times taken as
            // counts are caught by `uses_created`.
            if found.len() != 1 {
                bad.push(format!("{name}: caches {caches:?}, truth one from {hits}"));
            } else if (found[0]["value"].as_f64().unwrap() - h / (h + m)).abs() > 1e-12 {
                same(
                    "hit rate",
                    &found[0]["value"],
                    &serde_json::json!(h / (h + m)),
                );
            }
        }
        None if !caches.is_empty() => bad.push(format!("{name}: caches {caches:?}, truth none")),
        None => {}
    }
    bad
}

/// Whether promtune said anything built on a creation time taken as a number.
fn uses_created(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in report["checks"].as_array().unwrap() {
        if c["note"].as_str().unwrap().contains("_created") {
            out.push(format!("check {}: {}", c["id"], c["note"]));
        }
    }
    for p in report["patterns"].as_array().unwrap() {
        if p["note"].as_str().unwrap().contains("_created") {
            out.push(format!("pattern {}: {}", p["id"], p["note"]));
        }
    }
    out
}

#[test]
fn every_capture_gives_its_ground_truth() {
    let all = captures();
    assert!(all.len() >= 10, "only {} captures", all.len());
    let mut bad = Vec::new();
    for (dir, truth) in &all {
        for file in truth["pages"].as_array().unwrap() {
            let file = file.as_str().unwrap();
            let page = dir.join(file);
            let name = page
                .strip_prefix(fixture(""))
                .unwrap()
                .display()
                .to_string();
            let report = report_of(&page, truth);
            bad.extend(compare(&name, &report, &expected(truth, file)));
            bad.extend(
                uses_created(&report)
                    .into_iter()
                    .map(|u| format!("{name}: {u}")),
            );
        }
    }
    assert!(
        bad.is_empty(),
        "{} differences:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn no_recommendation_without_a_measured_value() {
    for (dir, truth) in captures() {
        let page = dir.join(truth["pages"][0].as_str().unwrap());
        let report = report_of(&page, &truth);
        let recs = report["recommendations"].as_array().unwrap();
        let scrapes = &pattern(&report, "metrics_scrapes")["requests"];
        for r in recs {
            let text = format!("{} {}", r["action"], r["evidence"]);
            assert!(
                scrapes.is_number() || !text.contains("scrape less often"),
                "{}: {text}",
                page.display()
            );
            assert!(
                r["evidence"].as_str().is_some_and(|e| !e.is_empty()),
                "{}: {r}",
                page.display()
            );
        }
        // Where the scrapes cannot be counted, the advice is what to enable.
        let asks = recs.iter().any(|r| r["id"] == "count_scrapes");
        assert_eq!(asks, scrapes.is_null(), "{}", page.display());
        if pattern(&report, "not_found")["requests"].is_null() {
            assert!(
                recs.iter()
                    .all(|r| r["id"] != "not_found_paths" && r["id"] != "favicon"),
                "{}",
                page.display()
            );
        }
    }
}

/// PromQL's answer for one capture page, `None` when the query returns nothing.
fn oracle(prom: &Prometheus, promql: &str) -> Option<f64> {
    prom.scalar(promql)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

/// P95, error ratio and cache hit ratio of every capture page, as a real Prometheus computes
/// them from the same page with the same PromQL, equal promtune's.
#[test]
fn p95_and_ratios_as_prometheus_computes_them() {
    let pages: Vec<(String, PathBuf, Value)> = capture_pages()
        .into_iter()
        .map(|(path, file, truth)| {
            let e = expected(&truth, &file);
            (path.clone(), fixture("capture").join(&path), e)
        })
        .collect();
    let addr = serve_files(fixture("capture"));
    let mut cfg = String::from(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: captures\n    honor_labels: true\n    static_configs:\n",
    );
    for (name, ..) in &pages {
        cfg.push_str(&format!(
            "      - targets: ['{addr}']\n        labels: {{capture: '{name}', __metrics_path__: '/{name}'}}\n"
        ));
    }
    let Some(prom) = Prometheus::start(&cfg) else {
        return;
    };
    let n = pages.len() as f64;
    prom.wait_until(crate::support::PATIENCE, |p| {
        p.scalar("count(up{job=\"captures\"} == 1)") == Some(n)
    });
    let mut compared = 0;
    for (name, page, e) in &pages {
        let truth = serde_json::json!({"scraped_at": 0});
        let report = report_of(page, &truth);
        let at = format!("capture=\"{name}\"");
        if let Some(f) = e["latency_family"].as_str() {
            let got = check(&report, "p95_latency")[0]["value"].as_f64();
            let histogram = prom.scalar(&format!("count({f}_bucket{{{at}}})")).is_some();
            let q = if histogram {
                format!("histogram_quantile(0.95, sum by (le) ({f}_bucket{{{at}}}))")
            } else {
                // A summary: its own 0.95 quantile, if it has one (Pushgateway's has not).
                format!("max({f}{{{at},quantile=\"0.95\"}})")
            };
            match oracle(&prom, &q) {
                Some(want) => assert!(
                    got.is_some_and(|g| close(g, want)),
                    "{name}: P95 {got:?}, Prometheus {want}"
                ),
                None => assert!(
                    !histogram && got.is_none(),
                    "{name}: P95 {got:?}, {q} gave nothing"
                ),
            }
            compared += 1;
        }
        let req = &report["requests"];
        if let (Some(sel), Some(status), Some(_)) = (
            req["selector"].as_str(),
            req["status_label"].as_str(),
            e["errors_5xx"].as_f64(),
        ) {
            // No 5xx series at all is a ratio of 0, as in PromQL dashboards.
            let q =
                format!("(sum({sel}{{{at},{status}=~\"5..\"}}) or vector(0)) / sum({sel}{{{at}}})");
            let want = oracle(&prom, &q).unwrap_or_else(|| panic!("{name}: {q} gave nothing"));
            let got = check(&report, "error_rate")[0]["value"].as_f64();
            assert!(
                got.is_some_and(|g| close(g, want)),
                "{name}: error ratio {got:?}, Prometheus {want}"
            );
            compared += 1;
        }
        if let Some(c) = e["cache"].as_object() {
            // OpenMetrics counters are stored with `_total`; the text format names them whole.
            let sel = |f: &str| format!("{{__name__=~\"{f}(_total)?\",{at}}}");
            let (h, m) = (
                c["families"][0].as_str().unwrap(),
                c["families"][1].as_str().unwrap(),
            );
            // InnoDB's read_requests are lookups: hits and misses together.
            let q = if c.get("lookups") == Some(&Value::Bool(true)) {
                format!("1 - sum({}) / sum({})", sel(m), sel(h))
            } else {
                format!("sum({}) / (sum({}) + sum({}))", sel(h), sel(h), sel(m))
            };
            let want = oracle(&prom, &q).unwrap_or_else(|| panic!("{name}: {q} gave nothing"));
            let got: Vec<f64> = check(&report, "cache_hit_rate")
                .iter()
                .filter(|c| c["note"].as_str().unwrap().contains(h))
                .filter_map(|c| c["value"].as_f64())
                .collect();
            assert!(
                got.len() == 1 && close(got[0], want),
                "{name}: hit ratio {got:?}, Prometheus {want}"
            );
            compared += 1;
        }
    }
    eprintln!(
        "{compared} figures of {} pages equal what Prometheus computes",
        pages.len()
    );
    assert!(compared >= 20, "only {compared} figures compared");
}

/// docs/exporters.md has a row for every capture.
#[test]
fn every_capture_has_its_row_in_the_docs() {
    let doc = std::fs::read_to_string(fixture("../docs/exporters.md")).unwrap();
    for (dir, _) in captures() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            doc.contains(&format!("| `{name}`")),
            "docs/exporters.md has no row for {name}"
        );
    }
}
