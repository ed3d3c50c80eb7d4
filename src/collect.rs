//! Reads every source (once, or twice for a window) and analyses it. Nothing printed here:
//! messages go to the caller's `say`, so `app` stays the only module that prints.

use std::time::Duration;

use anyhow::{anyhow, bail};

use crate::analysis::{self, Scrape};
use crate::cli::{InputArgs, InputFormatArg, RunArgs};
use crate::config::Config;
use crate::detect::{self, TimeSource};
use crate::input::{HttpOptions, Source, Wire};
use crate::model::Retention;
use crate::parse::{self, Format, FormatChoice, ParseError, ParseOptions, Parsed};
use crate::recommend;
use crate::recommend::relabel::Gatherer;
use crate::report::Report;
use crate::settings;

/// One analysed source: its report, and what generation needs.
pub struct Analysed {
    /// Where it was read from.
    pub source: Source,
    /// Its report (with the error when it could not be read).
    pub report: Report,
    /// The (later) parsed scrape.
    pub parsed: Option<Parsed>,
}

pub(crate) fn format_choice(a: InputFormatArg, content_type: Option<&str>) -> FormatChoice {
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

/// A parsed source, the time it was read when known from outside, and how its body
/// travelled (URLs).
pub type Loaded = (Parsed, Option<TimeSource>, Option<Wire>);

/// Reads and parses one source, refusing one without samples; the error is already
/// formatted as `SOURCE:LINE:COLUMN: …`.
pub fn load(
    source: &Source,
    input: &InputArgs,
    http: &HttpOptions,
    retain: Option<Retention<'_>>,
) -> Result<Loaded, String> {
    let loaded = read(source, input, http, retain, None)?;
    require_samples(&source.name(), &loaded.0)?;
    Ok(loaded)
}

/// An exposition without a single sample is an error: an empty file or body is a broken
/// scrape or a wrong path, and its report would be a clean bill of health for nothing.
pub fn require_samples(name: &str, parsed: &Parsed) -> Result<(), String> {
    let stats = &parsed.snapshot.stats;
    if stats.samples() > 0 {
        return Ok(());
    }
    Err(if stats.bytes == 0 {
        format!("{name}: error: no samples: the input is empty")
    } else {
        format!(
            "{name}: error: no samples in {} ({}): an exposition with nothing to analyse",
            crate::plural::n(stats.lines, "line"),
            crate::plural::n(stats.bytes, "byte")
        )
    })
}

/// The first byte a reader hands over, kept for the message when the content turns out to
/// be JSON rather than an exposition.
struct First<R> {
    inner: R,
    first: std::rc::Rc<std::cell::Cell<Option<u8>>>,
}

impl<R: std::io::Read> std::io::Read for First<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.first.get().is_none() {
            self.first
                .set(buf[..n].iter().copied().find(|b| !b.is_ascii_whitespace()));
        }
        Ok(n)
    }
}

/// What to add to a syntax error on JSON: a Prometheus API answer is read with --prometheus.
const JSON_HINT: &str = " (this is JSON, not an exposition: to read a Prometheus-compatible server's API, give its base URL to --prometheus, e.g. `promtune analyze --prometheus http://localhost:9090`)";

/// Reads and parses one source as it is, samples or not (`check` decides for itself), with
/// `observer`, if any, told of every family and sample as they are parsed.
pub(crate) fn read(
    source: &Source,
    input: &InputArgs,
    http: &HttpOptions,
    retain: Option<Retention<'_>>,
    observer: Option<&mut dyn crate::parse::Sink>,
) -> Result<Loaded, String> {
    let name = source.name();
    let opened = source
        .open(http)
        .map_err(|e| format!("{name}: error: {e:#}"))?;
    let opts = ParseOptions {
        format: format_choice(input.input_format, opened.content_type.as_deref()),
        max_bytes: input.max_bytes,
        retain,
    };
    let ct = opened.content_type.as_deref().unwrap_or_default();
    let html = ct.starts_with("text/html");
    let api = ct.contains("json") || matches!(source, Source::Url(u) if u.contains("/api/v1/"));
    let wire = opened.wire.clone();
    let first = std::rc::Rc::default();
    let reader = First {
        inner: opened.reader,
        first: std::rc::Rc::clone(&first),
    };
    let parsed = match observer {
        Some(o) => parse::parse_observed(reader, &opts, o),
        None => parse::parse(reader, &opts),
    };
    let mut parsed = parsed.map_err(|e| match e {
        ParseError::Syntax { .. } if html => {
            format!("{name}:{e} (the server answered text/html: is this the metrics path?)")
        }
        ParseError::Syntax { .. } if api || matches!(first.get(), Some(b'{' | b'[')) => {
            format!("{name}:{e}{JSON_HINT}")
        }
        ParseError::Syntax { .. } => format!("{name}:{e}"),
        other => format!("{name}: error: {other}"),
    })?;
    if let (Some(ct), None) = (&opened.content_type, &parsed.format_reason) {
        parsed.format_reason = Some(format!("Content-Type {ct}"));
    }
    // The body was read to its end, so the figures are complete.
    let wire = wire.and_then(|w| w.lock().ok().map(|w| w.clone()));
    Ok((parsed, opened.time, wire))
}

