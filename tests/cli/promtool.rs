//! Running the real `promtool` (Debian's `prometheus` package). Missing on a laptop: the test
//! says so and skips; missing in CI (`CI` set): the test fails.

use std::path::Path;
use std::process::Command;

/// The promtool binary, or `None` (after printing why) where it may be missing.
pub(crate) fn promtool() -> Option<&'static str> {
    crate::support::have("promtool", "--version", "prometheus").then_some("promtool")
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
