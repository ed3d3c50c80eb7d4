//! One function per subcommand, gluing the stages together. The only module that prints.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context as _};

use crate::cli::{
    AnalyzeArgs, CheckArgs, Cli, Command, FailOnArg, FormatArg, HttpArgs, InputArgs,
    InputFormatArg, ThresholdArgs,
};
use crate::config::{self, Config};
use crate::detect::{self, Clock, Context, Observation, TimeSource};
use crate::exit;
use crate::input::{HttpOptions, Source};
use crate::parse::{self, Format, FormatChoice, ParseError, ParseOptions, Parsed};
use crate::recommend;
use crate::report::{self, Report};
use crate::threshold::{self, Status};

/// Runs the command; returns the exit code, or an error that means exit 2.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Check(args) => check(&args),
        Command::Thresholds(args) => thresholds(&args),
        Command::Detectors => detectors(),
    }
}

fn format_choice(a: InputFormatArg, content_type: Option<&str>) -> FormatChoice {
    match (a, content_type) {
        (InputFormatArg::Prometheus, _) => FormatChoice::Fixed(Format::Prometheus),
        (InputFormatArg::Openmetrics, _) => FormatChoice::Fixed(Format::OpenMetrics),
        (InputFormatArg::Auto, Some(ct)) if ct.starts_with("application/openmetrics-text") => {
            FormatChoice::Fixed(Format::OpenMetrics)
        }
        (InputFormatArg::Auto, Some(ct)) if ct.starts_with("text/plain") => {
            FormatChoice::Fixed(Format::Prometheus)
        }
        (InputFormatArg::Auto, _) => FormatChoice::Auto,
    }
}