/// Now, in unix seconds: which `ignore:` entries have expired.
pub(crate) fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// How the earlier scrape of each source is taken, if there is one.
enum Earlier {
    /// One scrape per source.
    None,
    /// `--previous`: a saved earlier scrape of the only source.
    Previous(Source),
    /// `--window`: every source read, then read again this much later.
    Window(Duration),
}

fn earlier_mode(run: &RunArgs, sources: &[Source]) -> anyhow::Result<Earlier> {
    match (&run.previous, &run.window) {
        (Some(_), Some(_)) => {
            bail!("--previous and --window are two ways to get the earlier scrape: give one")
        }
        (Some(p), None) => {
            if sources.len() != 1 {
                bail!(
                    "--previous is an earlier scrape of one source, but {} sources were given",
                    sources.len()
                );
            }
            Ok(Earlier::Previous(Source::from_os(p)))
        }
        (None, Some(w)) => {
            let d = humantime::parse_duration(w)
                .map_err(|e| anyhow!("--window {w:?}: {e} (expected a duration such as 30s)"))?;
            if run.scraped_at.is_some() {
                bail!(
                    "--scraped-at cannot date a --window scrape: the times of the two requests do"
                );
            }
            if let Some(s) = sources.iter().find(|s| !matches!(s, Source::Url(_))) {
                bail!("--window reads each source twice, so it needs http(s):// URLs, not {} (for saved files, use --previous)", s.name());
            }
            Ok(Earlier::Window(d))
        }
        (None, None) => Ok(Earlier::None),
    }
}

/// promtune's own files for an analysed source, read as usage before its relabel rules are
/// decided (see [`analysis::relabel_with`]).
pub type Own<'a> = &'a dyn Fn(&Source, &Report, &crate::model::Snapshot) -> analysis::OwnFiles;

/// Loads and analyses every source; a failing source becomes a report with its error, and
/// the `bool` says whether any failed. `own` gives promtune's own files for a source.
pub fn analyse_all(
    run: &RunArgs,
    cfg: &Config,
    own: Option<Own<'_>>,
    say: &mut dyn FnMut(&str),
    wait: &dyn Fn(Duration),
) -> anyhow::Result<(Vec<Analysed>, bool)> {
    let http = settings::http_options(&run.http)?;
    let forced = run
        .scraped_at
        .as_deref()
        .map(settings::scraped_at)
        .transpose()?;
    let sources: Vec<Source> = run.sources.iter().map(|a| Source::from_os(a)).collect();
    let mode = earlier_mode(run, &sources)?;
    let keep = detect::retention(&cfg.traffic);
    let read = |s: &Source| load(s, &run.input, &http, Some(&keep));
    // Every series of the (later) scrape, when relabel rules are to be worked out.
    let read_seen = |s: &Source| {
        if !(cfg.relabel || cfg.usage.is_some()) {
            return read(s).map(|l| (l, None));
        }
        let mut g = Gatherer::default();
        let loaded = self::read(s, &run.input, &http, Some(&keep), Some(&mut g))?;
        require_samples(&s.name(), &loaded.0)?;
        Ok((loaded, Some(g.finish())))
    };
    let earlier: Vec<Option<Result<Loaded, String>>> = match &mode {
        Earlier::None => sources.iter().map(|_| None).collect(),
        Earlier::Previous(p) => vec![Some(read(p))],
        Earlier::Window(d) => {
            let first: Vec<_> = sources.iter().map(|s| Some(read(s))).collect();
            // Nothing to wait for when every first scrape failed.
            if first.iter().any(|r| matches!(r, Some(Ok(_)))) {
                wait(*d);
            }
            first
        }
    };
    let mut out = Vec::new();
    let mut failed = false;
    for (source, before) in sources.into_iter().zip(earlier) {
        let name = source.name();
        let result = match before.transpose() {
            Err(msg) => Err(format!("{msg} (the earlier scrape)")),
            Ok(before) => read_seen(&source).and_then(|((parsed, time, wire), seen)| {
                let later = Scrape {
                    parsed: &parsed,
                    time: forced.clone().or(time),
                };
                let before = before.as_ref().map(|(p, t, _)| Scrape {
                    parsed: p,
                    time: t.clone(),
                });
                let mut a = analysis::analyse(name.clone(), &later, before.as_ref(), cfg)
                    .map_err(|e| format!("{name}: error: {e}"))?;
                if let Some(w) = &wire {
                    recommend::add_from_wire(&mut a.report.recommendations, w);
                }
                if let Some(seen) = &seen {
                    // promtune's own files count beside usage given; without it no rule
                    // is proposed, so they are not even written.
                    let own = own.filter(|_| cfg.usage.is_some());
                    let files = own.map(|f| f(&source, &a.report, &parsed.snapshot));
                    analysis::relabel_with(&mut a.report, seen, cfg, now(), true, files);
                }
                Ok((a, parsed))
            }),
        };
        match result {
            Ok((a, parsed)) => {
                for w in &a.warnings {
                    say(&format!("{name}: warning: {w}"));
                }
                out.push(Analysed {
                    source,
                    report: a.report,
                    parsed: Some(parsed),
                });
            }
            Err(msg) => {
                say(&msg);
                failed = true;
                out.push(Analysed {
                    source,
                    report: Report::failed(name, msg),
                    parsed: None,
                });
            }
        }
    }
    Ok((out, failed))
}
