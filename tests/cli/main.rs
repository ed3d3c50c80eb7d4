//! promtune's integration tests: one binary, one module per area.

mod analyze;
mod baseline;
mod captures;
mod check;
mod ci_docs;
mod ci_formats;
mod compare;
mod conformance;
mod docs;
mod exit_codes;
mod fleet;
#[path = "../fleet_serve.rs"]
mod fleet_serve;
mod formats;
mod generate;
mod hardening;
mod hostile;
mod html;
mod http_input;
mod injection;
mod memory;
mod messages;
mod prometheus;
mod promtool;
mod promtool_tests;
mod properties;
mod retention;
mod scrape;
mod server;
mod server_mode;
mod streams;
mod strict;
mod support;
mod terminal;
mod victoria;
mod window;
