//! URL sources against a local server: success, gzip, errors, timeout, refused.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::server::{refused_url, serve, Reply};
use crate::support::{fixture, promtune};

fn guide() -> Vec<u8> {
    std::fs::read(fixture("guide_example.prom")).unwrap()
}

fn text_plain() -> Vec<(String, String)> {
    vec![(
        "Content-Type".into(),
        "text/plain; version=0.0.4; charset=utf-8".into(),
    )]
}

fn json_of(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn fetches_and_analyses_with_accept_header() {
    let s = serve(Reply::Respond(200, text_plain(), guide()));
    let r = promtune(&["analyze", "--format", "json", &s.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json_of(&r.stdout);
    assert_eq!(v["reports"][0]["source"], s.url.as_str());
    assert_eq!(v["reports"][0]["patterns"][0]["requests"], 394);
    assert!(v["reports"][0]["format"]
        .as_str()
        .unwrap()
        .contains("Content-Type text/plain"));
    let req = s.requests.lock().unwrap()[0].to_lowercase();
    assert!(
        req.contains(
            "accept: application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4"
        ),
        "{req}"
    );
    assert!(req.contains("accept-encoding: gzip"), "{req}");
}

#[test]
fn gzip_body_is_decoded() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&guide()).unwrap();
    let mut headers = text_plain();
    headers.push(("Content-Encoding".into(), "gzip".into()));
    let s = serve(Reply::Respond(200, headers, gz.finish().unwrap()));
    let r = promtune(&["analyze", "--format", "json", &s.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        json_of(&r.stdout)["reports"][0]["patterns"][1]["requests"],
        99
    );
}

#[test]
fn http_errors_exit_2_with_a_hint() {
    for (status, hint) in [
        (404, "check the path (usually /metrics)"),
        (500, "the exporter failed to produce its metrics"),
    ] {
        let s = serve(Reply::Respond(status, vec![], b"nope".to_vec()));
        let r = promtune(&["analyze", &s.url]);
        assert_eq!(r.code, 2, "{status}");
        assert!(
            r.stderr.contains(&format!("GET {}: HTTP {status}", s.url)),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(hint), "{}", r.stderr);
    }
}

#[test]
fn timeout_and_refused() {
    let s = serve(Reply::Stall(Duration::from_secs(30)));
    let start = Instant::now();
    let r = promtune(&["analyze", "--timeout", "1s", &s.url]);
    assert_eq!(r.code, 2);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        r.stderr.contains("no complete answer within 1s"),
        "{}",
        r.stderr
    );
    let url = refused_url();
    let r = promtune(&["analyze", &url]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("connection refused: is the exporter listening on that host and port?"),
        "{}",
        r.stderr
    );
}

#[test]
fn bearer_token_comes_from_a_file_and_is_never_printed() {
    let mut token = tempfile::NamedTempFile::new().unwrap();
    writeln!(token, "s3cr3t-t0ken").unwrap();
    let s = serve(Reply::Respond(200, text_plain(), guide()));
    let path = token.path().to_str().unwrap();
    let r = promtune(&["analyze", "--bearer-token-file", path, &s.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(s.requests.lock().unwrap()[0].contains("authorization: Bearer s3cr3t-t0ken"));
    assert!(!r.stdout.contains("s3cr3t") && !r.stderr.contains("s3cr3t"));
    let failing = serve(Reply::Respond(401, vec![], vec![]));
    let r = promtune(&["analyze", "--bearer-token-file", path, &failing.url]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("check the credentials"), "{}", r.stderr);
    assert!(!r.stderr.contains("s3cr3t"));
}
