//! One function per subcommand, gluing the stages together. The only module that prints.

use std::io::Write;

use anyhow::Context as _;

use crate::cli::{
    AnalyzeArgs, CheckArgs, Cli, Command, FailOnArg, FormatArg, GenerateArgs, GenerateCmd,
    ThresholdArgs,
};
use crate::collect::{self, Analysed};
use crate::config::{self, Config};
use crate::detect;
use crate::exit;
use crate::generate::{self, BaseConfig, GenerateContext};
use crate::input::{bounded, HttpOptions, Source};
use crate::model::{Keep, MetricType};
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
/// (`eprintln!` does) and never changes the exit code.
pub fn say(msg: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

/// Runs the command; returns the exit code, or an error that means exit 2.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Generate(args) => generate_one(&args),
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
    let mut out = stdout();
    let keep_nothing = |_: &str, _: MetricType| Keep::Nothing;
    for arg in &args.sources {
        let source = Source::from_os(arg.as_os_str());
        let name = source.name();
        match collect::load(
            &source,
            &args.input,
            &HttpOptions::default(),
            Some(&keep_nothing),
        ) {
            Ok((parsed, ..)) => {
                print_warnings(&name, &parsed);
                out.write_all(report::render_check(&name, &parsed).as_bytes())?;
            }
            Err(msg) => {
                say(msg);
                code = exit::FAILURE;
            }
        }
    }
    out.flush()?;
    Ok(code)
}

fn load_config(t: &ThresholdArgs) -> anyhow::Result<Config> {
    Ok(config::load(
        t.profile.as_deref(),
        t.config.as_deref(),
        t.thresholds.as_deref(),
    )?)
}

/// Generated files as `(file name, text)`.
type Files = Vec<(String, String)>;

/// `--base-config`, read within its bounds.
fn base_config(g: &GenerateArgs) -> anyhow::Result<Option<BaseConfig>> {
    let Some(p) = &g.base_config else {
        return Ok(None);
    };
    let text = bounded::read_text(p, "--base-config", bounded::CONFIG_LIMIT)?;
    bounded::yaml_depth(&text, bounded::YAML_DEPTH)
        .map_err(|e| anyhow::anyhow!("--base-config {}: {e}", p.display()))?;
    Ok(Some(BaseConfig {
        path: p.display().to_string(),
        text,
    }))
}

/// The one `--job` a single target's config may change.
fn single_job(g: &GenerateArgs) -> anyhow::Result<Option<&str>> {
    match g.job.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => anyhow::bail!(
            "--job was given {} times; one target's config changes one job (several narrow a --prometheus fleet)",
            many.len()
        ),
    }
}

/// Generates files for the first source that could be analysed.
fn generate_files(
    analysed: &[Analysed],
    cfg: &Config,
    g: &GenerateArgs,
    kinds: &[&str],
) -> anyhow::Result<(Files, Option<BaseConfig>)> {
    let parsed_sources: Vec<&Analysed> = analysed.iter().filter(|a| a.parsed.is_some()).collect();
    // One config is written for one target: rather than use the first source and quietly
    // drop the others, say so (merging several targets into one config is not done yet).
    if parsed_sources.len() > 1 {
        let names: Vec<String> = parsed_sources.iter().map(|a| a.source.name()).collect();
        anyhow::bail!(
            "configs are generated for one source, and {} were given ({}); nothing was written: run once per target",
            names.len(),
            names.join(", ")
        );
    }
    let a = parsed_sources.first().copied().ok_or_else(|| {
        anyhow::anyhow!("no source could be analysed, so there is nothing to generate from")
    })?;
    let parsed = a
        .parsed
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no parsed source"))?;
    let base = base_config(g)?;
    let (target, path, scheme) = settings::target(&a.source, g.target.as_deref());
    let plan = generate::plan(
        &a.report,
        &target,
        &path,
        &scheme,
        single_job(g)?,
        base.as_ref().map(|b| b.text.as_str()),
    )
    .with_context(|| base.as_ref().map(|b| b.path.clone()).unwrap_or_default())?;
    let verdict = if plan.changed { "changed" } else { "unchanged" };
    say(format_args!(
        "promtune: job {:?} ({}) {verdict}: {}",
        plan.job, plan.chosen_by, plan.reason
    ));
    let cx = GenerateContext {
        report: &a.report,
        snapshot: &parsed.snapshot,
        thresholds: &cfg.thresholds,
        plan: &plan,
        base: base.as_ref(),
        rule_files: !g.no_rule_files,
        runbook_base: g
            .runbook_url
            .as_deref()
            .unwrap_or(generate::RUNBOOK_BASE)
            .trim_end_matches('/'),
    };
    let mut files = Vec::new();
    for kind in kinds {
        let gen = generate::by_kind(kind).ok_or_else(|| anyhow::anyhow!("unknown kind {kind}"))?;
        files.push((gen.file_name().to_string(), gen.generate(&cx)?));
    }
    Ok((files, base))
}

