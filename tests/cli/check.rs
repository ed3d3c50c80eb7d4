//! `promtune check`: located errors, summaries, exit codes.

use crate::support::{promtune, promtune_stdin};

#[test]
fn valid_file_prints_summary_and_exits_0() {
    let r = promtune(&[
        "check",
        "fixtures/corpus/prometheus-server/prometheus-v3-demo-alltypes.237mfs.prom",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("valid prometheus text 0.0.4"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("237 families, 641 series, 1857 samples"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("prometheus_http_requests_total                     82  counter"),
        "{}",
        r.stdout
    );
}

#[test]
fn invalid_input_gives_located_error_and_exit_2() {
    let r = promtune_stdin(&["check", "-"], b"# TYPE a counter\na{b=\"x\\q\"} 1\n");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        "<stdin>:2:7: invalid escape sequence '\\q' (only \\\\, \\\" and \\n are allowed)"
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn openmetrics_is_detected_and_enforced() {
    let text = b"# TYPE a counter\na_total 1\na_total 2\n# EOF\n";
    let r = promtune_stdin(&["check", "-"], text);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(
        r.stderr.trim(),
        "<stdin>:3:1: duplicate sample for series a_total"
    );
    let r = promtune_stdin(
        &["check", "--input-format", "prometheus", "-"],
        b"a 1\n# EOF\nb 2\n",
    );
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim(), "<stdin>:3:1: text after # EOF (line 2)");
    let r = promtune_stdin(&["check", "--input-format", "openmetrics", "-"], b"a 1\n");
    assert_eq!(
        r.stderr.trim(),
        "<stdin>:2:1: missing \"# EOF\" at the end of OpenMetrics input"
    );
}

#[test]
fn several_sources_report_each_and_fail_if_any_fails() {
    let r = promtune(&[
        "check",
        "fixtures/corpus/rust-axum-prometheus/readme-example.prom",
        "fixtures/missing.prom",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("readme-example.prom: valid"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("fixtures/missing.prom: error: cannot open fixtures/missing.prom"),
        "{}",
        r.stderr
    );
}

#[test]
fn warnings_are_located_and_do_not_fail() {
    let r = promtune(&[
        "check",
        "fixtures/corpus/kube-state-metrics/datadog-ksm-prometheus.txt",
    ]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("datadog-ksm-prometheus.txt:581:1: warning: family kube_pod_info appears again (first at line 251)"), "{}", r.stderr);
}
