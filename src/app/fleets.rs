//! `analyze` over a fleet: read from a server (`--prometheus`) or scraped from a config
//! (`--targets-from`).

use super::*;

/// `analyze --prometheus URL`: the fleet a server scrapes.
pub(super) fn analyze_server(args: &AnalyzeArgs, url: &str, cfg: &Config) -> anyhow::Result<u8> {
    let q = settings::range_query(&args.run, url, &args.generate.job)?;
    let http = settings::http_options(&args.run.http)?;
    let mut read = crate::server::read(&q, &http, cfg)?;
    waive(args, cfg, &mut read.reports)?;
    for r in &read.reports {
        if let Some(e) = &r.error {
            say(format_args!("{}: error: {e}", r.source));
        }
        for n in &r.notices {
            say(format_args!("{}: notice: {n}", r.source));
        }
    }
    // Each job's notes on its drop (exemptions, or no usage: said once for all jobs).
    let mut told = std::collections::BTreeSet::new();
    for j in &read.fleet.jobs {
        for n in j.relabel.iter().flat_map(|p| &p.notes) {
            if n == crate::recommend::relabel::NO_USAGE {
                if told.insert(n) {
                    say(format_args!("promtune: notice: {n}"));
                }
            } else {
                say(format_args!("job {:?}: notice: {n}", j.job));
            }
        }
    }
    for w in &read.fleet.notices {
        say(format_args!("{}: warning from the server: {w}", read.shown));
    }
    say(format_args!(
        "promtune: read {} with {} to {}",
        crate::plural::n(read.reports.len() as u64, "target"),
        crate::plural::n(read.requests, "request"),
        read.shown
    ));
    if read.without_requests > 0 {
        say(format_args!(
            "promtune: {} no request metrics: counted in ingest, savings and configs, with the request checks unknown",
            crate::plural::of(read.without_requests as f64, "target has", "targets have"),
        ));
    }
    let base = base_config(&args.generate)?;
    let source = format!(
        "{} over {} ending {}",
        read.shown,
        args.run.range,
        report::rfc3339(q.at)
    );
    let fleet = Fleet {
        source,
        reports: &read.reports,
        summary: &read.fleet,
        samples: &read.samples,
        base: base.as_ref(),
    };
    fleet.output(args, cfg)?;
    let code = fleet_verdict(args, &read.reports);
    // The process ends with this run: freeing 100,000 reports one by one took a tenth of it.
    std::mem::forget(read);
    Ok(code)
}

/// A fleet's exit code: 2 when any target could not be analysed, as with several sources (the
/// other targets' reports and configs are still written); otherwise `--fail-on` over the
/// targets that were.
fn fleet_verdict(args: &AnalyzeArgs, reports: &[Report]) -> u8 {
    let failed = reports.iter().any(|r| r.error.is_some());
    verdict(args.fail_on, &counted(reports), failed)
}

/// `analyze --targets-from FILE`: every target of a config or file_sd file, scraped at once.
pub(super) fn analyze_targets(
    args: &AnalyzeArgs,
    file: &std::path::Path,
    cfg: &Config,
) -> anyhow::Result<u8> {
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
        "promtune: scraped {}, {} failed",
        crate::plural::n(scraped.reports.len() as u64, "target"),
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
        None => found.config.clone().map(|text| BaseConfig {
            path: source.clone(),
            text,
        }),
    };
    Fleet {
        source,
        reports: &scraped.reports,
        summary: &fleet,
        samples: &scraped.samples,
        base: base.as_ref(),
    }
    .output(args, cfg)?;
    let code = fleet_verdict(args, &scraped.reports);
    // As for a server's fleet: the process ends here, no need to free every report.
    std::mem::forget(scraped);
    Ok(code)
}

/// A fleet's reports and what its configs are written from.
struct Fleet<'a> {
    source: String,
    reports: &'a [Report],
    summary: &'a report::Fleet,
    samples: &'a std::collections::BTreeMap<String, crate::model::Snapshot>,
    base: Option<&'a BaseConfig>,
}

impl Fleet<'_> {
    /// The report (or `--diff`) on stdout, and the configs into `--write-configs DIR`.
    fn output(&self, args: &AnalyzeArgs, cfg: &Config) -> anyhow::Result<()> {
        let files = || {
            generate::fleet_files(&generate::FleetInput {
                source: self.source.clone(),
                reports: self.reports,
                fleet: self.summary,
                samples: self.samples,
                thresholds: &cfg.thresholds,
                base: self.base,
                rule_files: !args.generate.no_rule_files,
                runbook_base: args.generate.runbook_url.as_deref(),
            })
        };
        let mut out = stdout();
        if args.generate.diff {
            out.write_all(diff(&files()?, self.base).as_bytes())?;
        } else {
            emit(
                &mut out,
                args,
                self.reports,
                Some(self.summary),
                cfg.usage.as_ref(),
            )?;
        }
        out.flush()?;
        if let (Some(dir), false) = (&args.write_configs, args.generate.diff) {
            for path in generate::write_outputs(dir, &files()?, args.generate.force)? {
                say(format_args!("wrote {}", path.display()));
            }
        }
        Ok(())
    }
}
