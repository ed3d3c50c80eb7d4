//! Running the real `promtool` (Debian's `prometheus` package). Missing on a laptop: the test
//! says so and skips; missing in CI (`CI` set): the test fails.

use std::path::Path;
use std::process::Command;

/// The promtool binary, or `None` (after printing why) where it may be missing.
pub(crate) fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("promtool");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "promtool is missing in CI: .ci/run must install Debian's prometheus package"
    );
    eprintln!("SKIPPED: promtool not found (apt-get install prometheus); this test runs in CI");
    None
}

/// Runs `promtool ARGS` in `dir`; returns (success, stdout + stderr).
pub(crate) fn run(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
