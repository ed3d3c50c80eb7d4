//! One function per subcommand, gluing the stages together. The only module that prints.

use std::io::Write;

use crate::cli::{CheckArgs, Cli, Command, InputArgs, InputFormatArg};
use crate::exit;
use crate::input::Source;
use crate::parse::{self, Format, FormatChoice, ParseError, ParseOptions, Parsed};
use crate::report;

/// Runs the command; returns the exit code, or an error that means exit 2.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check(args) => check(&args),
    }
}

fn format_choice(a: InputFormatArg) -> FormatChoice {
    match a {
        InputFormatArg::Auto => FormatChoice::Auto,
        InputFormatArg::Prometheus => FormatChoice::Fixed(Format::Prometheus),
        InputFormatArg::Openmetrics => FormatChoice::Fixed(Format::OpenMetrics),
    }
}

/// Reads and parses one source; the error is already formatted as `SOURCE:LINE:COLUMN: …`.
fn load(
    source: &Source,
    input: &InputArgs,
    retain: Option<&dyn Fn(&str) -> bool>,
) -> Result<Parsed, String> {
    let name = source.name();
    let reader = source.open().map_err(|e| format!("{name}: error: {e:#}"))?;
    let opts = ParseOptions {
        format: format_choice(input.input_format),
        max_bytes: input.max_bytes,
        retain,
    };
    parse::parse(reader, &opts).map_err(|e| match e {
        ParseError::Syntax { .. } => format!("{name}:{e}"),
        other => format!("{name}: error: {other}"),
    })
}

fn print_warnings(name: &str, parsed: &Parsed) {
    let mut err = std::io::stderr().lock();
    for w in &parsed.warnings {
        let _ = writeln!(
            err,
            "{name}:{}:{}: warning: {}",
            w.line, w.column, w.message
        );
    }
    let hidden = parsed.warnings_total - parsed.warnings.len() as u64;
    if hidden > 0 {
        let _ = writeln!(err, "{name}: {hidden} more warnings not shown");
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    let mut code = exit::OK;
    let mut out = std::io::stdout().lock();
    let keep_nothing = |_: &str| false;
    for arg in &args.sources {
        let source = Source::from_arg(arg);
        let name = source.name();
        match load(&source, &args.input, Some(&keep_nothing)) {
            Ok(parsed) => {
                print_warnings(&name, &parsed);
                out.write_all(report::render_check(&name, &parsed).as_bytes())?;
            }
            Err(msg) => {
                eprintln!("{msg}");
                code = exit::FAILURE;
            }
        }
    }
    out.flush()?;
    Ok(code)
}
