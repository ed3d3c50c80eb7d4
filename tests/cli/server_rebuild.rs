//! Server mode rebuilds each target's exposition from a real Prometheus's answers. Seven pages
//! of `fixtures/programs/` once made rebuilt expositions that did not parse, costing their
//! targets every figure: a name one page has as a histogram and another as a summary (the
//! fleet's names are planned together), a summary of `_count` and `_sum` only beside another
//! page's histogram of that name, and histograms whose page has no `+Inf` bucket. Each target
//! must now be analysed, with its memory equal to what the server stores, and only a
//! histogram its page leaves without `+Inf` left out (with a notice).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::programs::programs;
use crate::prometheus::{query_at, serve_files, Prometheus};
use crate::support::{analyze_json, check_row, json_of, PATIENCE};

const PAGES: [&str; 7] = [
    "cri-o",
    "grafana",
    "kube-controller-manager",
    "metrics-server",
    "prometheus-api-metrics",
    "ruby-rack",
    "wayfinder",
];

/// The histograms of a page with no `le="+Inf"` bucket: the only families a rebuild may
/// leave out.
fn without_inf(page: &str) -> BTreeSet<String> {
    let mut buckets = BTreeSet::new();
    let mut inf = BTreeSet::new();
    for line in page.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap_or_default();
        if let Some(family) = name.strip_suffix("_bucket") {
            buckets.insert(family.to_string());
            if line.contains("le=\"+Inf\"") {
                inf.insert(family.to_string());
            }
        }
    }
    buckets.difference(&inf).cloned().collect()
}

/// The value the server holds for `series` of `job`.
fn stored(url: &str, series: &str, job: &str) -> f64 {
    let r = query_at(url, &format!("{series}{{job=\"{job}\"}}"), None);
    assert_eq!(r.len(), 1, "{series} of {job}: {r:?}");
    r[0]["value"][1].as_str().unwrap().parse().unwrap()
}

#[test]
fn every_page_is_rebuilt_into_a_valid_exposition() {
    let root = tempfile::tempdir().unwrap();
    let all = programs();
    let pages: Vec<_> = PAGES
        .iter()
        .map(|n| all.iter().find(|p| p.name == *n).unwrap())
        .collect();
    let mut config =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for p in &pages {
        std::fs::copy(&p.page, root.path().join(&p.name)).unwrap();
    }
    let addr = serve_files(root.path().to_path_buf());
    for p in &pages {
        let name = &p.name;
        config.push_str(&format!(
            "  - job_name: {name}\n    metrics_path: /{name}\n    static_configs:\n      - targets: ['{addr}']\n"
        ));
    }
    let Some(prom) = Prometheus::start(&config) else {
        return;
    };
    // Three scrapes of every page, polled rather than slept.
    let start = Instant::now();
    while !PAGES.iter().all(|j| {
        query_at(
            &prom.url,
            &format!("count_over_time(up{{job=\"{j}\"}}[10s])"),
            None,
        )
        .first()
        .and_then(|r| r["value"][1].as_str()?.parse::<f64>().ok())
        .is_some_and(|n| n >= 3.0)
    }) {
        assert!(start.elapsed() < PATIENCE, "pages not scraped");
        std::thread::sleep(Duration::from_millis(200));
    }
    let r = analyze_json(&["--prometheus", &prom.url, "--range", "10s"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    for p in &pages {
        let name = &p.name;
        let report = out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"]["job"] == name.as_str())
            .unwrap_or_else(|| panic!("{name}: no report"));
        assert!(report["error"].is_null(), "{name}: {}", report["error"]);
        if let Some(series) = p.expect["memory"]["series"].as_str() {
            let memory = &check_row(report, "memory", None)["value"];
            assert_eq!(
                memory.as_f64(),
                Some(stored(&prom.url, series, name)),
                "{name}: memory from {series}"
            );
        }
        let page = std::fs::read_to_string(&p.page).unwrap();
        let allowed = without_inf(&page);
        if let Some(family) = p.expect["requests"]["family"].as_str() {
            // A histogram's requests are named by the family, the expectation by its
            // `_count`; Grafana's request histogram is among its page's without +Inf.
            let base = family.strip_suffix("_count").unwrap_or(family);
            if !allowed.contains(base) {
                assert_eq!(report["requests"]["family"], base, "{name}");
            }
        }
        let left: Vec<&str> = report["notices"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .filter(|n| n.contains("is left out"))
            .collect();
        for n in &left {
            let family = n.split(' ').next().unwrap();
            assert!(allowed.contains(family), "{name}: {n}");
        }
        if name == "wayfinder" {
            // Its page's two histograms have no +Inf bucket, and both are read.
            assert_eq!(left.len(), 2, "{name}: {left:?}");
        }
    }
}
