//! `promtool test rules` on the generated alert rules: for each threshold row, series that
//! meet the target (no alert), pass the warning line (warning only), and pass the critical
//! line (both), evaluated after the rules' `for:` durations.

use std::fs;

use serde_yaml::{Mapping, Value};

use crate::promtool::{promtool, run};
use crate::support::promtune;

/// `(alertname, cache label, [(series, values)] for quiet, warning, critical)`.
type Case = (
    &'static str,
    Option<&'static str>,
    [Vec<(&'static str, String)>; 3],
);

fn per_minute(series: &'static str, per_min: f64) -> (&'static str, String) {
    (series, format!("0+{per_min}x40"))
}

fn cases() -> Vec<Case> {
    let req = r#"http_requests_total{job="app",status_code="200"}"#;
    let err = r#"http_requests_total{job="app",status_code="500"}"#;
    let mem = r#"process_resident_memory_bytes{job="app",instance="app-1:8000"}"#;
    let hits = r#"embedding_cache_hits_total{job="app"}"#;
    let misses = r#"embedding_cache_misses_total{job="app"}"#;
    let cpu = r#"process_cpu_seconds_total{job="app",instance="app-1:8000"}"#;
    let b = |le: &'static str| -> &'static str {
        match le {
            "0.1" => r#"http_request_duration_seconds_bucket{job="app",le="0.1"}"#,
            "0.5" => r#"http_request_duration_seconds_bucket{job="app",le="0.5"}"#,
            "1" => r#"http_request_duration_seconds_bucket{job="app",le="1"}"#,
            "2.5" => r#"http_request_duration_seconds_bucket{job="app",le="2.5"}"#,
            _ => r#"http_request_duration_seconds_bucket{job="app",le="+Inf"}"#,
        }
    };
    // Cumulative bucket rates: all observations at or below `upto`.
    let latency = |upto: &str| -> Vec<(&'static str, String)> {
        let order = ["0.1", "0.5", "1", "2.5", "+Inf"];
        let first = order.iter().position(|x| *x == upto).unwrap();
        order
            .iter()
            .enumerate()
            .map(|(i, le)| per_minute(b(le), if i >= first { 60.0 } else { 0.0 }))
            .collect()
    };
    vec![
        (
            "RequestRateHigh",
            None,
            [
                vec![per_minute(req, 12.0)],
                vec![per_minute(req, 90.0)],
                vec![per_minute(req, 180.0)],
            ],
        ),
        (
            "ResidentMemoryHigh",
            None,
            [
                vec![(mem, "419430400+0x40".into())],
                vec![(mem, "943718400+0x40".into())],
                vec![(mem, "1153433600+0x40".into())],
            ],
        ),
        (
            "CacheHitRateLow",
            Some("embedding_cache"),
            [
                vec![per_minute(hits, 95.0), per_minute(misses, 5.0)],
                vec![per_minute(hits, 60.0), per_minute(misses, 40.0)],
                vec![per_minute(hits, 40.0), per_minute(misses, 60.0)],
            ],
        ),
        (
            "LatencyP95High",
            None,
            [latency("0.1"), latency("1"), latency("2.5")],
        ),
        (
            "ErrorRateHigh",
            None,
            [
                vec![per_minute(req, 199.0), per_minute(err, 1.0)],
                vec![per_minute(req, 92.0), per_minute(err, 8.0)],
                vec![per_minute(req, 80.0), per_minute(err, 20.0)],
            ],
        ),
        (
            "CpuUsageHigh",
            None,
            [
                vec![per_minute(cpu, 6.0)],
                vec![per_minute(cpu, 54.0)],
                vec![per_minute(cpu, 90.0)],
            ],
        ),
    ]
}

/// How Prometheus's `humanize` writes the value of each per-instance alert's series at the
/// warning level (1) and the critical level (2): `%.4g` with an SI prefix.
fn humanized(alert: &str, level: usize) -> &'static str {
    match (alert, level) {
        ("ResidentMemoryHigh", 1) => "943.7M",
        ("ResidentMemoryHigh", _) => "1.153G",
        ("CpuUsageHigh", 1) => "900m",
        _ => "1.5",
    }
}

/// The expected alert for one generated rule, labels and annotations copied from the file;
/// every alert carries its job (Alertmanager routes by it), a per-instance alert also the
/// instance, and its annotations are rendered as Prometheus renders them.
fn expected(
    rules: &[Value],
    alert: &str,
    cache: Option<&str>,
    severity: &str,
    level: usize,
) -> Value {
    let rule = rules
        .iter()
        .find(|r| {
            r["alert"] == alert
                && r["labels"]["severity"] == severity
                && r["labels"]["cache"].as_str() == cache
        })
        .unwrap_or_else(|| panic!("no {severity} rule {alert} {cache:?}"));
    let mut labels = rule["labels"].clone();
    labels
        .as_mapping_mut()
        .unwrap()
        .insert("job".into(), "app".into());
    let mut annotations = rule["annotations"].clone();
    if rule["expr"]
        .as_str()
        .unwrap()
        .contains("sum by (job, instance)")
    {
        labels
            .as_mapping_mut()
            .unwrap()
            .insert("instance".into(), "app-1:8000".into());
        for (_, v) in annotations.as_mapping_mut().unwrap().iter_mut() {
            let text = v
                .as_str()
                .unwrap()
                .replace("{{ $labels.instance }}", "app-1:8000")
                .replace("{{ $value | humanize }}", humanized(alert, level));
            *v = Value::from(text);
        }
    }
    let mut e = Mapping::new();
    e.insert("exp_labels".into(), labels);
    e.insert("exp_annotations".into(), annotations);
    Value::Mapping(e)
}

/// Writes the guide example's alert rules into `dir/alert-rules.yml`, with the guide's own
/// table (the default profile does not judge the request rate, so writes no alert for it).
/// A team's copy of promtune's detector pages (`--runbook-url`).
const RUNBOOKS: &str = "https://wiki.example/runbooks/";

fn write_rules(dir: &std::path::Path) {
    let r = promtune(&[
        "generate",
        "alert-rules",
        "--profile",
        "guide",
        "--runbook-url",
        RUNBOOKS,
        "-o",
        dir.join("alert-rules.yml").to_str().unwrap(),
        "fixtures/guide_example.prom",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn each_alert_fires_at_warning_and_critical_and_stays_quiet_on_target() {
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    let doc: Value =
        serde_yaml::from_str(&fs::read_to_string(dir.path().join("alert-rules.yml")).unwrap())
            .unwrap();
    let rules = doc["groups"][0]["rules"].as_sequence().unwrap().clone();
    let mut tests = Vec::new();
    for (alert, cache, levels) in cases() {
        for (level, series) in levels.iter().enumerate() {
            let exp: Vec<Value> = match level {
                0 => vec![],
                1 => vec![expected(&rules, alert, cache, "warning", level)],
                _ => vec![
                    expected(&rules, alert, cache, "warning", level),
                    expected(&rules, alert, cache, "critical", level),
                ],
            };
            let input: Vec<Value> = series
                .iter()
                .map(|(s, v)| {
                    serde_yaml::from_str(&format!("{{series: '{s}', values: '{v}'}}")).unwrap()
                })
                .collect();
            let test: Value = serde_yaml::from_str(&format!(
                "{{interval: 1m, alert_rule_test: [{{eval_time: 20m, alertname: {alert}}}]}}"
            ))
            .unwrap();
            let mut test = test.as_mapping().unwrap().clone();
            test.insert("input_series".into(), Value::Sequence(input));
            test["alert_rule_test"][0]
                .as_mapping_mut()
                .unwrap()
                .insert("exp_alerts".into(), Value::Sequence(exp));
            tests.push(Value::Mapping(test));
        }
    }
    assert_eq!(tests.len(), 18);
    let mut file = Mapping::new();
    file.insert(
        "rule_files".into(),
        Value::Sequence(vec!["alert-rules.yml".into()]),
    );
    file.insert("evaluation_interval".into(), "1m".into());
    file.insert("tests".into(), Value::Sequence(tests));
    fs::write(
        dir.path().join("tests.yml"),
        serde_yaml::to_string(&Value::Mapping(file)).unwrap(),
    )
    .unwrap();
    let Some(_) = promtool() else { return };
    let (ok, out) = run(dir.path(), &["test", "rules", "tests.yml"]);
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

/// The runbook_url of `alert` in the written rules.
fn runbook(dir: &std::path::Path, alert: &str) -> String {
    rule_named(dir, alert)["annotations"]["runbook_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no runbook_url for {alert}"))
        .to_string()
}

/// Three replicas at 300MB are three processes under the 800MB line, not one of 900MB; when
/// one of them passes it, the alert fires for that one and names it.
#[test]
fn memory_alerts_fire_per_instance_not_for_the_sum_of_replicas() {
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    let series = |instance: &str, bytes: u64| {
        format!(
            "{{series: 'process_resident_memory_bytes{{job=\"app\",instance=\"{instance}\"}}', values: '{bytes}+0x40'}}"
        )
    };
    let mb = 1024 * 1024;
    let quiet = [
        series("a:1", 300 * mb),
        series("b:1", 300 * mb),
        series("c:1", 300 * mb),
    ];
    let one = [
        series("a:1", 300 * mb),
        series("b:1", 900 * mb),
        series("c:1", 300 * mb),
    ];
    let tests = format!(
        "rule_files: [alert-rules.yml]\nevaluation_interval: 1m\ntests:\n\
         - interval: 1m\n  input_series: [{}]\n  alert_rule_test: [{{eval_time: 20m, alertname: ResidentMemoryHigh, exp_alerts: []}}]\n\
         - interval: 1m\n  input_series: [{}]\n  alert_rule_test:\n  - eval_time: 20m\n    alertname: ResidentMemoryHigh\n    exp_alerts:\n    - exp_labels: {{severity: warning, job: app, instance: 'b:1'}}\n      exp_annotations:\n        summary: resident memory of b:1 above 800MB\n        description: resident memory of b:1 (job app) is 943.7M, past the warning threshold (> 800MB). promtune measured 900MB when it wrote this rule.\n        runbook_url: {}\n",
        quiet.join(", "),
        one.join(", "),
        runbook(dir.path(), "ResidentMemoryHigh"),
    );
    fs::write(dir.path().join("tests.yml"), tests).unwrap();
    let Some(_) = promtool() else { return };
    let (ok, out) = run(dir.path(), &["test", "rules", "tests.yml"]);
    assert!(ok, "{out}");
}

/// The written rule of `alert` (the first, for one with two severities).
fn rule_named(dir: &std::path::Path, alert: &str) -> Value {
    let doc: Value =
        serde_yaml::from_str(&fs::read_to_string(dir.join("alert-rules.yml")).unwrap()).unwrap();
    doc["groups"][0]["rules"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|r| r["alert"] == alert)
        .unwrap_or_else(|| panic!("no {alert} rule"))
        .clone()
}

/// An instance whose start time changed three times in the hour fires `ProcessRestarting`
/// and is named; one deploy (one change) and a steady replica stay quiet.
#[test]
fn restart_alert_fires_for_the_instance_that_crash_loops() {
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    let rule = rule_named(dir.path(), "ProcessRestarting");
    // Start times, one sample a minute: `a` steady, `b` deployed once, `c` restarting at
    // minutes 10, 20 and 30.
    let series = |i: &str, v: &str| {
        format!("{{series: 'process_start_time_seconds{{job=\"app\",instance=\"{i}\"}}', values: '{v}'}}")
    };
    let input = [
        series("a:1", "1000+0x59"),
        series("b:1", "1000+0x29 2800+0x29"),
        series("c:1", "1000+0x9 1600+0x9 2200+0x9 2800+0x29"),
    ];
    let summary = rule["annotations"]["summary"]
        .as_str()
        .unwrap()
        .replace("{{ $labels.instance }}", "c:1")
        .replace("{{ $value }}", "3");
    let description = rule["annotations"]["description"]
        .as_str()
        .unwrap()
        .replace("{{ $labels.instance }}", "c:1")
        .replace("{{ $value }}", "3");
    let tests = format!(
        "rule_files: [alert-rules.yml]\nevaluation_interval: 1m\ntests:\n\
         - interval: 1m\n  input_series: [{}]\n  alert_rule_test:\n\
         \x20 - {{eval_time: 5m, alertname: ProcessRestarting, exp_alerts: []}}\n\
         \x20 - eval_time: 40m\n    alertname: ProcessRestarting\n    exp_alerts:\n\
         \x20   - exp_labels: {{severity: warning, instance: 'c:1', job: app}}\n\
         \x20     exp_annotations: {{summary: '{summary}', description: '{description}', runbook_url: '{}'}}\n",
        input.join(", "),
        rule["annotations"]["runbook_url"].as_str().unwrap(),
    );
    fs::write(dir.path().join("tests.yml"), tests).unwrap();
    let Some(_) = promtool() else { return };
    let (ok, out) = run(dir.path(), &["test", "rules", "tests.yml"]);
    assert!(ok, "{out}");
}

/// With `--runbook-url`, every alert links to `<URL>/<check>.md`, a page that exists under
/// `docs/detectors` for the team to copy there. Without it, no alert carries a runbook_url:
/// nobody here has checked where a published copy of the docs lives (issue #22 §12).
#[test]
fn alerts_link_to_runbooks_only_where_told() {
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    let doc: Value =
        serde_yaml::from_str(&fs::read_to_string(dir.path().join("alert-rules.yml")).unwrap())
            .unwrap();
    let rules = doc["groups"][0]["rules"].as_sequence().unwrap();
    assert!(rules.len() >= 12, "{rules:?}");
    for r in rules {
        let url = r["annotations"]["runbook_url"]
            .as_str()
            .expect("runbook_url");
        let page = url
            .strip_prefix(RUNBOOKS)
            .unwrap_or_else(|| panic!("{url}"));
        let path = crate::support::fixture(&format!("../docs/detectors/{page}"));
        assert!(path.is_file(), "{url}: no {}", path.display());
    }
    let r = promtune(&["generate", "alert-rules", "fixtures/guide_example.prom"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("alert: ResidentMemoryHigh"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("runbook_url"), "{}", r.stdout);
    assert!(!r.stdout.contains("github.com"), "{}", r.stdout);
}

/// `TargetDown` fires for the target whose scrapes fail (`up` 0) past its `for:`, names it
/// and its job, and stays quiet for the target that answers and for one that failed a
/// single scrape.
#[test]
fn target_down_fires_for_the_down_target_only() {
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path());
    let rule = rule_named(dir.path(), "TargetDown");
    assert_eq!(rule["expr"], "up{job=\"app\"} == 0");
    let text = |k: &str| {
        rule["annotations"][k]
            .as_str()
            .unwrap()
            .replace("{{ $labels.instance }}", "b:1")
    };
    // One sample a minute: `a` up throughout, `b` down from minute 10, `c` down for one
    // scrape at minute 10.
    let series = |i: &str, v: &str| {
        format!("{{series: 'up{{job=\"app\",instance=\"{i}\"}}', values: '{v}'}}")
    };
    let input = [
        series("a:1", "1x30"),
        series("b:1", "1x9 0x20"),
        series("c:1", "1x9 0 1x19"),
    ];
    let tests = format!(
        "rule_files: [alert-rules.yml]\nevaluation_interval: 1m\ntests:\n\
         - interval: 1m\n  input_series: [{}]\n  alert_rule_test:\n\
         \x20 - {{eval_time: 5m, alertname: TargetDown, exp_alerts: []}}\n\
         \x20 - eval_time: 20m\n    alertname: TargetDown\n    exp_alerts:\n\
         \x20   - exp_labels: {{severity: critical, job: app, instance: 'b:1'}}\n\
         \x20     exp_annotations: {{summary: '{}', description: '{}', runbook_url: '{}'}}\n",
        input.join(", "),
        text("summary"),
        text("description"),
        rule["annotations"]["runbook_url"].as_str().unwrap(),
    );
    fs::write(dir.path().join("tests.yml"), tests).unwrap();
    let Some(_) = promtool() else { return };
    let (ok, out) = run(dir.path(), &["test", "rules", "tests.yml"]);
    assert!(ok, "{out}");
}
