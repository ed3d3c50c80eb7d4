//! The cardinality section every format shows: the families with the most series, the
//! labels whose values look unbounded, and the findings the CI formats raise for them.
//! Rows are plain data; each renderer escapes them for its output.

use super::findings::Finding;
use super::Report;
use crate::model::Cost;
use crate::recommend::cardinality::dominates;
use crate::threshold::Status;

/// Families listed in the text formats' section (JSON lists them all).
pub(crate) const TOP: usize = 10;

/// What stands for the interval when none is known.
pub(crate) const NO_INTERVAL: &str = "unknown: no config's scrape_interval and no count of scrapes on the page, so samples per second and per day are unknown";

/// The CI formats' rules for cost findings, with what they mean (documented in docs/cost.md).
pub(crate) const RULES: [(&str, &str); 2] = [
    (
        "cardinality_suspect_label",
        "a label whose values look unbounded (IDs, UUIDs, hashes, raw paths, e-mail addresses, timestamps)",
    ),
    (
        "cardinality_heavy_family",
        "a family holding half or more of the samples of its page (1000 or more)",
    ),
];

/// Where the cost rules' pages are (one per rule, beside docs/cost.md).
pub(crate) const DOCS: &str = "docs/cost";

/// A count of samples with its share: `1005 (81%)`.
fn with_share(c: &Cost, f: &crate::model::FamilyCost) -> String {
    format!("{} ({:.0}%)", f.series, c.share(f) * 100.0)
}

fn per_day(c: &Cost, n: u64) -> String {
    c.per_day(n).map_or("unknown".into(), crate::plural::count)
}

/// One line over the section: the totals and the interval behind the rates.
pub(crate) fn summary(c: &Cost) -> String {
    let after = c
        .series_after
        .map(|a| format!(", {a} after promtune's rules"))
        .unwrap_or_default();
    let at = match &c.interval {
        Some((i, how)) => format!(
            "{} samples per day at one scrape every {} ({how})",
            per_day(c, c.series),
            crate::threshold::Unit::Seconds.format(*i)
        ),
        None => format!("interval {NO_INTERVAL}"),
    };
    format!(
        "{} samples per scrape in {}{after}; {at}",
        c.series,
        crate::plural::of(c.families.len() as f64, "family", "families"),
    )
}

/// The head of the families' table.
pub(crate) const HEAD: [&str; 5] = [
    "Family",
    "Type",
    "Samples/scrape",
    "Per day",
    "Labels (distinct values)",
];

/// The top families (the columns of [`HEAD`]): Family, Type, Series, Per day, Labels (distinct values each, most
/// first; `+` where counting stopped at its bound).
pub(crate) fn family_rows(c: &Cost) -> Vec<[String; 5]> {
    c.families
        .iter()
        .take(TOP)
        .map(|f| {
            let mut labels: Vec<_> = f.labels.iter().collect();
            labels.sort_by(|a, b| {
                b.distinct
                    .cmp(&a.distinct)
                    .then_with(|| a.name.cmp(&b.name))
            });
            let labels: Vec<String> = labels
                .iter()
                .map(|l| {
                    let plus = if l.distinct_capped { "+" } else { "" };
                    format!("{} {}{plus}", l.name, l.distinct)
                })
                .collect();
            [
                f.name.clone(),
                f.mtype.to_string(),
                with_share(c, f),
                per_day(c, f.series),
                if labels.is_empty() {
                    "-".into()
                } else {
                    labels.join(", ")
                },
            ]
        })
        .collect()
}

/// One sentence per suspect label: `path of http_request_duration_seconds: 1005 distinct
/// values, raw URL paths holding IDs such as "/api/items/1", …`.
pub(crate) fn suspect_lines(c: &Cost) -> Vec<String> {
    c.suspects()
        .map(|(f, l)| {
            let s = l.suspect.as_ref().map_or_else(String::new, |s| {
                let ex: Vec<String> = s.examples.iter().map(|e| format!("\"{e}\"")).collect();
                format!("{} such as {}", s.kind.words(), ex.join(", "))
            });
            let plus = if l.distinct_capped { " or more" } else { "" };
            format!(
                "label \"{}\" of {} ({} samples per scrape, {:.0}% of the page): {}{plus}, {s}",
                l.name,
                f.name,
                f.series,
                c.share(f) * 100.0,
                crate::plural::n(l.distinct, "distinct value"),
            )
        })
        .collect()
}

/// The cost findings of a report: each suspect label, and a family that dominates its
/// page, located at the family's line when the source is a file.
pub(crate) fn findings(r: &Report) -> Vec<Finding<'_>> {
    let Some(c) = &r.cost else {
        return Vec::new();
    };
    let line = |name: &str| {
        super::findings::is_file(&r.source)
            .then(|| r.lines.iter().find(|(n, _)| n == name).map(|(_, l)| *l))
            .flatten()
    };
    let mut out: Vec<Finding> = c
        .families
        .iter()
        .filter(|f| dominates(c, f))
        .map(|f| Finding {
            rule: RULES[1].0,
            status: Status::Warning,
            message: format!(
                "{} makes {} of the {} samples per scrape: cut its series first",
                f.name,
                with_share(c, f),
                c.series
            ),
            check: None,
            line: line(&f.name),
        })
        .collect();
    let lines = suspect_lines(c);
    out.extend(c.suspects().zip(lines).map(|((f, _), message)| Finding {
        rule: RULES[0].0,
        status: Status::Warning,
        message,
        check: None,
        line: line(&f.name),
    }));
    out
}
