//! Round two of hostile use: one deadline over a whole request, bounded reads of every file
//! the user names, secrets that never reach any output, redirects that keep the user's
//! headers at home.

use std::time::{Duration, Instant};

use crate::server::{serve, Reply};
use crate::support::{fixture, promtune, FOREVER, PATIENCE};

/// Everything a run printed, to search for a secret.
fn all_output(r: &crate::support::Run) -> String {
    format!("{}\n{}", r.stdout, r.stderr)
}

#[test]
fn a_trickling_body_meets_the_whole_request_deadline() {
    // A chunk every 300 ms for an hour: each read is quick, only the whole is slow.
    let s = serve(Reply::Trickle(Duration::from_millis(300), 12_000));
    let start = Instant::now();
    let r = promtune(&["analyze", "--timeout", "2s", &s.url]);
    let took = start.elapsed();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no complete answer within 2s"),
        "{}",
        r.stderr
    );
    // The deadline is two seconds; the server would go on for an hour.
    assert!(took < PATIENCE, "took {took:?}");
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
    assert!(start.elapsed() < PATIENCE);
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
    let r = promtune(&[
        "analyze",
        "--thresholds",
        deep.to_str().unwrap(),
        "fixtures/guide_example.prom",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // The pre-check's message, not the parser's: the text was refused before parsing, which
    // is what keeps this fast (timing it would fail on a busy machine, not on slow code).
    assert!(
        r.stderr.contains("nested deeper than 64 levels"),
        "{}",
        r.stderr
    );
}

/// Runs promtune under umask 022, as a login shell would have it.
fn promtune_umask(args: &[&str]) -> crate::support::Run {
    let mut sh = vec![
        "-c",
        "umask 022; exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_promtune"),
    ];
    sh.extend_from_slice(args);
    crate::support::finish(
        std::process::Command::new("sh")
            .args(&sh)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap(),
    )
}

#[test]
fn only_regular_files_are_replaced_even_with_force() {
    use std::os::unix::fs::{symlink, FileTypeExt};
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.yml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let stdout_link = dir.path().join("stdout.yml");
    symlink("/proc/self/fd/1", &stdout_link).unwrap();
    for target in [&fifo, &stdout_link] {
        let r = promtune(&[
            "generate",
            "alert-rules",
            "fixtures/guide_example.prom",
            "-o",
            target.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("only a regular file is replaced"),
            "{}",
            r.stderr
        );
    }
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(&stdout_link)
        .unwrap()
        .file_type()
        .is_symlink());
}

const HOUR: Duration = Duration::from_secs(3600);

/// A temporary file `.promtune-<pid>-<n>.tmp` in `dir`, last written `age` ago.
fn leftover(dir: &std::path::Path, pid: u32, n: u32, age: Duration) -> std::path::PathBuf {
    let p = dir.join(format!(".promtune-{pid}-{n}.tmp"));
    let f = std::fs::File::create(&p).unwrap();
    f.set_modified(std::time::SystemTime::now() - age).unwrap();
    p
}

/// The next write into a directory removes the temporary files of runs that were killed
/// (no such process, or its pid now another program's), once they are a minute old; a
/// running promtune's, and a fresh one's (perhaps a run's in another container), stay.
#[test]
fn temporary_files_of_killed_runs_are_removed_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    // No process has a pid above pid_max.
    let pid_max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let dead = leftover(out, pid_max + 1, 0, HOUR);
    // This test's own pid is alive, but not a promtune: a pid reused after the kill.
    let reused = leftover(out, std::process::id(), 7, HOUR);
    let fresh = leftover(out, pid_max + 1, 1, Duration::ZERO);
    // A live promtune, waiting on its standard input.
    let mut live = std::process::Command::new(env!("CARGO_BIN_EXE_promtune"))
        .args(["check", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let running = leftover(out, live.id(), 0, HOUR);
    let r = promtune(&[
        "analyze",
        "fixtures/guide_example.prom",
        "--write-configs",
        out.to_str().unwrap(),
    ]);
    let _ = live.kill();
    let _ = live.wait();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(out.join("alert-rules.yml").exists());
    assert!(!dead.exists(), "a dead process's leftover stays");
    assert!(!reused.exists(), "a reused pid's leftover stays");
    assert!(fresh.exists(), "a fresh temporary file was removed");
    assert!(running.exists(), "a running promtune's file was removed");
}

#[test]
fn a_dangling_symlink_among_the_targets_stops_the_run_before_any_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x", out.join("alert-rules.yml")).unwrap();
    // A temporary file of a run that was killed (no process has this pid) is cleaned up.
    leftover(&out, 999_999_999, 0, HOUR);
    let r = promtune(&[
        "analyze",
        "fixtures/guide_example.prom",
        "--write-configs",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("alert-rules.yml: it is a symbolic link"),
        "{}",
        r.stderr
    );
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["alert-rules.yml"], "all of its files or none");
}

