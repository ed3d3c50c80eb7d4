//! promtune's entry point: parse the command line, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = promtune::cli::Cli::parse();
    match promtune::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if promtune::exit::is_broken_pipe(&err) {
                return ExitCode::from(promtune::exit::OK);
            }
            eprintln!("promtune: error: {err:#}");
            ExitCode::from(promtune::exit::FAILURE)
        }
    }
}
