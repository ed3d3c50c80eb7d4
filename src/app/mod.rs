//! One function per subcommand, gluing the stages together. The only module (with its
//! children) that prints.

mod check;
mod compare;
mod files;
mod fleets;
mod progress;
mod scrape;
mod usage;

use check::check;
use compare::compare;
use files::{
    base_config, baseline_write, configured_interval, diff, generate_files, generate_one,
    relabel_settings,
};
use fleets::{analyze_server, analyze_targets};
use progress::{countdown, Terminal};

use std::io::Write;

use anyhow::Context as _;

use crate::cli::{
    AnalyzeArgs, Cli, Command, FailOnArg, FormatArg, GenerateArgs, GenerateCmd, ThresholdArgs,
};
use crate::collect::{self, Analysed};
use crate::config::{self, Config};
use crate::detect;
use crate::escape::terminal;
use crate::exit;
use crate::generate::{self, BaseConfig, GenerateContext};
use crate::input::{bounded, Source};
use crate::parse::Parsed;
use crate::report::{self, Report};
use crate::settings;
use crate::threshold::Status;

/// Standard output that outlives its reader: once the pipe is closed (`promtune … | head`,
/// `| true`), the rest of the output is dropped, but the run goes on, writes its files and
/// returns the exit code its findings call for.
struct Stdout {
    inner: std::io::StdoutLock<'static>,
    closed: bool,
}

fn stdout() -> Stdout {
    Stdout {
        inner: std::io::stdout().lock(),
        closed: false,
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.inner.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            _ if self.closed => Ok(()),
            other => other,
        }
    }
}

/// One line on standard error. A closed or full stderr loses the line; it never panics
/// (`eprintln!` does) and never changes the exit code. Messages carry data (addresses, server
/// answers, label values), so every control character but the newline is shown escaped.
pub fn say(msg: impl std::fmt::Display) {
    let text = msg.to_string();
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal::lines(&text));
}

/// Runs the command; returns the exit code, or an error that means exit 2.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Generate(args) => generate_one(&args),
        Command::Scrape(args) => scrape::scrape(&args),
        Command::Check(args) => check(&args),
        Command::Compare(args) => compare(&args),
        Command::Baseline(crate::cli::BaselineCmd::Write(args)) => baseline_write(&args),
        Command::Thresholds(args) => thresholds(&args),
        Command::Detectors => detectors(),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = stdout();
            clap_complete::generate(shell, &mut cmd, "promtune", &mut out);
            out.flush()?;
            Ok(exit::OK)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = stdout();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
            Ok(exit::OK)
        }
    }
}

fn print_warnings(name: &str, parsed: &Parsed) {
    for w in &parsed.warnings {
        say(format_args!(
            "{name}:{}:{}: warning: {}",
            w.line, w.column, w.message
        ));
    }
    let hidden = parsed.warnings_total - parsed.warnings.len() as u64;
    if hidden > 0 {
        say(format_args!(
            "{name}: {} more not shown",
            crate::plural::n(hidden, "warning")
        ));
    }
}

fn load_config(t: &ThresholdArgs) -> anyhow::Result<Config> {
    Ok(config::load(
        t.profile.as_deref(),
        t.config.as_deref(),
        t.thresholds.as_deref(),
    )?)
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<u8> {
    let mut cfg = load_config(&args.run.thresholds)?;
    cfg.usage = usage::load(&args.generate.usage)?;
    relabel_settings(
        &mut cfg,
        &args.run,
        args.write_configs.is_some() || args.generate.diff,
    )?;
    if let Some(url) = &args.run.prometheus {
        return analyze_server(args, url, &cfg);
    }
    if let Some(file) = &args.run.targets_from {
        return analyze_targets(args, file, &cfg);
    }
    let own = |s: &Source, r: &Report, snap: &crate::model::Snapshot| {
        files::own_files(s, r, snap, &cfg, &args.generate)
    };
    let (mut analysed, failed) =
        collect::analyse_all(&args.run, &cfg, Some(&own), &mut |m| say(m), &|w| {
            countdown(w, "second scrape")
        })?;
    if args.write_configs.is_some() || args.generate.diff {
        configured_interval(&mut analysed, &args.generate)?;
    }
    let mut reports: Vec<Report> = analysed.iter().map(|a| a.report.clone()).collect();
    waive(args, &cfg, &mut reports)?;
    for (a, r) in analysed.iter_mut().zip(&reports) {
        a.report = r.clone();
    }
    let mut out = stdout();
    if args.generate.diff {
        let (files, base) =
            generate_files(&analysed, &cfg, &args.generate, &["prometheus-config"])?;
        out.write_all(diff(&files, base.as_ref()).as_bytes())?;
    } else {
        emit(&mut out, args, &reports, None, cfg.usage.as_ref())?;
    }
    out.flush()?;
    if let (Some(dir), false) = (&args.write_configs, args.generate.diff) {
        let kinds: Vec<&str> = generate::registry().iter().map(|g| g.kind()).collect();
        let (files, _) = generate_files(&analysed, &cfg, &args.generate, &kinds)?;
        for path in generate::write_outputs(dir, &files, args.generate.force)? {
            say(format_args!("wrote {}", path.display()));
        }
    }
    Ok(verdict(args.fail_on, &counted(&reports), failed))
}

/// `text` to `--output FILE` (written as generated configs are: atomic, never over an
/// existing file without `--force`) with `table()` on stdout for the log, or `text` to stdout.
fn deliver(
    out: &mut Stdout,
    output: Option<&std::path::PathBuf>,
    force: bool,
    text: &str,
    table: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    match output.filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            generate::write_one(path, text, force)?;
            say(format_args!("wrote {}", path.display()));
            out.write_all(table().as_bytes())?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}

/// The reports in `--format`, delivered (see [`deliver`]), with what `--usage` read.
fn emit(
    out: &mut Stdout,
    args: &AnalyzeArgs,
    reports: &[Report],
    fleet: Option<&report::Fleet>,
    usage: Option<&crate::input::usage::Usage>,
) -> anyhow::Result<()> {
    let r = report::renderer_with(format_of(args), usage);
    if args.output.as_ref().is_some_and(|p| p.as_os_str() != "-") {
        return deliver(
            out,
            args.output.as_ref(),
            args.generate.force,
            &r.render(reports, fleet),
            || report::renderer(table_format(args.color)).render(reports, fleet),
        );
    }
    // Straight to stdout as it is made: a fleet's report is never held whole.
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, &mut *out);
    r.write_to(reports, fleet, &mut w)?;
    w.flush()?;
    Ok(())
}

