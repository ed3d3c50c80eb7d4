//! Messages a new user meets first (issue #22 §11): hints for a URL without its scheme and
//! for JSON, the `analyse` spelling, and counts with the right plural.

use crate::server::{serve, Reply};
use crate::support::{check_row, json_of, promtune, promtune_stdin};

#[test]
fn analyse_is_analyze() {
    let a = promtune(&["analyze", "--format", "json", "fixtures/guide_example.prom"]);
    let b = promtune(&["analyse", "--format", "json", "fixtures/guide_example.prom"]);
    assert_eq!((a.code, &a.stdout), (b.code, &b.stdout), "{}", b.stderr);
}

#[test]
fn a_url_without_its_scheme_gets_a_hint_not_no_such_file() {
    let r = promtune(&["analyze", "localhost:9100/metrics"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("(a URL needs its scheme: http://localhost:9100/metrics)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("No such file"), "{}", r.stderr);
    // A file that does not exist and looks like no address keeps the system's reason.
    let r = promtune(&["analyze", "no-such-dir/metrics.prom"]);
    assert!(r.stderr.contains("No such file"), "{}", r.stderr);
}

#[test]
fn json_given_as_a_source_points_at_prometheus() {
    let body = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
    let r = promtune_stdin(&["analyze", "-"], body);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("this is JSON") && r.stderr.contains("--prometheus"),
        "{}",
        r.stderr
    );
    let s = serve(Reply::Respond(
        200,
        vec![("Content-Type".into(), "application/json".into())],
        body.to_vec(),
    ));
    let url = s.url.replace("/metrics", "/api/v1/query?query=up");
    let r = promtune(&["analyze", &url]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--prometheus http://"), "{}", r.stderr);
}

#[test]
fn one_is_singular() {
    let page =
        "# TYPE http_requests_total counter\nhttp_requests_total{path=\"/\",status=\"404\"} 1\n";
    let r = promtune_stdin(&["check", "-"], page.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "2 lines, {} bytes, 1 family, 1 series, 1 sample, 0 warnings",
            page.len()
        )),
        "{}",
        r.stdout
    );
    let text = format!("{page}process_start_time_seconds 100\n");
    let r = promtune_stdin(
        &[
            &["analyze", "--format", "json", "--fail-on", "never"][..],
            &["--scraped-at", "200", "-"],
        ]
        .concat(),
        text.as_bytes(),
    );
    let v = &json_of(&r.stdout)["reports"][0];
    let note = check_row(v, "request_rate", None)["note"].as_str().unwrap();
    assert!(note.starts_with("1 request in "), "{note}");
    let nf = check_row(v, "not_found", None)["note"].as_str().unwrap();
    assert!(nf.starts_with("1 404 in "), "{nf}");
    // A fleet of one.
    let s = serve(Reply::Respond(200, vec![], page.as_bytes().to_vec()));
    let dir = tempfile::tempdir().unwrap();
    let sd = dir.path().join("one.json");
    let address = s
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics");
    std::fs::write(
        &sd,
        format!(r#"[{{"targets": ["{address}"], "labels": {{"job": "app"}}}}]"#),
    )
    .unwrap();
    let r = promtune(&[
        "analyze",
        "--fail-on",
        "never",
        "--targets-from",
        sd.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("scraped 1 target,"), "{}", r.stderr);
    assert!(r.stdout.contains("Fleet: 1 target,"), "{}", r.stdout);
}
