//! promtune: analyse Prometheus `/metrics` output against usage thresholds.
//!
//! The modules follow the pipeline: `input` → `parse` → `model` → `detect` → `threshold` →
//! `recommend` → `report` / `generate`; `analysis` runs the middle of it for one source,
//! `app` glues the stages for each subcommand and is the only module that prints.

pub mod analysis;
pub mod app;
pub mod check;
pub mod cli;
pub mod collect;
pub mod compare;
pub mod config;
pub mod detect;
pub mod escape;
pub mod exit;
pub mod fleet;
pub mod generate;
pub mod input;
pub mod model;
pub mod parse;
pub mod plural;
pub mod recommend;
pub mod report;
pub mod server;
pub mod settings;
pub mod threshold;
