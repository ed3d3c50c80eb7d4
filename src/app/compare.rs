//! `promtune compare`: two expositions, two saved reports, or two ranges of a server.

use super::*;

/// One side of a comparison: a saved JSON report, or an exposition analysed here.
pub(super) fn side(
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
            return crate::compare::Side::of_json(&name, &text);
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

pub(super) fn compare(args: &crate::cli::CompareArgs) -> anyhow::Result<u8> {
    let cfg = load_config(&args.thresholds)?;
    let tolerance = crate::compare::parse_expect(&format!("t={}", args.tolerance))
        .map_err(|_| {
            anyhow::anyhow!(
                "--tolerance {:?}: expected a finite percentage such as 5%",
                args.tolerance
            )
        })?
        .1
        .abs();
    let ids: Vec<&str> = cfg
        .thresholds
        .rules
        .iter()
        .map(|r| r.check)
        .chain(["metrics_scrapes", "health_checks"])
        .collect();
    let parse = |text: &str| {
        let (id, v) = crate::compare::parse_expect(text)?;
        if !ids.contains(&id.as_str()) {
            anyhow::bail!(
                "--expect {id:?}: unknown check (expected one of: {})",
                ids.join(", ")
            );
        }
        Ok((id, v))
    };
    let mut expect = args
        .expect
        .iter()
        .map(|e| parse(e))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(f) = &args.expect_file {
        let text = bounded::read_text(f, "--expect-file", bounded::CONFIG_LIMIT)?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                expect.push(
                    parse(line).map_err(|e| anyhow::anyhow!("{}:{}: {e}", f.display(), i + 1))?,
                );
            }
        }
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
    let text = crate::compare::render(compare_format(args), &before, &after, &rows);
    let mut out = stdout();
    deliver(&mut out, args.output.as_ref(), args.force, &text, || {
        crate::compare::render(report::Format::Table, &before, &after, &rows)
    })?;
    out.flush()?;
    Ok(if crate::compare::failed(&rows) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// A comparison's format: the table coloured on a terminal, JUnit failing on every
/// regression or unmet expectation.
fn compare_format(args: &crate::cli::CompareArgs) -> report::Format {
    format_for(
        args.format,
        table_format(crate::cli::ColorArg::Auto),
        Some(Status::Warning),
    )
}

/// `START/DURATION` as `(start, seconds)`.
pub(super) fn range_arg(flag: &str, text: &str) -> anyhow::Result<(f64, f64)> {
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
pub(super) fn compare_ranges(
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
    let text = crate::compare::render_many(compare_format(args), &pairs);
    let mut out = stdout();
    deliver(&mut out, args.output.as_ref(), args.force, &text, || {
        crate::compare::render_many(report::Format::Table, &pairs)
    })?;
    out.flush()?;
    let failed = pairs
        .iter()
        .any(|(_, _, rows)| crate::compare::failed(rows));
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}
