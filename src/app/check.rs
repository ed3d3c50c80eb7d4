//! `promtune check`: validates, summarises and lints pages, or answers exactly as
//! `promtool check metrics` does (`--format promtool`).

use std::io::Write;

use super::{say, stdout, verdict, Stdout};
use crate::check::{self, Family, Gather, Limits};
use crate::cli::{CheckArgs, CheckFormatArg, FormatArg, LintArg};
use crate::collect;
use crate::escape::terminal;
use crate::exit;
use crate::input::{HttpOptions, Source};
use crate::model::{Keep, MetricType};
use crate::parse::Format;
use crate::report::{self, Report};

/// promtool's exit code for lint problems.
const PROMTOOL_LINT: u8 = 3;
/// promtool's exit code for a page it cannot parse.
const PROMTOOL_FAILURE: u8 = 1;

pub(super) fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    if args.format == CheckFormatArg::Promtool {
        return promtool(args);
    }
    let limits = Limits {
        family_series: args.max_family_series,
    };
    let mut out = stdout();
    let mut failed = false;
    let mut reports = Vec::new();
    let summary = args.format == CheckFormatArg::Summary;
    for arg in &args.sources {
        let source = Source::from_os(arg.as_os_str());
        let name = source.name();
        // `--lint none` without `--extended` validates only: the parser alone, no facts.
        let facts = args.lint == LintArg::All || args.extended;
        let (parsed, families) = match read_families(&source, &args.input, facts) {
            Ok(read) => read,
            Err(msg) => {
                say(&msg);
                failed = true;
                reports.push(Report::failed(name, msg));
                continue;
            }
        };
        let findings = match args.lint {
            LintArg::All => check::lint(&families, &limits, false),
            LintArg::None => Vec::new(),
        };
        if summary {
            super::print_warnings(&name, &parsed);
            let mut text = report::render_check(&name, &parsed);
            if args.lint == LintArg::All {
                text.push_str(&report::render_lint_lines(&findings));
            }
            if args.extended {
                let (rows, total) = check::cardinality(&families);
                text.push_str(&report::render_extended(&rows, total));
            }
            out.write_all(terminal::lines(&text).as_bytes())?;
        }
        reports.push(report::lint_report(
            name,
            parsed.format.to_string(),
            &findings,
        ));
    }
    waive(args, &mut reports)?;
    if !summary {
        emit(&mut out, args, &reports)?;
    }
    out.flush()?;
    Ok(verdict(args.fail_on, &super::counted(&reports), failed))
}

/// Reads one page for the lint: its parse (figures only, no family kept) and its families as
/// the lint sees them. A page without samples is an error, as in `analyze`; only `--format
/// promtool` (promtool accepts an empty exposition) reads one.
fn read_families(
    source: &Source,
    input: &crate::cli::InputArgs,
    facts: bool,
) -> Result<(crate::parse::Parsed, Vec<Family>), String> {
    let keep_nothing = |_: &str, _: MetricType| Keep::Nothing;
    let mut gather = Gather::new(facts);
    let (mut parsed, ..) = collect::read(
        source,
        input,
        &HttpOptions::default(),
        Some(&keep_nothing),
        Some(&mut gather),
    )?;
    collect::require_samples(&source.name(), &parsed)?;
    let labels = std::mem::take(&mut parsed.snapshot.stats.labels);
    let families = gather.families(parsed.format == Format::OpenMetrics, labels);
    Ok((parsed, families))
}

/// The lint findings of one page, as `check` reports them (for `baseline write`).
pub(super) fn lint_report(
    source: &Source,
    input: &crate::cli::InputArgs,
) -> Result<Report, String> {
    let (parsed, families) = read_families(source, input, true)?;
    let findings = check::lint(&families, &Limits::default(), false);
    Ok(report::lint_report(
        source.name(),
        parsed.format.to_string(),
        &findings,
    ))
}

/// `ignore:` from `--config`, and `--baseline`, as analyze applies them.
fn waive(args: &CheckArgs, reports: &mut [Report]) -> anyhow::Result<()> {
    let cfg = crate::config::load(None, args.config.as_deref(), None)?;
    super::waive_with(args.baseline.as_ref(), args.now.as_deref(), &cfg, reports)
}

fn emit(out: &mut Stdout, args: &CheckArgs, reports: &[Report]) -> anyhow::Result<()> {
    let f = match args.format {
        CheckFormatArg::Json => FormatArg::Json,
        CheckFormatArg::Markdown => FormatArg::Markdown,
        CheckFormatArg::Sarif => FormatArg::Sarif,
        CheckFormatArg::Junit => FormatArg::Junit,
        CheckFormatArg::Github => FormatArg::Github,
        CheckFormatArg::Summary | CheckFormatArg::Promtool => return Ok(()),
    };
    let format = super::format_for(f, report::Format::Table, super::fail_line(args.fail_on));
    out.write_all(report::renderer(format).render(reports, None).as_bytes())?;
    Ok(())
}

/// What promtool prints for one page, and its exit code: the problems on stderr (3), or
/// the parse error (1), or the `--extended` table on stdout (0).
fn promtool_one(
    args: &CheckArgs,
    families: Result<Vec<Family>, (u64, String)>,
    out: &mut Stdout,
) -> anyhow::Result<u8> {
    let families = match families {
        Ok(f) => f,
        Err((line, msg)) => {
            eprint(&report::render_promtool_error(line, &msg));
            return Ok(PROMTOOL_FAILURE);
        }
    };
    if args.lint == LintArg::All {
        let findings = check::lint(&families, &Limits::default(), true);
        if !findings.is_empty() {
            eprint(&report::render_promtool(&findings));
            return Ok(PROMTOOL_LINT);
        }
    }
    if args.extended {
        let (rows, total) = check::cardinality(&families);
        out.write_all(terminal::lines(&report::render_extended(&rows, total)).as_bytes())?;
    }
    Ok(exit::OK)
}

fn promtool(args: &CheckArgs) -> anyhow::Result<u8> {
    if args.lint == LintArg::None && !args.extended {
        // promtool's own refusal (2.55 and later; 2.42 has no `--lint`).
        say("error: at least one of --extended or linting must be enabled");
        say("Use --extended for cardinality analysis, or remove --lint=none to enable linting");
        return Ok(PROMTOOL_FAILURE);
    }
    let mut out = stdout();
    let mut code = exit::OK;
    for arg in &args.sources {
        let source = Source::from_os(arg.as_os_str());
        let one = match source.open(&HttpOptions::default()) {
            Ok(opened) => {
                let families = check::read_as_promtool(opened.reader, args.input.max_bytes);
                promtool_one(args, families, &mut out)?
            }
            Err(e) => {
                say(format_args!("{}: error: {e:#}", source.name()));
                exit::FAILURE
            }
        };
        // The worst of the codes: unreadable (2), unparseable (1), lint problems (3), clean.
        let rank = |c: u8| {
            [exit::OK, PROMTOOL_LINT, PROMTOOL_FAILURE, exit::FAILURE]
                .iter()
                .position(|x| *x == c)
        };
        if rank(one) > rank(code) {
            code = one;
        }
    }
    out.flush()?;
    Ok(code)
}

/// Lines for standard error, as promtool writes them there.
fn eprint(text: &str) {
    for line in text.lines() {
        say(line);
    }
}
