//! Trends of the key figures over the range: one `query_range` per distinct check query
//! (about 60 points, fewer past 20,000 targets), grouped by job and instance, so the fleet's
//! size adds no requests.

use std::collections::BTreeMap;

use crate::detect::{regroup, render_matchers};
use crate::input::promapi::Api;
use crate::report::{Report, Trend};
use crate::threshold::Thresholds;

/// The figures followed over time.
const CHECKS: [&str; 4] = ["request_rate", "memory", "p95_latency", "error_rate"];
/// A target by `(job, instance)`.
type Key<'a> = (&'a str, &'a str);

/// Points per trend.
const POINTS: f64 = 60.0;
/// Targets up to which a trend has all [`POINTS`]. Past it, fewer points each (never under
/// [`MIN_POINTS`], the least a trend is called on), so an answer holding every target's points
/// stays within one answer's decoded bound: 100,000 targets get 12 points each.
const FULL_FLEET: f64 = 20_000.0;
/// The fewest points a trend is drawn from.
const MIN_POINTS: f64 = 12.0;

/// Adds each report's trends. `window` is the rate window in seconds: at least four of the
/// slowest job's scrape intervals, so every window holds samples.
pub(super) fn add(
    api: &Api,
    reports: &mut [Report],
    selector: &str,
    (start, end): (f64, f64),
    window: f64,
    thresholds: &Thresholds,
) -> anyhow::Result<()> {
    let targets = reports.iter().filter(|r| r.target.is_some()).count() as f64;
    let points = (POINTS * FULL_FLEET / targets.max(1.0)).clamp(MIN_POINTS, POINTS);
    let step = ((end - start) / points).max(1.0).round();
    // (check, query template) → the reports that use it, by target: an answer's series is
    // matched to its report by a lookup, not a search of the group (quadratic in the fleet).
    let mut groups: BTreeMap<(&str, &str), BTreeMap<Key<'_>, usize>> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        let Some(t) = &r.target else { continue };
        for c in r.checks.iter().filter(|c| c.measurement.subject.is_none()) {
            if let (Some(check), Some(q)) = (
                CHECKS.iter().find(|x| **x == c.measurement.check),
                &c.measurement.query,
            ) {
                groups
                    .entry((check, q.as_str()))
                    .or_default()
                    .entry((t.job.as_str(), t.instance.as_str()))
                    .or_insert(i);
            }
        }
    }
    // The trends are gathered apart and added at the end, since `groups` borrows the reports.
    let mut found: Vec<(usize, Trend)> = Vec::new();
    for ((check, template), members) in &groups {
        let Some(rule) = thresholds.rule(check) else {
            continue;
        };
        let query = regroup(
            &render_matchers(template, Some(selector), &format!("{}s", window as u64)),
            "job, instance",
        );
        for s in api.range(&query, start, end, step)? {
            let (Some(job), Some(instance)) = (s.labels.get("job"), s.labels.get("instance"))
            else {
                continue;
            };
            if let Some(&i) = members.get(&(job.as_str(), instance.as_str())) {
                found.push((i, Trend::new(rule, s.points, start, end)));
            }
        }
    }
    drop(groups);
    for (i, t) in found {
        reports[i].trends.push(t);
    }
    for r in reports.iter_mut() {
        r.trends
            .sort_by_key(|t| CHECKS.iter().position(|c| *c == t.check));
    }
    Ok(())
}
