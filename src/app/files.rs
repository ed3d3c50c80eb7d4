//! Generated files: one target's configs (`--write-configs`, `generate`, `--diff`) and
//! baselines.

use super::*;

/// Generated files as `(file name, text)`.
pub(super) type Files = Vec<(String, String)>;

/// `--base-config`, read within its bounds.
pub(super) fn base_config(g: &GenerateArgs) -> anyhow::Result<Option<BaseConfig>> {
    let Some(p) = &g.base_config else {
        return Ok(None);
    };
    let text = crate::input::yaml::read(p, "--base-config")
        .map_err(|e| anyhow::anyhow!("--base-config {e}"))?;
    Ok(Some(BaseConfig {
        path: p.display().to_string(),
        text,
    }))
}

/// `--keep`, each checked to be a regex, and whether relabel rules are worked out: when
/// configs are `written`, or usage is given.
pub(super) fn relabel_settings(
    cfg: &mut Config,
    run: &crate::cli::RunArgs,
    written: bool,
) -> anyhow::Result<()> {
    for k in &run.keep {
        crate::recommend::relabel::Exempt::new(k, String::new())
            .map_err(|e| anyhow::anyhow!("--keep: {e}"))?;
    }
    cfg.keep = run.keep.clone();
    cfg.relabel = written;
    Ok(())
}

/// The one `--job` a single target's config may change.
pub(super) fn single_job(g: &GenerateArgs) -> anyhow::Result<Option<&str>> {
    match g.job.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => anyhow::bail!(
            "--job was given {} times; one target's config changes one job (several narrow a --prometheus fleet)",
            many.len()
        ),
    }
}

/// With a base config, a page's cost is per second of the interval its job is scraped at
/// there (Prometheus's default when the config sets none), as a fleet's is: the config says
/// what Prometheus does, where the page's own count of scrapes only suggests it.
pub(super) fn configured_interval(
    analysed: &mut [Analysed],
    g: &GenerateArgs,
) -> anyhow::Result<()> {
    let Some(base) = base_config(g)? else {
        return Ok(());
    };
    let mut parsed = analysed.iter_mut().filter(|a| a.parsed.is_some());
    let (Some(a), None) = (parsed.next(), parsed.next()) else {
        return Ok(());
    };
    let plan = scrape_plan(&a.source, &a.report, g, Some(&base))?;
    if let (Some(cost), Some(before)) = (a.report.cost.as_mut(), plan.before) {
        let how = "the base config's scrape_interval for the job that scrapes this target";
        cost.interval = Some((before.0, how.to_string()));
    }
    Ok(())
}

/// The scrape job's new settings for the analysed source, from the base config if given.
fn scrape_plan(
    source: &Source,
    report: &Report,
    g: &GenerateArgs,
    base: Option<&BaseConfig>,
) -> anyhow::Result<generate::ScrapePlan> {
    let (target, path, scheme) = settings::target(source, g.target.as_deref());
    generate::plan(
        report,
        &target,
        &path,
        &scheme,
        single_job(g)?,
        base.map(|b| b.text.as_str()),
    )
    .with_context(|| base.map(|b| b.path.clone()).unwrap_or_default())
}

/// Generates files for the first source that could be analysed.
pub(super) fn generate_files(
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
    let plan = scrape_plan(&a.source, &a.report, g, base.as_ref())?;
    let verdict = if plan.changed { "changed" } else { "unchanged" };
    say(format_args!(
        "promtune: job {:?} ({}) {verdict}: {}",
        plan.job, plan.chosen_by, plan.reason
    ));
    let files = generated(
        &a.report,
        &parsed.snapshot,
        cfg,
        g,
        &plan,
        base.as_ref(),
        kinds,
    )?;
    Ok((files, base))
}

