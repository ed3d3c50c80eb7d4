//! The relabel rules promtune proposes (issue #24 §3), on the real Flask capture: nothing
//! without usage, exemptions by `--keep` and `ignore:`, the rules in the JSON report (by its
//! schema) and in a fleet's config (by promtool). Their proof on real servers is
//! `cost_proof.rs`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::formats::schema;
use crate::prometheus::serve_files;
use crate::support::{fixture, json_of, promtune, Run};

/// The capture of prometheus-flask-exporter's page.
const PAGE: &str = "fixtures/capture/flask_exporter/metrics.prom";

/// A rule file that reads the request counter by status, and nothing else.
const RULES: &str =
    "groups:\n  - name: r\n    rules:\n      - record: s\n        expr: sum by (status) (flask_http_request_total)\n";

fn analyze(dir: &Path, extra: &[&str]) -> Run {
    let base = dir.join("prometheus.yml");
    std::fs::write(
        &base,
        "scrape_configs:\n  - job_name: flask\n    static_configs:\n      - targets: ['127.0.0.1:5000']\n",
    )
    .unwrap();
    writing(
        &[PAGE, "--target", "127.0.0.1:5000"],
        &base,
        &dir.join("out"),
        extra,
    )
}

/// `promtune analyze SOURCE… --base-config BASE --write-configs OUT --format json` with
/// `extra`, whatever its findings.
pub(crate) fn writing(source: &[&str], base: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["analyze"];
    args.extend_from_slice(source);
    args.extend_from_slice(&[
        "--base-config",
        base.to_str().unwrap(),
        "--write-configs",
        out.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    args.extend_from_slice(extra);
    promtune(&args)
}

/// The strings of a JSON array.
fn strings(v: &Value) -> Vec<&str> {
    let items = v.as_array().unwrap_or_else(|| panic!("not an array: {v}"));
    items.iter().map(|s| s.as_str().unwrap()).collect()
}

/// A rule's regex, anchored as Prometheus anchors it.
fn anchored(regex: &str) -> regex_lite::Regex {
    regex_lite::Regex::new(&format!("^(?:{regex})$")).unwrap()
}

fn promtool_accepts(config: &Path) {
    let out = Command::new("promtool")
        .args(["check", "config"])
        .arg(config)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn without_usage_no_rule_is_written_and_the_report_says_how_to_give_it() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyze(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = &json_of(&r.stdout)["reports"][0];
    assert_eq!(report["relabel"]["rules"], Value::Array(vec![]), "{report}");
    assert_eq!(report["cost"]["series_after"], report["cost"]["series"]);
    assert!(
        report["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("--usage PATH")),
        "{report}"
    );
    // The raw path is still priced, with the library's option.
    assert!(
        report["relabel"]["advice"][0]["text"]
            .as_str()
            .unwrap()
            .contains("group_by='url_rule'"),
        "{report}"
    );
    let config = std::fs::read_to_string(dir.path().join("out/prometheus-optimized.yml")).unwrap();
    assert!(!config.contains("metric_relabel_configs"), "{config}");
}

#[test]
fn keep_and_unexpired_ignores_exempt_families_and_the_json_follows_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let cfg = dir.path().join("promtune.yaml");
    std::fs::write(
        &cfg,
        "ignore:\n  - check: relabel\n    subject: process_max_fds\n    reason: capacity planning reads it\n    until: 2999-01-01\n  - check: relabel\n    subject: flask_exporter_info\n    reason: expired\n    until: 2000-01-01\n",
    )
    .unwrap();
    let r = analyze(
        dir.path(),
        &[
            "--usage",
            rules.to_str().unwrap(),
            "--keep",
            "python_gc_.*",
            "--config",
            cfg.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = json_of(&r.stdout);
    let v = schema();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let relabel = &doc["reports"][0]["relabel"];
    let drop = relabel["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "drop")
        .unwrap_or_else(|| panic!("{relabel}"));
    let families = strings(&drop["families"]);
    assert!(families.contains(&"flask_exporter_info"), "{families:?}");
    assert!(families.contains(&"python_info"), "{families:?}");
    // The text format's `_created` gauges are families of their own: the counter's goes.
    assert!(
        families.contains(&"flask_http_request_created"),
        "{families:?}"
    );
    for kept in ["process_max_fds", "python_gc_", "flask_http_request_total"] {
        assert!(
            !families.iter().any(|f| f.starts_with(kept)),
            "{kept}: {families:?}"
        );
    }
    assert_eq!(drop["keeps"], Value::Array(vec![]));
    assert!(drop["saved_series"].as_u64().unwrap() > 0);
    let notes = relabel["notes"].to_string();
    assert!(
        notes.contains("process_max_fds (ignore: capacity planning reads it, until 2999-01-01)"),
        "{notes}"
    );
    assert!(notes.contains("--keep python_gc_.*"), "{notes}");
    // The drop rule is in the job, under its evidence, and Prometheus accepts the file.
    let config = dir.path().join("out/prometheus-optimized.yml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("    metric_relabel_configs:\n      # promtune: drop "),
        "{text}"
    );
    promtool_accepts(&config);
}

#[test]
fn a_bad_keep_regex_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyze(dir.path(), &["--keep", "("]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--keep"), "{}", r.stderr);
}

#[test]
fn a_fleet_gets_one_drop_per_job_in_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let addr = serve_files(fixture("capture/flask_exporter"));
    let targets = dir.path().join("prometheus.yml");
    std::fs::write(
        &targets,
        format!(
            "scrape_configs:\n  - job_name: a\n    metrics_path: /metrics.prom\n    static_configs:\n      - targets: ['{addr}']\n  - job_name: b\n    metrics_path: /metrics.prom\n    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: unused_thing\n        action: drop\n    static_configs:\n      - targets: ['{addr}']\n"
        ),
    )
    .unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let out = dir.path().join("out");
    let r = writing(
        &["--targets-from", targets.to_str().unwrap()],
        &targets,
        &out,
        &["--usage", rules.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = json_of(&r.stdout);
    let (series, after) = (
        doc["fleet"]["cost"]["series"].as_u64().unwrap(),
        doc["fleet"]["cost"]["series_after"].as_u64().unwrap(),
    );
    assert!(after < series, "{series} → {after}");
    let config = out.join("prometheus-optimized.yml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert_eq!(text.matches("action: drop").count(), 3, "{text}");
    // Job b's own rule stays first; promtune's follows it.
    let b = &text[text.find("job_name: b").unwrap()..];
    assert!(
        b.find("unused_thing").unwrap() < b.find("# promtune: drop").unwrap(),
        "{b}"
    );
    let parsed: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    for job in parsed["scrape_configs"].as_sequence().unwrap() {
        let rules = job["metric_relabel_configs"].as_sequence().unwrap();
        let drop = rules.last().unwrap();
        let re = anchored(drop["regex"].as_str().unwrap());
        // What the rule file reads is never dropped; what nothing reads is.
        assert!(!re.is_match("flask_http_request_total"));
        assert!(re.is_match("python_info"));
    }
    promtool_accepts(&config);
}

/// With a base config, the page's samples per day are at the interval the config scrapes
/// its job at (Prometheus's 1m default when it sets none), not unknown.
#[test]
fn a_base_configs_interval_prices_the_page() {
    for (setting, seconds) in [("    scrape_interval: 20s\n", 20.0), ("", 60.0)] {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("prometheus.yml");
        std::fs::write(
            &base,
            format!("scrape_configs:\n  - job_name: flask\n{setting}    static_configs:\n      - targets: ['127.0.0.1:5000']\n"),
        )
        .unwrap();
        let run = writing(
            &[PAGE, "--target", "127.0.0.1:5000"],
            &base,
            &dir.path().join("out"),
            &[],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let cost = &json_of(&run.stdout)["reports"][0]["cost"];
        assert_eq!(
            cost["interval"]["seconds"].as_f64(),
            Some(seconds),
            "{cost}"
        );
        let series = cost["series"].as_f64().unwrap();
        assert_eq!(
            cost["samples_per_day"].as_f64(),
            Some(series * 86_400.0 / seconds),
            "{setting:?}"
        );
    }
}

/// `promtune generate prometheus-config` takes `--usage` (and `--keep`) as
/// `analyze --write-configs` does, and writes the same file: the drop rule without what the
/// rule file reads or `--keep` spares; without `--usage`, no rule.
#[test]
fn generate_with_usage_writes_the_rules_analyze_writes() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let usage = ["--usage", rules.to_str().unwrap(), "--keep", "python_gc_.*"];
    let r = analyze(dir.path(), &usage);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = std::fs::read_to_string(dir.path().join("out/prometheus-optimized.yml")).unwrap();
    let generate = |extra: &[&str]| {
        let base = dir.path().join("prometheus.yml");
        let mut args = vec![
            "generate",
            "prometheus-config",
            PAGE,
            "--target",
            "127.0.0.1:5000",
        ];
        args.extend_from_slice(&["--base-config", base.to_str().unwrap()]);
        args.extend_from_slice(extra);
        promtune(&args)
    };
    let g = generate(&usage);
    assert_eq!(g.code, 0, "{}", g.stderr);
    assert_eq!(g.stdout, written);
    let parsed: serde_yaml::Value = serde_yaml::from_str(&g.stdout).unwrap();
    let rules = parsed["scrape_configs"][0]["metric_relabel_configs"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{}", g.stdout));
    let drop = rules.iter().find(|r| r["action"] == "drop").unwrap();
    let re = anchored(drop["regex"].as_str().unwrap());
    assert!(re.is_match("python_info"), "{drop:?}");
    assert!(!re.is_match("flask_http_request_total"), "{drop:?}");
    assert!(!re.is_match("python_gc_collections_total"), "{drop:?}");
    let plain = generate(&[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        !plain.stdout.contains("metric_relabel_configs"),
        "{}",
        plain.stdout
    );
}

/// promtune's own alert rules and dashboard count as usage from their text, read as the
/// user's are: the latency histogram, which only they read, keeps its buckets, and the rule
/// that removes a label from it names the generated alert (at its line in the written
/// alert-rules.yml) and dashboard panel as the uses it keeps; the process start time, which
/// only the generated restart alert reads, is not dropped.
#[test]
fn promtunes_own_generated_rules_are_usage_by_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let r = analyze(dir.path(), &["--usage", rules.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let relabel = &json_of(&r.stdout)["reports"][0]["relabel"];
    let rules = relabel["rules"].as_array().unwrap();
    let drop = rules.iter().find(|r| r["kind"] == "drop").unwrap();
    let re = anchored(drop["regex"].as_str().unwrap());
    for read in [
        "flask_http_request_duration_seconds_bucket",
        "process_start_time_seconds",
        "process_resident_memory_bytes",
    ] {
        assert!(!re.is_match(read), "{read}: {drop}");
    }
    assert!(re.is_match("python_info"), "{drop}");
    let alerts = std::fs::read_to_string(dir.path().join("out/alert-rules.yml")).unwrap();
    let line = alerts
        .lines()
        .position(|l| l.trim() == "- alert: LatencyP95High")
        .unwrap_or_else(|| panic!("{alerts}"))
        + 1;
    let latency = rules
        .iter()
        .find(|r| {
            r["kind"] == "clear_label"
                && strings(&r["families"]).contains(&"flask_http_request_duration_seconds")
        })
        .unwrap_or_else(|| panic!("{relabel}"));
    let keeps = strings(&latency["keeps"]);
    let alert =
        format!("alert-rules.yml:{line} (group \"promtune-flask\", alert \"LatencyP95High\")");
    assert!(keeps.contains(&alert.as_str()), "{alert}: {keeps:?}");
    let panel = "grafana-dashboard.json: dashboard \"promtune: flask\", panel \"Response Time (P95)\", query A";
    assert!(keeps.contains(&panel), "{keeps:?}");
    assert!(
        !keeps.iter().any(|k| k.contains("promtune's own")),
        "{keeps:?}"
    );
}
