//! The analysis pipeline for one source: recognise the exporter, run the detectors, judge
//! against thresholds, recommend. Pure: no I/O, nothing printed.
//!
//! With one scrape the counters cover the process's uptime. With two (`--previous`,
//! `--window`) they become their increase between the scrapes, so rates describe that window.

use crate::config::Config;
use crate::detect::{self, Clock, Context, Observation, TimeSource, TrafficOverride};
use crate::model::{self, Snapshot};
use crate::parse::Parsed;
use crate::recommend::{self, relabel};
use crate::report::Report;
use crate::threshold;

/// One read of a source: what was parsed, and when it was taken if known from outside.
pub struct Scrape<'a> {
    /// The parsed exposition.
    pub parsed: &'a Parsed,
    /// `--scraped-at`, the request time, or the time `promtune scrape` recorded.
    pub time: Option<TimeSource>,
}

/// A report, and the warnings the caller should show with it.
pub struct Analysis {
    /// The report.
    pub report: Report,
    /// Counter resets and restarts seen between two scrapes, one line each.
    pub warnings: Vec<String>,
}

/// Warnings listed one by one before they are summed up.
const SHOWN_RESETS: usize = 10;

/// Analyses `later`, over the window since `earlier` when given. Fails only when two
/// scrapes cannot be put in order in time.
pub fn analyse(
    name: String,
    later: &Scrape<'_>,
    earlier: Option<&Scrape<'_>>,
    cfg: &Config,
) -> Result<Analysis, String> {
    let snap = &later.parsed.snapshot;
    let clock = Clock::from_snapshot(snap, later.time.as_ref());
    let Some(earlier) = earlier else {
        let mut report = analyse_snapshot(name, later.parsed, snap, &clock, cfg, &cfg.traffic);
        add_cost(&mut report, later.parsed);
        return Ok(Analysis {
            report,
            warnings: Vec::new(),
        });
    };
    let before = Clock::from_snapshot(&earlier.parsed.snapshot, earlier.time.as_ref());
    if let (Some(a), Some(b)) = (before.start, clock.start) {
        // A new start time means every counter restarted from zero: the later scrape alone
        // covers exactly the time since the restart.
        if b - a >= 1.0 {
            let mut report = analyse_snapshot(name, later.parsed, snap, &clock, cfg, &cfg.traffic);
            add_cost(&mut report, later.parsed);
            let warning = format!(
                "the process restarted between the two scrapes (its start time moved by {:.0}s); \
                 rates cover the {} since the restart",
                b - a,
                clock.uptime.map_or("uptime".into(), |u| format!("{u:.0}s")),
            );
            return Ok(Analysis {
                report,
                warnings: vec![warning],
            });
        }
    }
    let window = clock.since(&before)?;
    let counts_up = detect::counts_up(&cfg.traffic);
    let (delta, resets) = model::increase(&earlier.parsed.snapshot, snap, &counts_up);
    // The request family is the one the later scrape shows, so that a quiet window (every
    // candidate at zero) does not pick another.
    let mut traffic = cfg.traffic.clone();
    if traffic.family.is_none() {
        traffic.family = detect::recognise(snap, &cfg.traffic).map(|t| t.family);
    }
    let mut report = analyse_snapshot(name, later.parsed, &delta, &window, cfg, &traffic);
    report.resets = resets.len() as u64;
    add_cost(&mut report, later.parsed);
    let mut warnings: Vec<String> = resets
        .iter()
        .take(SHOWN_RESETS)
        .map(|r| {
            format!(
                "{}{} went down between the two scrapes ({} from {} to {}): a counter reset, \
                 counted from zero (did the process restart?)",
                r.family, r.labels, r.what, r.before, r.after
            )
        })
        .collect();
    if resets.len() > SHOWN_RESETS {
        warnings.push(format!(
            "{} more not shown",
            crate::plural::n((resets.len() - SHOWN_RESETS) as u64, "counter reset")
        ));
    }
    Ok(Analysis { report, warnings })
}