/// Marks what the config's `ignore:` suppresses and what `--baseline` holds.
fn waive(args: &AnalyzeArgs, cfg: &Config, reports: &mut [Report]) -> anyhow::Result<()> {
    waive_with(args.baseline.as_ref(), args.now.as_deref(), cfg, reports)
}

/// [`waive`] for any command: `baseline` and `now` as `--baseline` and `--now` give them.
fn waive_with(
    baseline: Option<&std::path::PathBuf>,
    now: Option<&str>,
    cfg: &Config,
    reports: &mut [Report],
) -> anyhow::Result<()> {
    let baseline = match baseline {
        Some(p) => {
            let text = bounded::read_text(p, "--baseline", bounded::CONFIG_LIMIT * 8)?;
            Some(report::parse_baseline(&p.display().to_string(), &text)?)
        }
        None => None,
    };
    let now = match now {
        Some(t) => {
            settings::scraped_at(t)
                .map_err(|e| anyhow::anyhow!("--now: {e:#}"))?
                .at
        }
        None => crate::input::now(),
    };
    report::waive(reports, &cfg.ignore, baseline.as_deref(), now);
    Ok(())
}

/// The statuses that count for `--fail-on`: those of findings not waived.
fn counted(reports: &[Report]) -> Vec<Status> {
    reports
        .iter()
        .flat_map(|r| {
            r.checks
                .iter()
                .filter(|c| c.waived.is_none())
                .map(|c| c.status)
        })
        .collect()
}

/// Whether the table on stdout is coloured: `--color`, and for `auto` a terminal without
/// `NO_COLOR` (https://no-color.org).
fn colour(c: crate::cli::ColorArg) -> bool {
    use std::io::IsTerminal;
    match c {
        crate::cli::ColorArg::Always => true,
        crate::cli::ColorArg::Never => false,
        crate::cli::ColorArg::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The table format, coloured or not.
fn table_format(c: crate::cli::ColorArg) -> report::Format {
    if colour(c) {
        report::Format::TableColor
    } else {
        report::Format::Table
    }
}

/// The lowest status `--fail-on` fails on (`unknown` also fails on warnings).
fn fail_line(fail_on: FailOnArg) -> Option<Status> {
    match fail_on {
        FailOnArg::Never => None,
        FailOnArg::Warning | FailOnArg::Unknown => Some(Status::Warning),
        FailOnArg::Critical => Some(Status::Critical),
    }
}

/// A `--format` as the renderers know it: `table` the table format to use, `junit_at` the
/// status JUnit fails at.
fn format_for(f: FormatArg, table: report::Format, junit_at: Option<Status>) -> report::Format {
    match f {
        FormatArg::Table => table,
        FormatArg::Json => report::Format::Json,
        FormatArg::Markdown => report::Format::Markdown,
        FormatArg::Sarif => report::Format::Sarif,
        FormatArg::Github => report::Format::Github,
        FormatArg::Html => report::Format::Html,
        FormatArg::Junit => report::Format::Junit(junit_at),
    }
}

/// The report format, with `--fail-on` for JUnit's failures.
fn format_of(args: &AnalyzeArgs) -> report::Format {
    format_for(
        args.format,
        table_format(args.color),
        fail_line(args.fail_on),
    )
}

/// The exit code for these statuses under `--fail-on`.
fn verdict(fail_on: FailOnArg, statuses: &[Status], failed: bool) -> u8 {
    let limit = fail_line(fail_on);
    let worst = statuses.iter().max();
    // Unknown sorts below ok, so "at or above" cannot say it: it is asked for by name.
    let unmeasured = fail_on == FailOnArg::Unknown && statuses.contains(&Status::Unknown);
    if failed {
        exit::FAILURE
    } else if unmeasured || limit.is_some_and(|l| worst.is_some_and(|w| *w >= l)) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

fn thresholds(args: &ThresholdArgs) -> anyhow::Result<u8> {
    let cfg = load_config(args)?;
    let mut out = stdout();
    out.write_all(report::render_thresholds(&cfg.thresholds).as_bytes())?;
    Ok(exit::OK)
}

fn detectors() -> anyhow::Result<u8> {
    let mut out = stdout();
    for d in detect::registry() {
        writeln!(out, "{:<16} {}", d.id(), d.describe())?;
    }
    Ok(exit::OK)
}
