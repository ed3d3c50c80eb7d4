//! What one target's answers can validly be written as. The plan is made from the names of
//! the whole fleet, so one name may be planned twice (a histogram `x` on one target, a
//! summary `x` on another, both reading `x_count`), and the server keeps buckets as the
//! pages had them (no `+Inf`, or `le` spelled `Inf`): each target's families are settled
//! from its own rows, and a histogram no valid exposition can hold is left out with a
//! notice rather than costing the target every figure.

use std::collections::BTreeMap;

use super::exposition::Row;
use super::families::Planned;
use crate::model::MetricType;

/// One family as it is written for one target.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Written {
    /// The family name of its `# TYPE` line.
    pub(super) family: String,
    /// Its type.
    pub(super) mtype: MetricType,
    /// Its samples.
    pub(super) rows: Vec<Row>,
}

/// The families a target's rows make, by family name, and a notice for each left out.
pub(super) fn settle(
    plan: &[Planned],
    mut by_family: BTreeMap<usize, Vec<Row>>,
) -> (Vec<Written>, Vec<String>) {
    let mut by_name: BTreeMap<&str, Vec<(MetricType, Vec<Row>)>> = BTreeMap::new();
    for (i, p) in plan.iter().enumerate() {
        if let Some(rows) = by_family.remove(&i).filter(|r| !r.is_empty()) {
            by_name
                .entry(p.family.as_str())
                .or_default()
                .push((p.mtype, rows));
        }
    }
    let mut out = Vec::new();
    let mut notices = Vec::new();
    for (family, mut found) in by_name {
        let bucketed = |(t, rows): &(MetricType, Vec<Row>)| {
            *t == MetricType::Histogram && rows.iter().any(|r| r.0.ends_with("_bucket"))
        };
        // This target's own type: buckets make a histogram; failing them a summary planned
        // for another target's quantiles; else whatever the name was planned as.
        let pick = found
            .iter()
            .position(bucketed)
            .or_else(|| found.iter().position(|f| f.0 == MetricType::Summary))
            .unwrap_or(0);
        let has_buckets = bucketed(&found[pick]);
        let (mtype, rows) = found.swap_remove(pick);
        if mtype == MetricType::Histogram && !has_buckets {
            // `_count` and `_sum` with no buckets here: a summary without quantiles when both
            // are there, else a counter of that name (another target's histogram took it).
            let has = |s: &str| rows.iter().any(|r| r.0.ends_with(s));
            if has("_count") && has("_sum") {
                out.push(Written {
                    family: family.to_string(),
                    mtype: MetricType::Summary,
                    rows,
                });
            } else {
                let mut split: BTreeMap<String, Vec<Row>> = BTreeMap::new();
                for r in rows {
                    split.entry(r.0.clone()).or_default().push(r);
                }
                out.extend(split.into_iter().map(|(family, rows)| Written {
                    family,
                    mtype: MetricType::Counter,
                    rows,
                }));
            }
            continue;
        }
        let mut w = Written {
            family: family.to_string(),
            mtype,
            rows,
        };
        if mtype == MetricType::Histogram {
            if let Err(why) = buckets(&mut w) {
                notices.push(left_out(family, &why));
                continue;
            }
        }
        out.push(w);
    }
    out.sort_by(|a, b| a.family.cmp(&b.family));
    (out, notices)
}

/// The notice for a family left out of a target's rebuilt exposition.
pub(super) fn left_out(family: &str, why: &str) -> String {
    format!(
        "{family} is left out of this target's figures: the server's data for it makes no valid family ({why})"
    )
}

/// A bucket's upper bound, whatever its spelling (`+Inf`, `Inf`, `1`, `1.0`).
pub(super) fn bound(le: &str) -> f64 {
    le.trim().parse().unwrap_or(f64::NAN)
}

