//! promtune's entry point: parse the command line, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = promtune::cli::Cli::parse();
    match promtune::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed stdout never reaches here (app drops the rest of the output and goes
            // on), so every error is a job not done.
            promtune::app::say(format_args!("promtune: error: {err:#}"));
            ExitCode::from(promtune::exit::FAILURE)
        }
    }
}
