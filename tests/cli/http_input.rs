//! URL sources against a local server: success, gzip, errors, timeout, refused.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::server::{refused_url, serve, Reply};
use crate::support::{fixture, json_of, promtune, FOREVER, PATIENCE};

fn guide() -> Vec<u8> {
    std::fs::read(fixture("guide_example.prom")).unwrap()
}

fn text_plain() -> Vec<(String, String)> {
    vec![(
        "Content-Type".into(),
        "text/plain; version=0.0.4; charset=utf-8".into(),
    )]
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
    let s = serve(Reply::Stall(FOREVER));
    let start = Instant::now();
    let r = promtune(&["analyze", "--timeout", "1s", &s.url]);
    assert_eq!(r.code, 2);
    assert!(start.elapsed() < PATIENCE, "took {:?}", start.elapsed());
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

/// `.invalid` is reserved by RFC 6761: no resolver may ever answer it, so this asks the
/// machine's own resolver without depending on any real name.
#[test]
fn a_name_that_does_not_resolve_says_so() {
    let url = "http://promtune-test.invalid/metrics";
    // A slow resolver on a busy machine must not turn the answer into a timeout.
    let r = promtune(&["analyze", "--timeout", "60s", url]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!(
            "{url}: error: GET {url}: the host name does not resolve: check it"
        )),
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

#[test]
fn more_http_statuses_and_an_html_page() {
    for (status, hint) in [
        (403, "check the credentials"),
        (503, "the exporter failed to produce its metrics"),
    ] {
        let s = serve(Reply::Respond(status, vec![], vec![]));
        let r = promtune(&["analyze", &s.url]);
        assert_eq!(r.code, 2);
        assert!(
            r.stderr.contains(&format!("HTTP {status}")) && r.stderr.contains(hint),
            "{}",
            r.stderr
        );
    }
    let html = vec![(
        "Content-Type".to_string(),
        "text/html; charset=utf-8".to_string(),
    )];
    let s = serve(Reply::Respond(
        200,
        html,
        b"<html><body>Grafana</body></html>\n".to_vec(),
    ));
    let r = promtune(&["analyze", &s.url]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(":1:1: expected a metric name, found '<' (the server answered text/html: is this the metrics path?)"), "{}", r.stderr);
}

#[test]
fn body_stalls_or_is_cut_off() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n# TYPE a gauge\na 1\n".to_vec();
    let s = serve(Reply::Raw(head.clone(), FOREVER));
    let start = Instant::now();
    let r = promtune(&["analyze", "--timeout", "1s", &s.url]);
    assert_eq!(r.code, 2);
    assert!(start.elapsed() < PATIENCE);
    // A stalled body is a timeout, and says so.
    assert!(
        r.stderr.contains(&format!(
            "{}: error: read failed: no complete answer within 1s: the body was still arriving",
            s.url
        )),
        "{}",
        r.stderr
    );
    let s = serve(Reply::Raw(head, Duration::ZERO));
    let r = promtune(&["analyze", &s.url]);
    assert_eq!(r.code, 2);
    // A body cut off keeps its cause (it was only "error decoding response body").
    assert!(
        r.stderr.contains(&format!(
            "{}: error: read failed: the body was cut off",
            s.url
        )) && r
            .stderr
            .contains("end of file before message length reached"),
        "{}",
        r.stderr
    );
}

#[test]
fn gzip_bomb_stops_at_max_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"# ").unwrap();
    for _ in 0..64 {
        gz.write_all(&[b'a'; 1 << 20]).unwrap();
    }
    let body = gz.finish().unwrap();
    assert!(body.len() < 1 << 20, "{}", body.len());
    let mut headers = text_plain();
    headers.push(("Content-Encoding".into(), "gzip".into()));
    let s = serve(Reply::Respond(200, headers, body));
    // A generous timeout: the limit must trip on size, even on a busy machine.
    let r = promtune(&[
        "analyze",
        "--timeout",
        "600s",
        "--max-bytes",
        "10000000",
        &s.url,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("error: input is larger than 10000000 bytes (raise --max-bytes to read it)"),
        "{}",
        r.stderr
    );
}

