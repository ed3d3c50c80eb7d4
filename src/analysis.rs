//! The analysis pipeline for one parsed source: recognise the exporter, run the detectors,
//! judge against thresholds, recommend. Pure: no I/O, nothing printed.

use crate::config::Config;
use crate::detect::{self, Clock, Context, Observation, TimeSource};
use crate::parse::Parsed;
use crate::recommend;
use crate::report::Report;
use crate::threshold;

/// Analyses one parsed source.
pub fn analyse(name: String, parsed: &Parsed, time: Option<TimeSource>, cfg: &Config) -> Report {
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

const PATTERN_ORDER: [&str; 3] = ["metrics_scrapes", "health_checks", "not_found"];
