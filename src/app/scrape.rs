//! `promtune scrape URL -o FILE`: a page saved with the time and Content-Type of its request,
//! so that a saved scrape is dated by when it was taken, not by its file's modification time.

use super::*;
use crate::input::record;
use crate::model::{Keep, MetricType};

pub(super) fn scrape(args: &crate::cli::ScrapeArgs) -> anyhow::Result<u8> {
    let url = match Source::from_arg(&args.url) {
        Source::Url(u) => u,
        _ => anyhow::bail!(
            "promtune scrape {:?}: expected an http:// or https:// URL{}",
            args.url,
            crate::input::scheme_hint(&args.url)
        ),
    };
    let http = settings::http_options(&args.http)?;
    let (page, rec) = record::fetch(&url, &http, args.input.max_bytes)?;
    let shown = rec.url.clone();
    // Only an exposition is worth saving: a login page or an empty body fails here, not in
    // the CI job that reads it later.
    let keep_nothing = |_: &str, _: MetricType| Keep::Nothing;
    let opts = crate::parse::ParseOptions {
        format: collect::format_choice(args.input.input_format, rec.content_type.as_deref()),
        max_bytes: args.input.max_bytes,
        retain: Some(&keep_nothing),
    };
    let parsed = crate::parse::parse(page.as_slice(), &opts)
        .map_err(|e| anyhow::anyhow!("{shown}: not saved: {e}"))?;
    collect::require_samples(&shown, &parsed).map_err(|e| anyhow::anyhow!("{e}; not saved"))?;
    let text = String::from_utf8(page)
        .map_err(|e| anyhow::anyhow!("{shown}: not saved: the body is not UTF-8 ({e})"))?;
    let out = &args.output;
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow::anyhow!("-o {}: expected a file name", out.display()))?;
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let files = vec![
        (name.to_string(), text),
        (format!("{name}{}", record::SUFFIX), record::to_json(&rec)),
    ];
    for path in generate::write_outputs(dir, &files, args.force)? {
        say(format_args!("wrote {}", path.display()));
    }
    say(format_args!(
        "{shown}: {} bytes at {}, {}",
        rec.bytes,
        rec.scraped_at,
        rec.content_type
            .as_deref()
            .map_or("no Content-Type".to_string(), |c| format!(
                "Content-Type {c}"
            ))
    ));
    Ok(exit::OK)
}