/// The unified diff of the generated Prometheus config against the base config.
fn diff(files: &[(String, String)], base: Option<&BaseConfig>) -> String {
    let (Some(b), Some((_, new))) = (
        base,
        files.iter().find(|(n, _)| n == "prometheus-optimized.yml"),
    ) else {
        return String::new();
    };
    // Patience anchors on lines that occur once on each side (job names, targets), so a
    // config rewritten throughout still diffs in about linear time; Myers alone was
    // quadratic in the lines changed.
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_lines(b.text.as_str(), new.as_str())
        .unified_diff()
        .header(&b.path, "prometheus-optimized.yml")
        .to_string()
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<u8> {
    let cfg = load_config(&args.run.thresholds)?;
    if let Some(url) = &args.run.prometheus {
        return analyze_server(args, url, &cfg);
    }
    if let Some(file) = &args.run.targets_from {
        return analyze_targets(args, file, &cfg);
    }
    let (mut analysed, failed) = collect::analyse_all(&args.run, &cfg, &mut |m| say(m), &|w| {
        countdown(w, "second scrape")
    })?;
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
        emit(&mut out, args, &reports, None)?;
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

/// `analyze --prometheus URL`: the fleet a server scrapes.
fn analyze_server(args: &AnalyzeArgs, url: &str, cfg: &Config) -> anyhow::Result<u8> {
    let q = settings::range_query(&args.run, url, &args.generate.job)?;
    let http = settings::http_options(&args.run.http)?;
    let mut read = crate::server::read(&q, &http, cfg)?;
    waive(args, cfg, &mut read.reports)?;
    for r in &read.reports {
        for n in &r.notices {
            say(format_args!("{}: notice: {n}", r.source));
        }
    }
    for w in &read.fleet.notices {
        say(format_args!("{}: warning from the server: {w}", read.shown));
    }
    say(format_args!(
        "promtune: read {} targets with {} requests to {}",
        read.reports.len(),
        read.requests,
        read.shown
    ));
    if !read.left_out.is_empty() {
        say(format_args!(
            "promtune: {} targets have no request metrics and were left out",
            read.left_out.len()
        ));
    }
    let base = base_config(&args.generate)?;
    let files = || {
        generate::fleet_files(&generate::FleetInput {
            source: format!(
                "{} over {} ending {}",
                read.shown,
                args.run.range,
                report::rfc3339(q.at)
            ),
            reports: &read.reports,
            fleet: &read.fleet,
            samples: &read.samples,
            thresholds: &cfg.thresholds,
            base: base.as_ref(),
            rule_files: !args.generate.no_rule_files,
            runbook_base: args.generate.runbook_url.as_deref(),
        })
    };
    let mut out = stdout();
    if args.generate.diff {
        out.write_all(diff(&files()?, base.as_ref()).as_bytes())?;
    } else {
        emit(&mut out, args, &read.reports, Some(&read.fleet))?;
    }
    out.flush()?;
    if let (Some(dir), false) = (&args.write_configs, args.generate.diff) {
        for path in generate::write_outputs(dir, &files()?, args.generate.force)? {
            say(format_args!("wrote {}", path.display()));
        }
    }
    Ok(verdict(args.fail_on, &counted(&read.reports), false))
}

/// Progress on stderr: a bar (done, failed, rate) and a countdown when stderr is a terminal,
/// nothing but a line for the wait otherwise, so logs and tests read clean.
#[derive(Default)]
struct Terminal {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
    failed: std::sync::atomic::AtomicUsize,
}

impl Terminal {
    fn tty() -> bool {
        use std::io::IsTerminal;
        std::io::stderr().is_terminal()
    }

    fn new_bar(len: u64, template: &str) -> indicatif::ProgressBar {
        let b = indicatif::ProgressBar::with_draw_target(
            Some(len),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            b.set_style(style);
        }
        b
    }
}

impl crate::fleet::Progress for Terminal {
    fn start(&self, total: usize, what: &str) {
        if !Terminal::tty() {
            return;
        }
        self.failed.store(0, std::sync::atomic::Ordering::Relaxed);
        let b = Terminal::new_bar(
            total as u64,
            &format!("{{bar:30}} {{pos}}/{{len}} {what} ({{per_sec}}, {{elapsed}}) {{msg}}"),
        );
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(b);
        }
    }

    fn done(&self, failed: bool) {
        let Ok(slot) = self.bar.lock() else { return };
        let Some(b) = slot.as_ref() else { return };
        b.inc(1);
        if failed {
            let n = self
                .failed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            b.set_message(format!("{n} failed"));
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().ok().and_then(|mut s| s.take()) {
            b.finish_and_clear();
        }
    }

    fn wait(&self, w: std::time::Duration) {
        countdown(w, "second round");
    }
}

/// Waits `w`: a countdown bar on a terminal, one line on stderr otherwise.
fn countdown(w: std::time::Duration, what: &str) {
    if !Terminal::tty() {
        let shown = std::time::Duration::from_millis(w.as_millis() as u64);
        say(format_args!(
            "promtune: waiting {} for the {what}",
            humantime::format_duration(shown)
        ));
        std::thread::sleep(w);
        return;
    }
    let b = Terminal::new_bar(w.as_secs().max(1), &format!("{{bar:30}} {what} in {{msg}}"));
    let end = std::time::Instant::now() + w;
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            break;
        }
        b.set_position(w.as_secs().saturating_sub(left.as_secs()));
        b.set_message(format!("{}s", left.as_secs() + 1));
        std::thread::sleep(left.min(std::time::Duration::from_millis(250)));
    }
    b.finish_and_clear();
}