/// Fills the report's cost from the page read (the later one of two: series per scrape
/// are what the target serves now), at the scrape interval the report measured, if any;
/// a fleet's config gives a better one later. Adds the cost recommendation.
fn add_cost(report: &mut Report, parsed: &Parsed) {
    let stats = &parsed.snapshot.stats;
    let interval = report
        .patterns
        .iter()
        .find(|p| p.id == "metrics_scrapes")
        .and_then(|p| p.interval_seconds)
        .filter(|i| i.is_finite() && *i > 0.0)
        .map(|i| {
            let how = "measured: the page's uptime over the scrapes it counted";
            (i, how.to_string())
        });
    let cost = model::Cost::of(stats, interval);
    // Families a finding may point at, beyond those the detectors kept.
    let wanted: Vec<(String, u64)> = stats
        .labels
        .iter()
        .filter(|f| {
            cost.families
                .iter()
                .take(TOP_LINES)
                .any(|c| c.name == f.name)
                || f.labels.iter().any(|l| l.suspect.is_some())
        })
        .filter(|f| !report.lines.iter().any(|(n, _)| *n == f.name))
        .map(|f| (f.name.clone(), f.line))
        .collect();
    report.lines.extend(wanted);
    recommend::add_from_cost(&mut report.recommendations, &cost);
    report.cost = Some(cost);
}

/// Families with the most series whose lines are kept for locations.
const TOP_LINES: usize = 10;

/// Analyses a snapshot read from a server over a range: its counters are already their
/// increase over the range and its gauges their value at the end, as two scrapes give.
pub fn analyse_range(name: String, parsed: &Parsed, clock: &Clock, cfg: &Config) -> Report {
    analyse_snapshot(name, parsed, &parsed.snapshot, clock, cfg, &cfg.traffic)
}

