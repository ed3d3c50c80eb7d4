//! Request series born inside the range: a route's first request, the first 404. Such a
//! counter started from zero inside the range, but `increase()` on Prometheus counts only
//! what it gained after its first sample, so its first value is lost (55 requests to a new
//! app read as 23). A series is born when it is absent at the range's start and has fewer
//! samples than its target has successful scrapes in the range: the target was scraped
//! without it first. A series that appears with its target's first scrape may have counted
//! before the data begins (a server that started scraping late), so it keeps `increase()`.
//!
//! The correction is read in steps whose cost follows what changed, not the fleet:
//! 1. which targets gained series in the range, from the server's own record of each scrape
//!    (`scrape_series_added`, or where it is not kept a change in `scrape_samples_scraped`):
//!    a target whose page never changed size and added no series has none born;
//! 2. only when some did: each request series absent at the range's start, with its sample
//!    count, and each target's successful scrapes;
//! 3. only for a name with a born series: what its last value adds to its `increase()` (all
//!    of it for a series of one sample, which has no `increase()`).

use std::collections::{BTreeMap, BTreeSet};

use super::exposition::Row;
use super::families::{Planned, Read};
use super::scrape::{key, per_target};
use crate::escape::promql;
use crate::input::promapi::Api;
use crate::model::Keep;
use crate::report::Target;

/// The rows of every target: target → planned family index → rows.
pub(super) type Rows = BTreeMap<Target, BTreeMap<usize, Vec<Row>>>;

/// Targets that gained a series or changed their page's size in the range (step 1).
fn changed(api: &Api, sel: &str, range: &str, at: f64) -> anyhow::Result<BTreeSet<Target>> {
    let q = format!(
        "changes(scrape_series_added{{{sel}}}[{range}]) > 0 or changes(scrape_samples_scraped{{{sel}}}[{range}]) > 0"
    );
    Ok(per_target(api, &q, at)?.into_keys().collect())
}

/// Adds to each request row what `increase()` left out of the series born in the range.
/// `rows` hold `sum by (job, instance, labels)` of each name's increase; a born series'
/// correction, `last_over_time - increase`, goes to the row its labels sum into.
pub(super) fn correct(
    api: &Api,
    plan: &[Planned],
    sel: &str,
    range: &str,
    at: f64,
    rows: &mut Rows,
) -> anyhow::Result<()> {
    let names: Vec<(usize, &str, &[String])> = plan
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match &p.keep {
            // Labels recognised by their values are summed by name alone, as the rows are.
            Keep::SumBy(labels) | Keep::SumByShaped(labels, _) => Some((i, p, labels)),
            _ => None,
        })
        .flat_map(|(i, p, labels)| {
            p.samples
                .iter()
                .filter(|(_, read)| *read == Read::Increase)
                .map(move |(n, _)| (i, n.as_str(), labels.as_slice()))
        })
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let changed = changed(api, sel, range, at)?;
    if changed.is_empty() {
        return Ok(());
    }
    let mut scrapes: Option<BTreeMap<Target, f64>> = None;
    for (i, name, kept) in names {
        let series = promql::selector(name, sel);
        let absent = format!("unless {series} offset {range}");
        let candidates =
            api.instant(&format!("count_over_time({series}[{range}]) {absent}"), at)?;
        if candidates.is_empty() {
            continue;
        }
        let scrapes = match &mut scrapes {
            Some(s) => s,
            None => scrapes.insert(per_target(
                api,
                &format!("sum_over_time(up{{{sel}}}[{range}])"),
                at,
            )?),
        };
        let born: BTreeSet<BTreeMap<String, String>> = candidates
            .into_iter()
            .filter(|s| {
                key(&s.labels).is_some_and(|t| {
                    changed.contains(&t) && scrapes.get(&t).is_some_and(|n| s.value < *n)
                })
            })
            .map(|s| without_name(s.labels))
            .collect();
        if born.is_empty() {
            continue;
        }
        // A series with one sample has no `increase()`, so no row either: all of it is gain.
        let last = format!("last_over_time({series}[{range}])");
        let gains = api.instant(
            &format!("({last} - (increase({series}[{range}]) or {last} * 0)) {absent}"),
            at,
        )?;
        for g in gains {
            let labels = without_name(g.labels);
            if !g.value.is_finite() || !born.contains(&labels) {
                continue;
            }
            let Some(t) = key(&labels) else { continue };
            // The row this series was summed into: its labels among those kept (and its
            // bucket's `le`), as the family query's `sum by` reduced them.
            let group: BTreeMap<String, String> = labels
                .into_iter()
                .filter(|(k, _)| kept.contains(k) || (k == "le" && name.ends_with("_bucket")))
                .collect();
            let family = rows.entry(t).or_default().entry(i).or_default();
            match family.iter_mut().find(|r| r.0 == name && r.1 == group) {
                Some(row) => row.2 += g.value,
                None => family.push((name.to_string(), group, g.value)),
            }
        }
    }
    Ok(())
}

fn without_name(mut labels: BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels.remove("__name__");
    labels
}