/// Reads and parses one source; the error is already formatted as `SOURCE:LINE:COLUMN: …`.
fn load(
    source: &Source,
    input: &InputArgs,
    http: &HttpOptions,
    retain: Option<&dyn Fn(&str) -> bool>,
) -> Result<(Parsed, Option<TimeSource>), String> {
    let name = source.name();
    let opened = source
        .open(http)
        .map_err(|e| format!("{name}: error: {e:#}"))?;
    let opts = ParseOptions {
        format: format_choice(input.input_format, opened.content_type.as_deref()),
        max_bytes: input.max_bytes,
        retain,
    };
    let mut parsed = parse::parse(opened.reader, &opts).map_err(|e| match e {
        ParseError::Syntax { .. } => format!("{name}:{e}"),
        other => format!("{name}: error: {other}"),
    })?;
    if let (Some(ct), None) = (&opened.content_type, &parsed.format_reason) {
        parsed.format_reason = Some(format!("Content-Type {ct}"));
    }
    Ok((parsed, opened.time))
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
        let source = Source::from_arg(&arg.to_string_lossy());
        let name = source.name();
        match load(
            &source,
            &args.input,
            &HttpOptions::default(),
            Some(&keep_nothing),
        ) {
            Ok((parsed, _)) => {
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

fn load_config(t: &ThresholdArgs) -> anyhow::Result<Config> {
    Ok(config::load(
        t.profile.as_deref(),
        t.config.as_deref(),
        t.thresholds.as_deref(),
    )?)
}

/// A secret from a file (trailing newline removed) or, failing that, an environment variable.
fn secret(file: Option<&Path>, env: &str, what: &str) -> anyhow::Result<Option<String>> {
    if let Some(f) = file {
        let s = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the {what} file {}", f.display()))?;
        return Ok(Some(s.trim_end_matches(['\r', '\n']).to_string()));
    }
    Ok(std::env::var(env).ok().filter(|s| !s.is_empty()))
}

fn http_options(a: &HttpArgs) -> anyhow::Result<HttpOptions> {
    let timeout = humantime::parse_duration(&a.timeout).map_err(|e| {
        anyhow!(
            "--timeout {:?}: {e} (expected a duration such as 3s)",
            a.timeout
        )
    })?;
    let bearer_token = secret(
        a.bearer_token_file.as_deref(),
        "PROMTUNE_BEARER_TOKEN",
        "bearer token",
    )?;
    let basic_auth = match &a.basic_auth_user {
        Some(user) => {
            let pw = secret(a.basic_auth_password_file.as_deref(), "PROMTUNE_BASIC_AUTH_PASSWORD", "password")?
                .ok_or_else(|| anyhow!("--basic-auth-user needs --basic-auth-password-file or PROMTUNE_BASIC_AUTH_PASSWORD"))?;
            Some((user.clone(), pw))
        }
        None => None,
    };
    let headers = a
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| anyhow!("--header {h:?}: expected 'Name: value'"))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(HttpOptions {
        timeout,
        bearer_token,
        basic_auth,
        headers,
        ca_file: a.ca_file.clone(),
    })
}

fn scraped_at(text: &str) -> anyhow::Result<TimeSource> {
    let at = match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => v,
        _ => humantime::parse_rfc3339_weak(text)
            .map_err(|e| anyhow!("--scraped-at {text:?}: {e} (expected RFC 3339 such as 2026-11-27T10:00:00Z, or unix seconds)"))?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
    };
    Ok(TimeSource {
        at,
        how: "--scraped-at".into(),
    })
}

const PATTERN_ORDER: [&str; 3] = ["metrics_scrapes", "health_checks", "not_found"];

/// Analyses one parsed source.
fn analyse(name: String, parsed: &Parsed, time: Option<TimeSource>, cfg: &Config) -> Report {
    let snap = &parsed.snapshot;
    let clock = Clock::from_snapshot(snap, time.as_ref());
    let traffic = detect::recognise(snap, &cfg.traffic);
    let cx = Context {
        snapshot: snap,
        traffic: traffic.as_ref(),
        clock: &clock,
    };
    let observations = detect::run_all(&cx);
    let mut patterns: Vec<_> = observations
        .iter()
        .filter_map(|o| match o {
            Observation::Pattern(p) => Some(p.clone()),
            Observation::Measurement(_) => None,
        })
        .collect();
    // The guide's order: scrapes, health checks, 404s.
    patterns.sort_by_key(|p| PATTERN_ORDER.iter().position(|id| *id == p.id));
    let checks = threshold::judge(&observations, &cfg.thresholds);
    let recommendations = recommend::recommend(&patterns, &checks);
    let format = match &parsed.format_reason {
        Some(why) => format!("{} ({why})", parsed.format),
        None => parsed.format.to_string(),
    };
    Report {
        source: name,
        format: Some(format),
        scraped_at: (clock.scraped_at, clock.scraped_at_source.clone()),
        uptime: (clock.uptime, clock.uptime_source.clone()),
        traffic,
        patterns,
        checks,
        recommendations,
        warnings: parsed.warnings_total,
        error: None,
    }
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<u8> {
    let cfg = load_config(&args.thresholds)?;
    let http = http_options(&args.http)?;
    let forced = args.scraped_at.as_deref().map(scraped_at).transpose()?;
    let mut reports = Vec::new();
    let mut failed = false;
    for arg in &args.sources {
        let source = Source::from_arg(arg);
        let name = source.name();
        match load(&source, &args.input, &http, None) {
            Ok((parsed, time)) => {
                reports.push(analyse(name, &parsed, forced.clone().or(time), &cfg))
            }
            Err(msg) => {
                eprintln!("{msg}");
                failed = true;
                reports.push(Report::failed(name, msg));
            }
        }
    }
    let format = match args.format {
        FormatArg::Table => report::Format::Table,
        FormatArg::Json => report::Format::Json,
        FormatArg::Markdown => report::Format::Markdown,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(report::renderer(format).render(&reports).as_bytes())?;
    out.flush()?;
    let limit = match args.fail_on {
        FailOnArg::Never => None,
        FailOnArg::Warning => Some(Status::Warning),
        FailOnArg::Critical => Some(Status::Critical),
    };
    let worst = reports
        .iter()
        .flat_map(|r| r.checks.iter().map(|c| c.status))
        .max();
    Ok(if failed {
        exit::FAILURE
    } else if limit.is_some_and(|l| worst.is_some_and(|w| w >= l)) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn thresholds(args: &ThresholdArgs) -> anyhow::Result<u8> {
    let cfg = load_config(args)?;
    let mut out = std::io::stdout().lock();
    out.write_all(report::render_thresholds(&cfg.thresholds).as_bytes())?;
    Ok(exit::OK)
}

fn detectors() -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    for d in detect::registry() {
        writeln!(out, "{:<16} {}", d.id(), d.describe())?;
    }
    Ok(exit::OK)
}
