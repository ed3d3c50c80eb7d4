//! The command line (clap derive only); converted to domain types in `app.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Analyse Prometheus /metrics output: usage patterns, thresholds, recommendations.
#[derive(Debug, Parser)]
#[command(name = "promtune", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate exposition files (text format 0.0.4 or OpenMetrics 1.0) and summarise them.
    Check(CheckArgs),
}

/// Options shared by every command that reads expositions.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Exposition format: decided from the content (or Content-Type) by default.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, env = "PROMTUNE_INPUT_FORMAT")]
    pub input_format: InputFormatArg,

    /// Stop reading a source past this many bytes.
    #[arg(long, default_value_t = promtune_default_max_bytes(), value_name = "BYTES")]
    pub max_bytes: u64,
}

const fn promtune_default_max_bytes() -> u64 {
    crate::parse::DEFAULT_MAX_BYTES
}

/// `promtune check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to validate; `-` reads standard input.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,

    /// Input options.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// Decide from Content-Type or content.
    Auto,
    /// Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0.
    Openmetrics,
}