fn analyse_snapshot(
    name: String,
    parsed: &Parsed,
    snap: &Snapshot,
    clock: &Clock,
    cfg: &Config,
    traffic: &TrafficOverride,
) -> Report {
    let traffic = detect::recognise(snap, traffic);
    let clock = &match &traffic {
        Some(t) => clock.clone().or_created(snap, &t.family),
        None => clock.clone(),
    };
    let cx = Context {
        snapshot: snap,
        traffic: traffic.as_ref(),
        clock,
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
    let latency = checks
        .iter()
        .find(|c| c.measurement.check == "p95_latency")
        .and_then(|c| c.measurement.query.as_deref())
        .and_then(|q| detect::latency_buckets(snap, q));
    let recommendations = recommend::recommend(&patterns, &checks);
    let notices = time_notice(clock, &patterns).into_iter().collect();
    let format = match &parsed.format_reason {
        Some(why) => format!("{} ({why})", parsed.format),
        None => parsed.format.to_string(),
    };
    Report {
        source: name,
        format: Some(format),
        scraped_at: (clock.scraped_at, clock.scraped_at_source.clone()),
        uptime: (clock.uptime, clock.uptime_source.clone()),
        span: clock.span,
        traffic,
        patterns,
        checks,
        recommendations,
        warnings: parsed.warnings_total,
        resets: 0,
        error: None,
        target: None,
        scrape: None,
        notices,
        trends: Vec::new(),
        lines: snap
            .families
            .iter()
            .map(|f| (f.name.clone(), f.line))
            .collect(),
        latency,
        cost: None,
        relabel: None,
    }
}

/// promtune's own generated files for a report, `(file name, text)`: its alert rules and
/// dashboard, as `--write-configs` writes them.
pub type OwnFiles = anyhow::Result<Vec<(String, String)>>;

/// [`relabel_with`] without the text of promtune's own files: every family the detectors
/// keep stands in for what they read (a fleet's target, whose job's alert rules are written
/// from another target).
pub fn relabel(report: &mut Report, seen: &relabel::Seen, cfg: &Config, now: f64, labels: bool) {
    relabel_with(report, seen, cfg, now, labels, None);
}

/// Works out the relabel rules for a report from every series its scrape brought: the
/// usage given (`None`: no rule), with what promtune's own alerts and dashboard read
/// counted as used (`own`: their text, read as the user's files are; when it is not given,
/// or cannot be read, the families the detectors keep, with all labels), sparing `--keep`
/// and the config's unexpired `ignore: [{check: relabel}]` families. `now` (unix seconds)
/// decides which `ignore:` entries have expired. With `labels` false (a fleet's target, one
/// of its job's) only the drop is worked out.
pub fn relabel_with(
    report: &mut Report,
    seen: &relabel::Seen,
    cfg: &Config,
    now: f64,
    labels: bool,
    own: Option<OwnFiles>,
) {
    if seen.truncated {
        report.notices.push(format!(
            "the page has more than {} samples, more than promtune keeps to work out relabel rules (each is checked against every series): none is proposed",
            relabel::MAX_SAMPLES
        ));
        return;
    }
    let exempt = exemptions(cfg, &report.source, now);
    let keep = detect::retention(&cfg.traffic);
    let stand_in = |u| relabel::with_own(u, seen, &|n, t| keep(n, t) != model::Keep::Nothing);
    let usage = cfg.usage.as_ref().map(|u| {
        let read = own.map(|files| files.and_then(|f| relabel::with_files(u, &f)));
        match read {
            Some(Ok(with)) => with,
            Some(Err(e)) => {
                report.notices.push(format!(
                    "promtune's own alert rules and dashboard could not be read as usage ({e:#}): every family the detectors keep counts as used instead"
                ));
                stand_in(u)
            }
            None => stand_in(u),
        }
    });
    let plan = relabel::decide(seen, usage.as_ref(), &exempt, labels);
    if let Some(cost) = report.cost.as_mut() {
        relabel::fill_cost(cost, &plan, seen);
    }
    relabel::add_recommendations(&plan, &mut report.recommendations);
    report.notices.extend(plan.notes.iter().cloned());
    report.relabel = Some(plan);
}

/// Prometheus's default `scrape_interval`, when the exposition does not show its own.
const DEFAULT_SCRAPE_INTERVAL: f64 = 60.0;

/// A notice when the scrape time used and the one set aside are more than a scrape interval
/// apart (the interval the metrics-scrape pattern measured, else Prometheus's default).
fn time_notice(clock: &Clock, patterns: &[detect::Pattern]) -> Option<String> {
    let (at, other) = (clock.scraped_at?, clock.set_aside.as_ref()?);
    let interval = patterns
        .iter()
        .find(|p| p.id == "metrics_scrapes")
        .and_then(|p| p.interval_seconds)
        .filter(|i| i.is_finite() && *i > 0.0)
        .unwrap_or(DEFAULT_SCRAPE_INTERVAL);
    let used = TimeSource::observed(at, clock.scraped_at_source.clone());
    detect::disagreement(&used, other, interval)
}

const PATTERN_ORDER: [&str; 3] = ["metrics_scrapes", "health_checks", "not_found"];

/// The families spared from every rule: `--keep`, and the config's `ignore: [{check:
/// relabel}]` entries unexpired at `now` whose `source` (if any) `source` contains.
pub fn exemptions(cfg: &Config, source: &str, now: f64) -> Vec<relabel::Exempt> {
    let mut exempt: Vec<relabel::Exempt> = cfg
        .keep
        .iter()
        .filter_map(|k| relabel::Exempt::new(k, format!("--keep {k}")).ok())
        .collect();
    for i in cfg.ignore.iter().filter(|i| i.check == relabel::CHECK) {
        let live = i.until.as_ref().is_none_or(|(_, end)| now < *end);
        let here = i
            .source
            .as_ref()
            .is_none_or(|s| source.contains(s.as_str()));
        let until = i
            .until
            .as_ref()
            .map(|(d, _)| format!(", until {d}"))
            .unwrap_or_default();
        let pattern = i.subject.as_deref().map_or(".*".into(), regex_lite::escape);
        if let (true, true, Ok(e)) = (
            live,
            here,
            relabel::Exempt::new(&pattern, format!("ignore: {}{until}", i.reason)),
        ) {
            exempt.push(e);
        }
    }
    exempt
}