/// `analyze --targets-from FILE`: every target of a config or file_sd file, scraped at once.
fn analyze_targets(args: &AnalyzeArgs, file: &std::path::Path, cfg: &Config) -> anyhow::Result<u8> {
    let http = settings::http_options(&args.run.http)?;
    let found = crate::fleet::discover(file, &args.generate.job, &http)?;
    for n in &found.notices {
        say(format_args!("{}: {n}", file.display()));
    }
    if found.targets.is_empty() {
        anyhow::bail!("{}: no targets to scrape", file.display());
    }
    let window = args
        .run
        .window
        .as_deref()
        .map(|w| {
            humantime::parse_duration(w).map_err(|e| {
                anyhow::anyhow!("--window {w:?}: {e} (expected a duration such as 30s)")
            })
        })
        .transpose()?;
    let source = file.display().to_string();
    let mut scraped = crate::fleet::scrape(
        &found,
        crate::fleet::Options {
            concurrency: usize::from(args.run.concurrency),
            max_bytes: args.run.input.max_bytes,
            input_format: args.run.input.input_format,
            window,
            source: source.clone(),
        },
        cfg,
        std::sync::Arc::new(Terminal::default()),
    )?;
    for r in &scraped.reports {
        if let Some(e) = &r.error {
            say(e);
        }
        for n in &r.notices {
            say(format_args!("{}: warning: {n}", r.source));
        }
    }
    waive(args, cfg, &mut scraped.reports)?;
    say(format_args!(
        "promtune: scraped {} targets, {} failed",
        scraped.reports.len(),
        scraped.failed
    ));
    let times: Vec<f64> = scraped
        .reports
        .iter()
        .filter_map(|r| r.scraped_at.0)
        .collect();
    let range = (
        times.iter().copied().fold(f64::INFINITY, f64::min),
        times.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let fleet = report::Fleet::from_reports(&scraped.reports, range);
    let base = match &args.generate.base_config {
        Some(_) => base_config(&args.generate)?,
        // The config the targets came from is the natural base.
        None if found.jobs.iter().any(|j| j.interval.is_some()) => Some(BaseConfig {
            path: source.clone(),
            text: bounded::read_text(file, "--targets-from", bounded::CONFIG_LIMIT)?,
        }),
        None => None,
    };
    let files = || {
        generate::fleet_files(&generate::FleetInput {
            source: source.clone(),
            reports: &scraped.reports,
            fleet: &fleet,
            samples: &scraped.samples,
            thresholds: &cfg.thresholds,
            base: base.as_ref(),
            rule_files: !args.generate.no_rule_files,
            runbook_base: args.generate.runbook_url.as_deref(),
        })
    };
    let mut out = stdout();
    if args.generate.diff {
        out.write_all(diff(&files()?, base.as_ref()).as_bytes())?;
    } else {
        emit(&mut out, args, &scraped.reports, Some(&fleet))?;
    }
    out.flush()?;
    if let (Some(dir), false) = (&args.write_configs, args.generate.diff) {
        for path in generate::write_outputs(dir, &files()?, args.generate.force)? {
            say(format_args!("wrote {}", path.display()));
        }
    }
    if scraped.failed == scraped.reports.len() {
        return Ok(exit::FAILURE);
    }
    Ok(verdict(args.fail_on, &counted(&scraped.reports), false))
}

/// The reports in `--format`, to `--output FILE` (written as generated configs are: atomic,
/// never over an existing file without `--force`) with the table on stdout, or to stdout.
fn emit(
    out: &mut Stdout,
    args: &AnalyzeArgs,
    reports: &[Report],
    fleet: Option<&report::Fleet>,
) -> anyhow::Result<()> {
    let text = report::renderer(format_of(args)).render(reports, fleet);
    match args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            generate::write_one(path, &text, args.generate.force)?;
            say(format_args!("wrote {}", path.display()));
            out.write_all(
                report::renderer(table_format(args.color))
                    .render(reports, fleet)
                    .as_bytes(),
            )?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(())
}

/// Marks what the config's `ignore:` suppresses and what `--baseline` holds.
fn waive(args: &AnalyzeArgs, cfg: &Config, reports: &mut [Report]) -> anyhow::Result<()> {
    let baseline = match &args.baseline {
        Some(p) => {
            let text = bounded::read_text(p, "--baseline", bounded::CONFIG_LIMIT * 8)?;
            Some(report::parse_baseline(&p.display().to_string(), &text)?)
        }
        None => None,
    };
    let now = match &args.now {
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

/// `promtune baseline write FILE SOURCE…`.
fn baseline_write(args: &crate::cli::BaselineWrite) -> anyhow::Result<u8> {
    let cfg = load_config(&args.run.thresholds)?;
    let (analysed, failed) = collect::analyse_all(&args.run, &cfg, &mut |m| say(m), &|w| {
        countdown(w, "second scrape")
    })?;
    if failed {
        anyhow::bail!("a source could not be analysed, so no baseline was written");
    }
    let reports: Vec<Report> = analysed.into_iter().map(|a| a.report).collect();
    let found = report::record(&reports);
    generate::write_one(&args.file, &report::baseline_json(&found), args.force)?;
    say(format_args!(
        "wrote {} ({} findings)",
        args.file.display(),
        found.len()
    ));
    Ok(exit::OK)
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

/// The report format, with `--fail-on` for JUnit's failures.
fn format_of(args: &AnalyzeArgs) -> report::Format {
    match args.format {
        FormatArg::Table => table_format(args.color),
        FormatArg::Json => report::Format::Json,
        FormatArg::Markdown => report::Format::Markdown,
        FormatArg::Sarif => report::Format::Sarif,
        FormatArg::Github => report::Format::Github,
        FormatArg::Html => report::Format::Html,
        FormatArg::Junit => report::Format::Junit(match args.fail_on {
            FailOnArg::Never => None,
            FailOnArg::Warning | FailOnArg::Unknown => Some(Status::Warning),
            FailOnArg::Critical => Some(Status::Critical),
        }),
    }
}

/// The exit code for these statuses under `--fail-on`.
fn verdict(fail_on: FailOnArg, statuses: &[Status], failed: bool) -> u8 {
    let limit = match fail_on {
        FailOnArg::Never => None,
        FailOnArg::Warning | FailOnArg::Unknown => Some(Status::Warning),
        FailOnArg::Critical => Some(Status::Critical),
    };
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

fn generate_one(args: &GenerateCmd) -> anyhow::Result<u8> {
    let cfg = load_config(&args.run.thresholds)?;
    let (analysed, failed) = collect::analyse_all(&args.run, &cfg, &mut |m| say(m), &|w| {
        countdown(w, "second scrape")
    })?;
    let (files, base) = generate_files(&analysed, &cfg, &args.generate, &[args.kind.as_str()])?;
    let mut out = stdout();
    if args.generate.diff {
        out.write_all(diff(&files, base.as_ref()).as_bytes())?;
    } else if let Some(path) = args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        let text = files.first().map(|f| f.1.as_str()).unwrap_or_default();
        generate::write_one(path, text, args.generate.force)?;
        say(format_args!("wrote {}", path.display()));
    } else {
        for (_, text) in &files {
            out.write_all(text.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(if failed { exit::FAILURE } else { exit::OK })
}

/// One side of a comparison: a saved JSON report, or an exposition analysed here.
fn side(
    arg: &std::ffi::OsStr,
    args: &crate::cli::CompareArgs,
    cfg: &Config,
) -> anyhow::Result<crate::compare::Side> {
    let source = Source::from_os(arg);
    let name = source.name();
    // A saved report is named so; everything else is an exposition.
    if let Source::File(p) = &source {
        if p.extension().is_some_and(|e| e == "json") {
            let text = bounded::read_text(p, "the report", bounded::CONFIG_LIMIT * 8)?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{name}: not a JSON report: {e}"))?;
            return crate::compare::Side::of_json(&name, &v);
        }
    }
    let http = settings::http_options(&args.http)?;
    let keep = detect::retention(&cfg.traffic);
    let (parsed, time, _) = collect::load(&source, &args.input, &http, Some(&keep))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let a = crate::analysis::analyse(
        name.clone(),
        &crate::analysis::Scrape {
            parsed: &parsed,
            time,
        },
        None,
        cfg,
    )
    .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok(crate::compare::Side::of_report(&a.report))
}

fn compare(args: &crate::cli::CompareArgs) -> anyhow::Result<u8> {
    let cfg = load_config(&args.thresholds)?;
    let tolerance = crate::compare::parse_expect(&format!("t={}", args.tolerance))
        .map_err(|_| {
            anyhow::anyhow!(
                "--tolerance {:?}: expected a percentage such as 5%",
                args.tolerance
            )
        })?
        .1
        .abs();
    let mut expect = args
        .expect
        .iter()
        .map(|e| crate::compare::parse_expect(e))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(f) = &args.expect_file {
        let text = bounded::read_text(f, "--expect-file", bounded::CONFIG_LIMIT)?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                expect.push(
                    crate::compare::parse_expect(line)
                        .map_err(|e| anyhow::anyhow!("{}:{}: {e}", f.display(), i + 1))?,
                );
            }
        }
    }
    let ids: Vec<&str> = cfg
        .thresholds
        .rules
        .iter()
        .map(|r| r.check)
        .chain(["metrics_scrapes", "health_checks"])
        .collect();
    if let Some((bad, _)) = expect.iter().find(|(id, _)| !ids.contains(&id.as_str())) {
        anyhow::bail!(
            "--expect {bad:?}: unknown check (expected one of: {})",
            ids.join(", ")
        );
    }
    if let Some(url) = &args.prometheus {
        return compare_ranges(args, url, &cfg, tolerance, &expect);
    }
    let (Some(b), Some(a)) = (&args.before, &args.after) else {
        anyhow::bail!("compare needs BEFORE and AFTER, or --prometheus with two ranges");
    };
    let before = side(b, args, &cfg)?;
    let after = side(a, args, &cfg)?;
    let rows = crate::compare::compare(&before, &after, &cfg.thresholds, tolerance, &expect);
    let format = match args.format {
        FormatArg::Table => report::Format::Table,
        FormatArg::Json => report::Format::Json,
        FormatArg::Markdown => report::Format::Markdown,
        FormatArg::Sarif => report::Format::Sarif,
        FormatArg::Github => report::Format::Github,
        FormatArg::Html => report::Format::Html,
        FormatArg::Junit => report::Format::Junit(Some(Status::Warning)),
    };
    let text = crate::compare::render(format, &before, &after, &rows);
    let mut out = stdout();
    match args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            generate::write_one(p, &text, args.force)?;
            say(format_args!("wrote {}", p.display()));
            out.write_all(
                crate::compare::render(report::Format::Table, &before, &after, &rows).as_bytes(),
            )?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    out.flush()?;
    Ok(if crate::compare::failed(&rows) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// `START/DURATION` as `(start, seconds)`.
fn range_arg(flag: &str, text: &str) -> anyhow::Result<(f64, f64)> {
    let (start, dur) = text.split_once('/').ok_or_else(|| {
        anyhow::anyhow!("{flag} {text:?}: expected START/DURATION such as 2026-11-30T00:00:00Z/1d")
    })?;
    let start = settings::scraped_at(start)
        .map_err(|e| anyhow::anyhow!("{flag}: {e:#}"))?
        .at;
    let d = humantime::parse_duration(dur)
        .map_err(|e| anyhow::anyhow!("{flag} {text:?}: {e}"))?
        .as_secs_f64();
    Ok((start, d))
}

/// `compare --prometheus URL --before-range … --after-range …`: each target present in both
/// ranges, compared row by row.
fn compare_ranges(
    args: &crate::cli::CompareArgs,
    url: &str,
    cfg: &Config,
    tolerance: f64,
    expect: &[(String, f64)],
) -> anyhow::Result<u8> {
    let http = settings::http_options(&args.http)?;
    let read = |flag: &str, text: &Option<String>| -> anyhow::Result<crate::server::FleetRead> {
        let (start, range) = range_arg(flag, text.as_deref().unwrap_or_default())?;
        let q = crate::server::RangeQuery {
            url: url.to_string(),
            range,
            at: start + range,
            jobs: args.job.clone(),
            matcher: args.matcher.clone(),
            tenant: args.tenant.clone(),
            max_bytes: args.input.max_bytes,
        };
        crate::server::read(&q, &http, cfg)
    };
    let before = read("--before-range", &args.before_range)?;
    let after = read("--after-range", &args.after_range)?;
    let mut pairs = Vec::new();
    for b in &before.reports {
        let Some(a) = after.reports.iter().find(|a| a.target == b.target) else {
            continue;
        };
        let (sb, sa) = (
            crate::compare::Side::of_report(b),
            crate::compare::Side::of_report(a),
        );
        let mut sb = sb;
        let mut sa = sa;
        sb.source = format!(
            "{} {}",
            b.source,
            args.before_range.as_deref().unwrap_or_default()
        );
        sa.source = format!(
            "{} {}",
            a.source,
            args.after_range.as_deref().unwrap_or_default()
        );
        let rows = crate::compare::compare(&sb, &sa, &cfg.thresholds, tolerance, expect);
        pairs.push((sb, sa, rows));
    }
    if pairs.is_empty() {
        anyhow::bail!("no target is in both ranges");
    }
    let format = match args.format {
        FormatArg::Table => table_format(crate::cli::ColorArg::Auto),
        FormatArg::Json => report::Format::Json,
        FormatArg::Markdown => report::Format::Markdown,
        FormatArg::Sarif => report::Format::Sarif,
        FormatArg::Github => report::Format::Github,
        FormatArg::Html => report::Format::Html,
        FormatArg::Junit => report::Format::Junit(Some(Status::Warning)),
    };
    let text = crate::compare::render_many(format, &pairs);
    let mut out = stdout();
    match args.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(p) => {
            generate::write_one(p, &text, args.force)?;
            say(format_args!("wrote {}", p.display()));
            out.write_all(crate::compare::render_many(report::Format::Table, &pairs).as_bytes())?;
        }
        None => out.write_all(text.as_bytes())?,
    }
    out.flush()?;
    let failed = pairs
        .iter()
        .any(|(_, _, rows)| crate::compare::failed(rows));
    Ok(if failed { exit::FINDINGS } else { exit::OK })
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
