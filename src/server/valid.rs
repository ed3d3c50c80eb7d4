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
        Some((series, _)) => Err(format!(
            "buckets {series:?} have no le=\"+Inf\" over the range"
        )),
        None => Ok(()),
    }
}