/// One spelling per bound (`+Inf` for infinity), buckets spelled two ways counted together
/// (each spelling's series counted part of the range), and every series with its `+Inf`.
fn buckets(w: &mut Written) -> Result<(), String> {
    let bucket = format!("{}_bucket", w.family);
    let mut merged: Vec<Row> = Vec::with_capacity(w.rows.len());
    let mut at: BTreeMap<BTreeMap<String, String>, usize> = BTreeMap::new();
    let mut infs: BTreeMap<BTreeMap<String, String>, bool> = BTreeMap::new();
    for (name, mut labels, v) in std::mem::take(&mut w.rows) {
        if name == bucket {
            let le = labels.get("le").map_or("", String::as_str);
            let b = bound(le);
            if b.is_nan() {
                return Err(format!("a bucket has le={le:?}, which is no number"));
            }
            if b == f64::INFINITY {
                labels.insert("le".into(), "+Inf".into());
            }
            let mut series = labels.clone();
            series.remove("le");
            *infs.entry(series).or_default() |= b == f64::INFINITY;
            // The same bound spelled another way: the same bucket.
            let key = labels
                .iter()
                .map(|(k, v)| {
                    let v = if k == "le" { format!("{b}") } else { v.clone() };
                    (k.clone(), v)
                })
                .collect();
            if let Some(&i) = at.get(&key) {
                merged[i].2 += v;
                continue;
            }
            at.insert(key, merged.len());
        }
        merged.push((name, labels, v));
    }
    w.rows = merged;
    match infs.iter().find(|(_, has)| !**has) {
        Some((series, _)) => {
            let labels: Vec<String> = series.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            Err(format!(
                "the buckets of {{{}}} have no le=\"+Inf\" over the range",
                labels.join(",")
            ))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Keep, SeriesValue};
    use crate::parse::Parsed;
    use crate::server::exposition::rebuild;
    use crate::server::families::{plan, Read};

    fn row(name: &str, labels: &[(&str, &str)], v: f64) -> Row {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (name.to_string(), labels, v)
    }

    fn planned(family: &str, mtype: MetricType) -> Planned {
        Planned {
            family: family.into(),
            mtype,
            samples: vec![(family.into(), Read::Increase)],
            keep: Keep::Everything,
        }
    }

    fn parsed(plan: &[Planned], rows: Vec<(usize, Vec<Row>)>) -> (Parsed, Vec<String>) {
        let keep = |_: &str, _: MetricType| Keep::Everything;
        rebuild(plan, rows.into_iter().collect(), &keep, 1 << 20).unwrap()
    }

    fn types(p: &Parsed) -> Vec<(&str, MetricType)> {
        let f = &p.snapshot.families;
        f.iter().map(|f| (f.name.as_str(), f.mtype)).collect()
    }

    /// One target's histogram `wait` and another's summary `wait` plan the name twice, both
    /// reading `wait_count` and `wait_sum`: the summary target gets one family, a summary.
    #[test]
    fn a_name_planned_twice_is_written_once_with_the_targets_type() {
        let names: Vec<String> = ["wait", "wait_bucket", "wait_count", "wait_sum"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let plan = plan(&names, &|_, _| Keep::Everything, &|_| false);
        let kinds: Vec<_> = plan.iter().map(|p| (p.family.as_str(), p.mtype)).collect();
        assert_eq!(
            kinds,
            [
                ("wait", MetricType::Histogram),
                ("wait", MetricType::Summary)
            ]
        );
        let tail = vec![row("wait_count", &[], 2.0), row("wait_sum", &[], 0.5)];
        let mut summary = vec![row("wait", &[("quantile", "0.5")], 0.1)];
        summary.extend(tail.clone());
        let (p, notices) = parsed(&plan, vec![(0, tail.clone()), (1, summary)]);
        assert_eq!(types(&p), [("wait", MetricType::Summary)]);
        assert!(notices.is_empty(), "{notices:?}");
        // Without quantiles (a summary of `_count` and `_sum`, as Ruby's client writes).
        let (p, _) = parsed(&plan, vec![(0, tail)]);
        assert_eq!(types(&p), [("wait", MetricType::Summary)]);
        let v = &p.snapshot.families[0].series[0].value;
        assert!(
            matches!(v, SeriesValue::Summary { count: Some(c), sum: Some(s), .. } if *c == 2.0 && *s == 0.5),
            "{v:?}"
        );
    }

    /// Another target's histogram `jobs` took the name `jobs_count`, which this target has
    /// as a counter of its own.
    #[test]
    fn a_count_without_its_histogram_is_a_counter() {
        let plan = [planned("jobs", MetricType::Histogram)];
        let (p, _) = parsed(&plan, vec![(0, vec![row("jobs_count", &[], 4.0)])]);
        assert_eq!(types(&p), [("jobs_count", MetricType::Counter)]);
    }

    /// A histogram without `+Inf` (the page had none, or its series was missing from the
    /// range) is left out with a notice; the target keeps its other families.
    #[test]
    fn a_histogram_without_inf_is_left_out_with_a_notice() {
        let plan = [
            planned("lag", MetricType::Histogram),
            planned("rss_bytes", MetricType::Gauge),
        ];
        let lag = vec![
            row("lag_bucket", &[("shard", "a"), ("le", "1")], 1.0),
            row("lag_bucket", &[("shard", "a"), ("le", "+Inf")], 1.0),
            row("lag_bucket", &[("shard", "b"), ("le", "1")], 1.0),
            row("lag_count", &[("shard", "b")], 1.0),
        ];
        let (p, notices) = parsed(&plan, vec![(0, lag), (1, vec![row("rss_bytes", &[], 7.0)])]);
        assert_eq!(types(&p), [("rss_bytes", MetricType::Gauge)]);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].starts_with("lag is left out") && notices[0].contains("{shard=\"b\"}"),
            "{notices:?}"
        );
    }

    /// `le` spelled `Inf` (and `1` beside `1.0`) is the same bucket: one `+Inf`, the
    /// increases of both spellings added.
    #[test]
    fn bounds_spelled_two_ways_are_one_bucket() {
        let plan = [planned("io", MetricType::Histogram)];
        let rows = vec![
            row("io_bucket", &[("le", "1")], 2.0),
            row("io_bucket", &[("le", "1.0")], 1.0),
            row("io_bucket", &[("le", "Inf")], 3.0),
            row("io_bucket", &[("le", "+Inf")], 2.0),
            row("io_count", &[], 5.0),
        ];
        let (p, notices) = parsed(&plan, vec![(0, rows)]);
        assert!(notices.is_empty(), "{notices:?}");
        let f = &p.snapshot.families[0];
        assert_eq!(f.series.len(), 1);
        let SeriesValue::Histogram { buckets, .. } = &f.series[0].value else {
            panic!("{f:?}");
        };
        let buckets: Vec<(f64, f64)> = buckets.iter().map(|b| (b.le, b.count)).collect();
        assert_eq!(buckets, [(1.0, 3.0), (f64::INFINITY, 5.0)]);
    }

    /// A family the parser still refuses is left out by itself.
    #[test]
    fn a_family_the_parser_refuses_costs_only_itself() {
        let plan = [
            planned("q", MetricType::Summary),
            planned("up_total", MetricType::Counter),
        ];
        let (p, notices) = parsed(
            &plan,
            vec![
                (0, vec![row("q", &[("quantile", "high")], 1.0)]),
                (1, vec![row("up_total", &[], 3.0)]),
            ],
        );
        assert_eq!(types(&p), [("up_total", MetricType::Counter)]);
        assert!(notices[0].starts_with("q is left out"), "{notices:?}");
    }
}
