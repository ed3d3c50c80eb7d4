//! Broken streams: a closed stdout (`promtune … | true`) ends the printing, never the job;
//! a closed or full stderr loses messages, never panics. The exit code always reflects what
//! was found.

use std::process::{Command, Stdio};

use crate::support::fixture;

/// Runs promtune with stdout a pipe whose reader is already gone (every write fails with
/// EPIPE, without a race) and stderr `stderr`; returns the exit code.
fn run_closed_stdout(args: &[&str], stderr: Stdio) -> i32 {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_promtune"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(stderr)
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

#[test]
fn an_invalid_file_fails_even_when_stdout_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.prom");
    std::fs::write(&bad, "bad{\n").unwrap();
    let guide = fixture("guide_example.prom");
    let args = ["check", bad.to_str().unwrap(), guide.to_str().unwrap()];
    assert_eq!(run_closed_stdout(&args, Stdio::null()), 2);
    let args = ["check", guide.to_str().unwrap()];
    assert_eq!(run_closed_stdout(&args, Stdio::null()), 0);
}

#[test]
fn findings_and_files_survive_a_closed_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = [
        "analyze",
        "--fail-on",
        "warning",
        "--write-configs",
        out.to_str().unwrap(),
        "fixtures/guide_example.prom",
    ];
    // The guide's 900MB is a warning: exit 1, and the configs are written all the same.
    assert_eq!(run_closed_stdout(&args, Stdio::null()), 1);
    assert!(out.join("prometheus-optimized.yml").is_file());
    assert!(out.join("alert-rules.yml").is_file());
}

#[test]
fn a_full_or_closed_stderr_never_panics() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let guide = fixture("guide_example.prom");
    let missing = fixture("missing.prom");
    for args in [
        vec!["check", guide.to_str().unwrap()],
        vec!["check", missing.to_str().unwrap()],
        vec!["analyze", missing.to_str().unwrap()],
    ] {
        let want = if args[1].ends_with("missing.prom") {
            2
        } else {
            0
        };
        let code = run_closed_stdout(&args, Stdio::from(full.try_clone().unwrap()));
        assert_eq!(code, want, "{args:?}");
    }
}
