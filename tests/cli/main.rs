//! promtune's integration tests: one binary, one module per area.

mod check;
mod conformance;
mod support;
