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

/// `(errors, all)` of an error ratio's query `(errors or 0 * all) / all`, as
/// `detect::error_rate` writes it.
fn ratio(template: &str) -> Option<(&str, &str)> {
    let inner = template.strip_prefix('(')?;
    let (errors, rest) = inner.split_once(" or 0 * ")?;
    let (all, again) = rest.split_once(") / ")?;
    (all == again && !all.is_empty() && !errors.is_empty()).then_some((errors, all))
}

/// `(errors or 0 * all) / all` at each of `all`'s points, as the server evaluates it: an
/// error rate absent at a step counts as 0, and a division by a zero rate gives what IEEE
/// floats give (NaN for 0/0), as in PromQL.
fn divide(errors: Option<&[(f64, f64)]>, all: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let at: BTreeMap<u64, f64> = errors
        .unwrap_or_default()
        .iter()
        .map(|&(t, v)| (t.to_bits(), v))
        .collect();
    all.iter()
        .map(|&(t, a)| {
            let e = at.get(&t.to_bits()).copied().unwrap_or(0.0 * a);
            (t, e / a)
        })
        .collect()
}

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
    // One query over the range for every target of `members`: each answer series' points,
    // by the report it belongs to.
    let window = format!("{}s", window as u64);
    let read = |template: &str, members: &BTreeMap<Key<'_>, usize>| {
        let query = regroup(
            &render_matchers(template, Some(selector), &window),
            "job, instance",
        );
        let answer = api.range(&query, start, end, step)?;
        anyhow::Ok(
            answer
                .into_iter()
                .filter_map(|s| {
                    let (job, instance) = (s.labels.get("job")?, s.labels.get("instance")?);
                    let i = *members.get(&(job.as_str(), instance.as_str()))?;
                    Some((i, s.points))
                })
                .collect::<Vec<_>>(),
        )
    };
    // The trends are gathered apart and added at the end, since `groups` borrows the reports.
    let mut found: Vec<(usize, Trend)> = Vec::new();
    // The request rate's points by its query and report, for the error ratios below.
    let mut rates: BTreeMap<(&str, usize), Vec<(f64, f64)>> = BTreeMap::new();
    let mut ratios = Vec::new();
    for (&(check, template), members) in &groups {
        let Some(rule) = thresholds.rule(check) else {
            continue;
        };
        // Split only when every target of the ratio has the request rate it divides by.
        let rated = |all: &str| {
            groups
                .get(&("request_rate", all))
                .is_some_and(|r| members.keys().all(|k| r.contains_key(k)))
        };
        if let Some(split) = ratio(template).filter(|(_, all)| check == "error_rate" && rated(all))
        {
            ratios.push((rule, split, members));
            continue;
        }
        for (i, points) in read(template, members)? {
            if check == "request_rate" {
                rates.insert((template, i), points.clone());
            }
            found.push((i, Trend::new(rule, points, start, end)));
        }
    }
    // `(errors or 0 * all) / all`, where `all` is a request rate read above, is worked out from
    // that rate's points and a read of the errors alone: asked whole, the server computes the
    // rate of every request series twice more, a quarter of its time over 100,000 targets.
    for (rule, (errors, all), members) in ratios {
        let errs: BTreeMap<usize, Vec<(f64, f64)>> = read(errors, members)?.into_iter().collect();
        for &i in members.values() {
            let Some(total) = rates.get(&(all, i)) else {
                continue;
            };
            let points = divide(errs.get(&i).map(Vec::as_slice), total);
            found.push((i, Trend::new(rule, points, start, end)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_ratio_splits_into_errors_and_all() {
        let all = "sum(rate(x_total{J}[W]))";
        let t = format!("(sum(rate(x_total{{J,code=~\"5..\"}}[W])) or 0 * {all}) / {all}");
        assert_eq!(
            ratio(&t),
            Some(("sum(rate(x_total{J,code=~\"5..\"}[W]))", all))
        );
        // Anything else is asked of the server whole.
        assert_eq!(ratio("sum(rate(x_total[W]))"), None);
        assert_eq!(ratio("(a or 0 * b) / c"), None);
    }

    #[test]
    fn the_ratio_is_promqls() {
        let all = [(1.0, 4.0), (2.0, 0.0), (3.0, 2.0), (4.0, 0.0)];
        let errors = [(1.0, 1.0), (4.0, 0.0)];
        let got = divide(Some(&errors), &all);
        assert_eq!(got[0], (1.0, 0.25));
        // No error series at a step: 0 * all / all, so NaN where nothing was requested.
        assert!(got[1].1.is_nan());
        assert_eq!(got[2], (3.0, 0.0));
        assert!(got[3].1.is_nan());
        // No error series at all.
        assert_eq!(divide(None, &all[..1]), vec![(1.0, 0.0)]);
    }
}