#[test]
fn credentials_are_not_sent_to_another_host_on_redirect() {
    let target = serve(Reply::Respond(200, text_plain(), guide()));
    let elsewhere = target.url.replace("127.0.0.1", "localhost");
    let redirect = serve(Reply::Respond(
        302,
        vec![("Location".into(), elsewhere)],
        vec![],
    ));
    let mut token = tempfile::NamedTempFile::new().unwrap();
    writeln!(token, "s3cr3t-t0ken").unwrap();
    let r = promtune(&[
        "analyze",
        "--bearer-token-file",
        token.path().to_str().unwrap(),
        &redirect.url,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(redirect.requests.lock().unwrap()[0].contains("s3cr3t-t0ken"));
    let followed = target.requests.lock().unwrap();
    assert_eq!(followed.len(), 1);
    assert!(
        !followed[0].to_lowercase().contains("authorization"),
        "{}",
        followed[0]
    );
}

#[test]
fn tls_to_a_plain_server_fails_with_a_hint() {
    let s = serve(Reply::Raw(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        Duration::ZERO,
    ));
    let https = s.url.replace("http://", "https://");
    let r = promtune(&["analyze", "--timeout", "60s", &https]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("TLS handshake failed"), "{}", r.stderr);
}

#[test]
fn one_failing_source_does_not_stop_the_others() {
    let good = serve(Reply::Respond(200, text_plain(), guide()));
    let bad = serve(Reply::Respond(500, vec![], vec![]));
    let r = promtune(&[
        "analyze",
        "--format",
        "json",
        &bad.url,
        &good.url,
        &refused_url(),
    ]);
    assert_eq!(r.code, 2);
    let v = json_of(&r.stdout);
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    assert!(reports[0]["error"].as_str().unwrap().contains("HTTP 500"));
    assert_eq!(reports[1]["patterns"][0]["requests"], 394);
    assert!(reports[2]["error"]
        .as_str()
        .unwrap()
        .contains("connection refused"));
}

/// Compression is advised only for a response that came uncompressed and large, with the
/// saving measured by gzipping it; never for a gzipped answer or a file.
#[test]
fn compression_is_advised_from_the_measured_response_only() {
    let dir = fixture("corpus/kubernetes-apiserver");
    let page = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.to_string_lossy().ends_with(".md"))
        .unwrap();
    let body = std::fs::read(&page).unwrap();
    assert!(body.len() > 16 * 1024);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&body).unwrap();
    let gzipped = gz.finish().unwrap();
    let recs = |url: &str| {
        let r = promtune(&["analyze", "--format", "json", "--fail-on", "never", url]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        json_of(&r.stdout)["reports"][0]["recommendations"]
            .as_array()
            .unwrap()
            .clone()
    };
    let plain = serve(Reply::Respond(200, text_plain(), body.clone()));
    let advice: Vec<_> = recs(&plain.url)
        .into_iter()
        .filter(|r| r["id"] == "compress_metrics")
        .collect();
    assert_eq!(advice.len(), 1, "{advice:?}");
    let saving = 1.0 - gzipped.len() as f64 / body.len() as f64;
    assert!(
        (advice[0]["expected_reduction"].as_f64().unwrap() - saving).abs() < 1e-9,
        "{advice:?} vs {saving}"
    );
    let mut headers = text_plain();
    headers.push(("Content-Encoding".into(), "gzip".into()));
    let compressed = serve(Reply::Respond(200, headers, gzipped));
    let all = recs(&compressed.url);
    assert!(all.iter().all(|r| r["id"] != "compress_metrics"), "{all:?}");
    let file = promtune(&[
        "analyze",
        "--format",
        "json",
        "--fail-on",
        "never",
        page.to_str().unwrap(),
    ]);
    assert!(!file.stdout.contains("gzip"), "{}", file.stdout);
}
