//! Exit codes, one meaning each, documented in `docs/exit-codes.md`.

/// The run finished and nothing reached `--fail-on` (for `check`: every source is valid).
pub const OK: u8 = 0;
/// The run finished and a finding reached `--fail-on`.
pub const FINDINGS: u8 = 1;
/// promtune could not do the job: bad input, unreachable source, bad config, write failure.
pub const FAILURE: u8 = 2;