#[test]
fn new_files_follow_the_umask_and_replaced_files_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = promtune_umask(&[
        "analyze",
        "fixtures/guide_example.prom",
        "--write-configs",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out.join("prometheus-optimized.yml")), 0o644);
    let rules = out.join("alert-rules.yml");
    std::fs::set_permissions(&rules, std::fs::Permissions::from_mode(0o640)).unwrap();
    let r = promtune_umask(&[
        "analyze",
        "fixtures/guide_example.prom",
        "--write-configs",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&rules), 0o640);
    assert_eq!(mode(&out.join("prometheus-optimized.yml")), 0o644);
}

#[test]
fn a_file_name_that_is_not_utf8_is_opened_as_it_is() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"scrape-\xff.prom");
    let path = dir.path().join(name);
    std::fs::copy(fixture("guide_example.prom"), &path).unwrap();
    for cmd in ["check", "analyze"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_promtune"))
            .arg(cmd)
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// openssl, or `None` (after saying why) where it may be missing; in CI it must be there.
fn openssl() -> Option<()> {
    let found = std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl is missing in CI: .ci/run installs it"
        );
        eprintln!("SKIPPED: openssl not found; this test runs in CI");
        return None;
    }
    Some(())
}

/// A self-signed certificate as `openssl req -x509` makes it (CA:TRUE), for `names`.
fn self_signed(dir: &std::path::Path, names: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=promtune-test",
        ])
        .arg("-addext")
        .arg(format!("subjectAltName={names}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    (cert, key)
}

/// `openssl s_server -WWW` serving `dir` over TLS on 127.0.0.1; returns it and its port.
fn tls_server(
    dir: &std::path::Path,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-WWW",
            "-accept",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < PATIENCE, "s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

#[test]
fn a_self_signed_certificate_given_as_ca_file_is_trusted_for_its_names() {
    if openssl().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("guide_example.prom"), dir.path().join("metrics")).unwrap();
    let (cert, key) = self_signed(dir.path(), "IP:127.0.0.1,DNS:localhost");
    let (mut server, port) = tls_server(dir.path(), &cert, &key);
    let ca = cert.to_str().unwrap();
    let url = format!("https://127.0.0.1:{port}/metrics");
    let r = promtune(&["analyze", "--ca-file", ca, "--format", "json", &url]);
    // Without the CA file the certificate is unknown.
    let plain = promtune(&["analyze", &url]);
    // Another certificate, self-signed for another name: the host name is still checked.
    let other = tempfile::tempdir().unwrap();
    let (other_cert, _) = self_signed(other.path(), "DNS:elsewhere.example");
    let wrong = promtune(&["analyze", "--ca-file", other_cert.to_str().unwrap(), &url]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        crate::support::json_of(&r.stdout)["reports"][0]["patterns"][0]["requests"],
        394
    );
    assert_eq!(plain.code, 2);
    assert!(
        plain.stderr.contains("TLS handshake failed"),
        "{}",
        plain.stderr
    );
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("TLS handshake failed"),
        "{}",
        wrong.stderr
    );
}

/// Every secret, through every format and every written file, on success and on each way a
/// request fails: none of them appears anywhere.
#[test]
fn no_secret_reaches_any_output_or_file() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cr3t-bearer\n").unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "s3cr3t-basic\n").unwrap();
    let guide = std::fs::read(fixture("guide_example.prom")).unwrap();
    let ok = serve(Reply::Respond(200, vec![], guide));
    let denied = serve(Reply::Respond(401, vec![], b"s3cr3t-echo".to_vec()));
    let stalled = serve(Reply::Stall(FOREVER));
    let secrets = [
        "s3cr3t-bearer",
        "s3cr3t-basic",
        "s3cr3t-header",
        "s3cr3t-url",
    ];
    let url = |base: &str| base.replacen("http://", "http://user:s3cr3t-url@", 1);
    let mut runs = Vec::new();
    for (n, server) in [&ok, &denied, &stalled].into_iter().enumerate() {
        for format in ["table", "json", "markdown"] {
            let out = dir.path().join(format!("out-{n}-{format}"));
            let r = promtune(&[
                "analyze",
                "--format",
                format,
                "--timeout",
                "1s",
                "--bearer-token-file",
                token.to_str().unwrap(),
                "--basic-auth-user",
                "user",
                "--basic-auth-password-file",
                password.to_str().unwrap(),
                "--header",
                "X-Api-Key: s3cr3t-header",
                "--write-configs",
                out.to_str().unwrap(),
                &url(&server.url),
            ]);
            let mut seen = all_output(&r);
            for f in std::fs::read_dir(&out).into_iter().flatten().flatten() {
                seen.push_str(&std::fs::read_to_string(f.path()).unwrap());
            }
            runs.push((n, r.code, seen));
        }
    }
    for (n, code, seen) in &runs {
        assert_eq!(*code, if *n == 0 { 0 } else { 2 }, "{seen}");
        for s in secrets {
            assert!(!seen.contains(s), "{s} in run {n}: {seen}");
        }
    }
    // The successful runs did write their files, so there was something to search.
    assert!(runs
        .iter()
        .filter(|r| r.0 == 0)
        .all(|r| r.2.contains("scrape_configs")));
}