/// The files of `kinds` for one report.
fn generated(
    report: &Report,
    snapshot: &crate::model::Snapshot,
    cfg: &Config,
    g: &GenerateArgs,
    plan: &generate::ScrapePlan,
    base: Option<&BaseConfig>,
    kinds: &[&str],
) -> anyhow::Result<Files> {
    let cx = GenerateContext {
        report,
        snapshot,
        thresholds: &cfg.thresholds,
        plan,
        base,
        rule_files: !g.no_rule_files,
        runbook_base: g.runbook_url.as_deref(),
    };
    let mut files = Vec::new();
    for kind in kinds {
        let gen = generate::by_kind(kind).ok_or_else(|| anyhow::anyhow!("unknown kind {kind}"))?;
        files.push((gen.file_name().to_string(), gen.generate(&cx)?));
    }
    Ok(files)
}

/// promtune's own alert rules and dashboard for one source, as they are written (with the
/// base config when configs are written, `cfg.relabel`): read as usage before its relabel
/// rules are decided. Their text depends on the checks, the scrape plan and the page, never
/// on the relabel rules, so it is the text written later.
pub(super) fn own_files(
    source: &Source,
    report: &Report,
    snapshot: &crate::model::Snapshot,
    cfg: &Config,
    g: &GenerateArgs,
) -> anyhow::Result<Files> {
    let base = if cfg.relabel { base_config(g)? } else { None };
    let plan = scrape_plan(source, report, g, base.as_ref())?;
    let kinds = ["alert-rules", "dashboard"];
    generated(report, snapshot, cfg, g, &plan, base.as_ref(), &kinds)
}

/// The unified diff of the generated Prometheus config against the base config.
pub(super) fn diff(files: &[(String, String)], base: Option<&BaseConfig>) -> String {
    let (Some(b), Some((_, new))) = (
        base,
        files.iter().find(|(n, _)| n == "prometheus-optimized.yml"),
    ) else {
        return String::new();
    };
    // Patience anchors on lines that occur once on each side (job names, targets), so a
    // config rewritten throughout still diffs in about linear time; Myers alone was
    // quadratic in the lines changed.
    let text = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .diff_lines(b.text.as_str(), new.as_str())
        .unified_diff()
        .header(&b.path, "prometheus-optimized.yml")
        .to_string();
    // The user's config may hold anything; the diff is read on a terminal.
    crate::escape::terminal::lines(&text).into_owned()
}

/// `promtune baseline write FILE SOURCE…`.
pub(super) fn baseline_write(args: &crate::cli::BaselineWrite) -> anyhow::Result<u8> {
    let cfg = load_config(&args.run.thresholds)?;
    let (analysed, failed) = collect::analyse_all(&args.run, &cfg, None, &mut |m| say(m), &|w| {
        countdown(w, "second scrape")
    })?;
    if failed {
        anyhow::bail!("a source could not be analysed, so no baseline was written");
    }
    let mut reports: Vec<Report> = analysed.into_iter().map(|a| a.report).collect();
    // The lint findings too, so that `check --baseline` holds them: each page read once
    // more as `check` reads it (standard input cannot be read twice).
    for arg in &args.run.sources {
        let source = crate::input::Source::from_os(arg);
        if matches!(source, crate::input::Source::Stdin) {
            say("-: the lint findings of standard input are not recorded (it cannot be read twice): save the page to a file");
            continue;
        }
        reports
            .push(super::check::lint_report(&source, &args.run.input).map_err(anyhow::Error::msg)?);
    }
    let found = report::record(&reports);
    generate::write_one(&args.file, &report::baseline_json(&found), args.force)?;
    say(format_args!(
        "wrote {} ({})",
        args.file.display(),
        crate::plural::n(found.len() as u64, "finding")
    ));
    Ok(exit::OK)
}

pub(super) fn generate_one(args: &GenerateCmd) -> anyhow::Result<u8> {
    let mut cfg = load_config(&args.run.thresholds)?;
    cfg.usage = super::usage::load(&args.generate.usage)?;
    relabel_settings(&mut cfg, &args.run, true)?;
    let own = |s: &Source, r: &Report, snap: &crate::model::Snapshot| {
        own_files(s, r, snap, &cfg, &args.generate)
    };
    let (analysed, failed) =
        collect::analyse_all(&args.run, &cfg, Some(&own), &mut |m| say(m), &|w| {
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
