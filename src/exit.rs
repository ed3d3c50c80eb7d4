//! Exit codes, one meaning each, documented in `docs/exit-codes.md`.

/// The run finished and nothing reached `--fail-on` (for `check`: every source is valid).
pub const OK: u8 = 0;
/// The run finished and a finding reached `--fail-on`.
pub const FINDINGS: u8 = 1;
/// promtune could not do the job: bad input, unreachable source, bad config, write failure.
pub const FAILURE: u8 = 2;

/// True when the error chain holds a broken pipe (`promtune … | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
