//! Round two of hostile use: one deadline over a whole request, bounded reads of every file
//! the user names, secrets that never reach any output, redirects that keep the user's
//! headers at home.

use std::time::{Duration, Instant};

use crate::server::{serve, Reply};
use crate::support::{fixture, promtune};

/// Everything a run printed, to search for a secret.
fn all_output(r: &crate::support::Run) -> String {
    format!("{}\n{}", r.stdout, r.stderr)
}

#[test]
fn a_trickling_body_meets_the_whole_request_deadline() {
    // A chunk every 300 ms for 12 s: each read is quick, only the whole is slow.
    let s = serve(Reply::Trickle(Duration::from_millis(300), 40));
    let start = Instant::now();
    let r = promtune(&["analyze", "--timeout", "2s", &s.url]);
    let took = start.elapsed();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no complete answer within 2s"),
        "{}",
        r.stderr
    );
    // The deadline is two seconds; the server would go on for twelve.
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn absurd_timeouts_are_refused_not_panicked_on() {
    for t in ["18446744073709551615s", "0s", "25h"] {
        let r = promtune(&["analyze", "--timeout", t, "fixtures/guide_example.prom"]);
        assert_eq!(r.code, 2, "{t}: {}", r.stderr);
        assert!(
            r.stderr.contains("must be more than 0s and at most 24h"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_password_in_a_url_that_does_not_parse_is_never_shown() {
    for url in [
        "http://user:s3cr3t-pw@127.0.0.1:99999/metrics",
        "http://user:s3cr3t-pw@[::1/metrics",
        "http://user:s3cr3t-pw@256.1.1.1/metrics",
        "http://user:s3cr3t-pw@/metrics",
        "http://user:s3cr3t/pw@127.0.0.1:1/metrics",
    ] {
        for format in ["table", "json", "markdown"] {
            let r = promtune(&["analyze", "--format", format, "--timeout", "1s", url]);
            assert_eq!(r.code, 2, "{url}: {}", r.stderr);
            let out = all_output(&r);
            assert!(!out.contains("s3cr3t"), "{url} {format}: {out}");
            assert!(out.contains("user") || out.contains("127.0.0.1") || out.contains("metrics"));
        }
        let r = promtune(&["check", "--timeout", "1s", url]);
        assert!(
            !all_output(&r).contains("s3cr3t"),
            "{url}: {}",
            all_output(&r)
        );
    }
}

#[test]
fn a_malformed_header_is_not_echoed() {
    let r = promtune(&[
        "analyze",
        "--header",
        "Authorization Bearer s3cr3t-token",
        "http://127.0.0.1:1/metrics",
    ]);
    assert_eq!(r.code, 2);
    assert!(!all_output(&r).contains("s3cr3t"), "{}", all_output(&r));
    assert!(r.stderr.contains("expected 'Name: value'"), "{}", r.stderr);
}

#[test]
fn user_headers_never_follow_a_redirect_to_another_origin() {
    let elsewhere = serve(Reply::Respond(200, vec![], b"up 1\n".to_vec()));
    let moved = serve(Reply::Respond(
        302,
        vec![("Location".into(), elsewhere.url.clone())],
        Vec::new(),
    ));
    let r = promtune(&["analyze", "--header", "X-Api-Key: s3cr3t-key", &moved.url]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not followed while --header is set"),
        "{}",
        r.stderr
    );
    assert!(elsewhere.requests.lock().unwrap().is_empty());
    assert!(!all_output(&r).contains("s3cr3t"));
    // Without --header the redirect is followed, and no Referer carries the first URL.
    let r = promtune(&["analyze", &format!("{}?token=s3cr3t", moved.url)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen = elsewhere.requests.lock().unwrap().join("\n").to_lowercase();
    assert!(!seen.contains("referer"), "{seen}");
    assert!(!seen.contains("s3cr3t"), "{seen}");
}

#[test]
fn files_the_user_names_are_read_with_a_bound() {
    let guide = fixture("guide_example.prom");
    let guide = guide.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--bearer-token-file", "/dev/zero"],
            "larger than the 64 KiB limit",
        ),
        (
            &[
                "--basic-auth-user",
                "u",
                "--basic-auth-password-file",
                "/dev/zero",
            ],
            "larger than the 64 KiB limit",
        ),
        (&["--config", "/dev/zero"], "larger than the 8 MiB limit"),
        (
            &["--thresholds", "/dev/zero"],
            "larger than the 8 MiB limit",
        ),
        (&["--ca-file", "/dev/zero"], "larger than the 1 MiB limit"),
        (&["--ca-file", "/dev/null"], "no PEM certificate in it"),
    ];
    for (flags, want) in cases {
        let mut args = vec!["analyze"];
        args.extend_from_slice(flags);
        args.push(if flags[0] == "--ca-file" {
            "https://127.0.0.1:1/metrics"
        } else {
            guide
        });
        let r = promtune(&args);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{flags:?}: {}", r.stderr);
    }
    let r = promtune(&[
        "analyze",
        guide,
        "--base-config",
        "/dev/zero",
        "--write-configs",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("larger than the 8 MiB limit"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

#[test]
fn a_fifo_with_no_writer_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let start = Instant::now();
    let r = promtune(&[
        "analyze",
        "--thresholds",
        fifo.to_str().unwrap(),
        "fixtures/guide_example.prom",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no end of file within 10s"),
        "{}",
        r.stderr
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn deeply_nested_yaml_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!(
            "thresholds: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    )
    .unwrap();
    let start = Instant::now();
    let r = promtune(&[
        "analyze",
        "--thresholds",
        deep.to_str().unwrap(),
        "fixtures/guide_example.prom",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("nested deeper than 64 levels"),
        "{}",
        r.stderr
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}
