//! #23's "no number comes from the wrong process", in the modes that read many targets:
//! `--targets-from` (every page scraped at once) and `--prometheus` (a real Prometheus and a
//! real VictoriaMetrics scraping the same pages, each target rebuilt from their answers). Each page is a program of
//! `fixtures/programs/` whose expectation says its memory, CPU or start time is unknown, or is
//! the service's `<ns>_process_*` rather than the exporter's `process_*`, plus native services
//! whose plain `process_*` is their own. The expectations, written by reading each page, are
//! the truth: a figure must come from the series they name, and be unknown where they say so;
//! memory and CPU must be found where the page has the service's.

use serde_json::Value;

use crate::programs::{allowed, leading_series, programs};
use std::time::{Duration, Instant};

use crate::prometheus::{query_at, serve_files, Prometheus};
use crate::support::{check_row, json_of, promtune, PATIENCE};
use crate::victoria::Victoria;

/// Exporters behind which each marker fires (build information, `<ns>_up`, scrape counts,
/// a foreign namespace, memory by process, a prober), a service with its own namespaced
/// figures, and native services (Gitaly's with a CPU family of its own, which a process's
/// label would make a collector's).
const PAGES: [&str; 13] = [
    "apache-exporter",
    "snmp-exporter",
    "process-exporter",
    "bind-exporter",
    "squid-exporter",
    "aws-neuron-monitor",
    "smokeping-prober",
    "blackbox-exporter",
    "redis-exporter",
    "rabbitmq",
    "etcd",
    "gitaly",
    "kubelet",
];

/// Where one role's figure came from: `Some(series)` for a value, `None` for unknown. Over a
/// server's range, the uptime is the range itself, which is no process's start time.
fn source(report: &Value, role: &str) -> Option<Vec<String>> {
    let (value, note) = match role {
        "start_time" => (&report["uptime_seconds"], &report["uptime_source"]),
        _ => {
            let c = check_row(report, role, None);
            (&c["value"], &c["note"])
        }
    };
    let note = note.as_str().unwrap_or_default();
    let dated_otherwise = note.starts_with("the range queried") || note.contains("creation time");
    (!value.is_null() && !dated_otherwise).then(|| leading_series(note))
}

/// Every way a mode's reports differ from the expectations, as lines.
fn mismatches(mode: &str, out: &Value) -> Vec<String> {
    let programs = programs();
    let mut wrong = Vec::new();
    for name in PAGES {
        let p = programs.iter().find(|p| p.name == name).unwrap();
        let Some(report) = out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"]["job"] == name)
        else {
            wrong.push(format!("{mode} {name}: no report"));
            continue;
        };
        assert!(report["error"].is_null(), "{mode} {name}: {report}");
        for role in ["memory", "cpu", "start_time"] {
            let (series, names) = allowed(&p.expect[role]);
            let Some(used) = source(report, role) else {
                // Memory and CPU are read the same way in every mode: where the page has the
                // service's, unknown is a miss. A start time may be unknown (a server's range
                // dates the rates instead).
                if series.is_some() && role != "start_time" {
                    wrong.push(format!(
                        "{mode} {name} {role}: unknown, expected {series:?}"
                    ));
                }
                continue;
            };
            let right = series.as_ref().is_some_and(|s| used.contains(s))
                && used.iter().all(|u| names.contains(u));
            if !right {
                wrong.push(format!(
                    "{mode} {name} {role}: from {used:?}, expected {series:?}"
                ));
            }
        }
    }
    wrong
}

/// Whether the server at `url` holds five scrapes of `job` in the last 10s.
fn scraped(url: &str, job: &str) -> bool {
    let q = format!("sum_over_time(up{{job=\"{job}\"}}[10s])");
    query_at(url, &q, None).first().is_some_and(|r| {
        r["value"][1]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .is_some_and(|n| n >= 5.0)
    })
}

#[test]
fn every_mode_takes_each_figure_from_its_own_process() {
    let root = tempfile::tempdir().unwrap();
    for p in programs()
        .iter()
        .filter(|p| PAGES.contains(&p.name.as_str()))
    {
        std::fs::copy(&p.page, root.path().join(&p.name)).unwrap();
    }
    let addr = serve_files(root.path().to_path_buf());
    let mut config =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for name in PAGES {
        config.push_str(&format!(
            "  - job_name: {name}\n    metrics_path: /{name}\n    static_configs:\n      - targets: ['{addr}']\n        labels: {{container: app, hostname: node-1}}\n"
        ));
    }
    // Every target carries labels of the words the markers look for (a process's, a host's),
    // as relabelling in Kubernetes adds them: the server's, never the page's.
    let file = root.path().join("prometheus.yml");
    std::fs::write(&file, &config).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["analyze", "--format", "json", "--fail-on", "never"];
        args.extend(extra);
        let r = promtune(&args);
        assert_eq!(r.code, 0, "{extra:?}: {}", r.stderr);
        json_of(&r.stdout)
    };
    let mut wrong = mismatches(
        "--targets-from",
        &run(&["--targets-from", file.to_str().unwrap()]),
    );

    let (Some(p), Some(vm)) = (Prometheus::start(&config), Victoria::scraping(&file)) else {
        return;
    };
    for (server, url) in [("Prometheus", &p.url), ("VictoriaMetrics", &vm.url)] {
        // Five scrapes of every page in the last 10s, polled rather than slept.
        let start = Instant::now();
        while !PAGES.iter().all(|j| scraped(url, j)) {
            assert!(start.elapsed() < PATIENCE, "{server}: pages not scraped");
            std::thread::sleep(Duration::from_millis(200));
        }
        let out = run(&["--prometheus", url, "--range", "10s"]);
        wrong.extend(mismatches(&format!("--prometheus on {server}"), &out));
    }
    assert!(
        wrong.is_empty(),
        "figures from the wrong series or process:\n{}",
        wrong.join("\n")
    );
}
