//! The exit-code table: 0 clean, 1 findings at or above --fail-on, 2 could not do the job.

use crate::support::{promtune, promtune_stdin};

const GUIDE: &str = "fixtures/guide_example.prom";
const BUSY: &str = "fixtures/corpus/prometheus-server/prometheus-v3-demo-alltypes.237mfs.prom";

#[test]
fn exit_code_table() {
    let dir = tempfile::tempdir().unwrap();
    let bad_thresholds = dir.path().join("t.yaml");
    std::fs::write(&bad_thresholds, "thresholds:\n  memroy: {warning: 1GB}\n").unwrap();
    let bad = bad_thresholds.to_str().unwrap();
    let cases: &[(&[&str], i32)] = &[
        (&["analyze", GUIDE], 0),
        (&["analyze", "--fail-on", "critical", GUIDE], 0),
        (&["analyze", "--fail-on", "warning", GUIDE], 1),
        (
            &[
                "analyze",
                "--fail-on",
                "never",
                "--scraped-at",
                "1738150090",
                BUSY,
            ],
            0,
        ),
        (&["analyze", "--scraped-at", "1738150090", BUSY], 1),
        (&["analyze", "fixtures/missing.prom"], 2),
        (&["analyze", GUIDE, "fixtures/missing.prom"], 2),
        (&["analyze", "--thresholds", bad, GUIDE], 2),
        (&["analyze", "--profile", "nope", GUIDE], 2),
        (&["analyze", "--scraped-at", "yesterday", GUIDE], 2),
        (&["analyze", "--timeout", "soon", GUIDE], 2),
        (
            &[
                "analyze",
                "fixtures/corpus/grafana/datadog-extras-grafana-metrics.txt",
            ],
            2,
        ),
        (&["check", GUIDE], 0),
        (
            &[
                "check",
                "fixtures/corpus/grafana/datadog-extras-grafana-metrics.txt",
            ],
            2,
        ),
        (&["thresholds"], 0),
        (&["thresholds", "--thresholds", bad], 2),
        (&["detectors"], 0),
        (&["analyze", "--format", "yaml", GUIDE], 2),
    ];
    for (args, code) in cases {
        let r = promtune(args);
        assert_eq!(r.code, *code, "promtune {}: {}", args.join(" "), r.stderr);
    }
}

#[test]
fn failing_source_does_not_stop_the_others() {
    let r = promtune(&[
        "analyze",
        "--format",
        "json",
        GUIDE,
        "fixtures/missing.prom",
        GUIDE,
    ]);
    assert_eq!(r.code, 2);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[2]["patterns"][0]["requests"], 394);
    assert!(r
        .stderr
        .contains("fixtures/missing.prom: error: cannot open fixtures/missing.prom"));
}

#[test]
fn bad_config_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.yaml");
    std::fs::write(&f, "thresholds:\n  memory:\n    warning: lots\n").unwrap();
    let r = promtune(&["analyze", "--thresholds", f.to_str().unwrap(), GUIDE]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        format!("promtune: error: {}:3:14: thresholds.memory.warning: expected a size such as 800MB, got lots", f.display())
    );
}

#[test]
fn stdin_is_a_source() {
    let text = std::fs::read(crate::support::fixture("guide_example.prom")).unwrap();
    let r = promtune_stdin(&["analyze", "--format", "json", "-"], &text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"source\": \"<stdin>\""));
}

#[test]
fn thresholds_command_prints_the_effective_table() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.yaml");
    std::fs::write(&f, "thresholds:\n  memory: {warning: 700MB}\n").unwrap();
    let r = promtune(&[
        "thresholds",
        "--profile",
        "kpi",
        "--thresholds",
        f.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("Profile: kpi\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "│ memory         ┆ Memory Usage        ┆ < 500MB     ┆ > 700MB     ┆ > 1000MB  │"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("< 0.005s"), "{}", r.stdout);
}

#[test]
fn nothing_measured_is_said_plainly_and_can_fail_the_job() {
    let node = "fixtures/corpus/node_exporter/e2e-output-darwin.txt";
    let r = promtune(&["analyze", node]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("nothing in the threshold table could be measured from this exposition"),
        "{}",
        r.stdout
    );
    let r = promtune(&["analyze", "--format", "markdown", node]);
    assert!(
        r.stdout
            .contains("None, because nothing in the threshold table"),
        "{}",
        r.stdout
    );
    // --fail-on unknown insists on every figure.
    assert_eq!(promtune(&["analyze", "--fail-on", "unknown", node]).code, 1);
    // Every check measured and none past warning: unknown passes.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    std::fs::write(
        &t,
        "thresholds:\n  request_rate:\n    warning: 1000/s\n    critical: 2000/s\n",
    )
    .unwrap();
    let page = "fixtures/capture/python_client_plain/metrics.prom";
    let args = [
        "analyze",
        "--scraped-at",
        "1796236049.018",
        "--thresholds",
        t.to_str().unwrap(),
        page,
    ];
    let mut strict = args.to_vec();
    strict.extend(["--fail-on", "unknown"]);
    let r = promtune(&strict);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Recommendations"), "{}", r.stdout);
}
