//! Two scrapes of one target made into one snapshot of what happened between them.
//!
//! Cumulative values (counters, histograms, summaries' `_sum` and `_count`, and anything
//! named `…_total`, which some exporters declare as a gauge) become their increase; the rest
//! keep the later value. The rules are PromQL's `increase()`: a value that went down means the
//! counter was reset (the process restarted), so its later value counts from zero.

use std::collections::BTreeMap;

use super::{le_text, Family, Labels, MetricType, Series, SeriesValue, Snapshot};

/// A cumulative series whose value went down between the two scrapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reset {
    /// Family name.
    pub family: String,
    /// The series' labels (as retained for analysis).
    pub labels: Labels,
    /// What went down: `value`, `_count`, `_bucket{le="…"}` or `_created`.
    pub what: String,
    /// The earlier value.
    pub before: f64,
    /// The later value.
    pub after: f64,
}

/// What happened between `earlier` and `later`, plus every reset seen. `counts_up` names
/// families to treat as cumulative beyond the declared counters. Counts in the statistics are
/// the later scrape's.
pub fn increase(
    earlier: &Snapshot,
    later: &Snapshot,
    counts_up: &dyn Fn(&Family) -> bool,
) -> (Snapshot, Vec<Reset>) {
    let before: BTreeMap<&str, &Family> = earlier
        .families
        .iter()
        .rev() // the first family of a name wins, as in `Snapshot::family`
        .map(|f| (f.name.as_str(), f))
        .collect();
    let mut resets = Vec::new();
    let mut families = Vec::with_capacity(later.families.len());
    for fam in &later.families {
        let mut out = fam.clone();
        if let Some(old) = before
            .get(fam.name.as_str())
            .filter(|_| cumulative(fam) || counts_up(fam))
        {
            let old_series: BTreeMap<&Labels, &Series> =
                old.series.iter().map(|s| (&s.labels, s)).collect();
            for s in &mut out.series {
                if let Some(o) = old_series.get(&s.labels) {
                    if let Some(r) = subtract(s, o) {
                        resets.push(Reset {
                            family: fam.name.clone(),
                            labels: s.labels.clone(),
                            what: r.0,
                            before: r.1,
                            after: r.2,
                        });
                    }
                }
            }
        }
        families.push(out);
    }
    let snap = Snapshot {
        families,
        stats: later.stats.clone(),
    };
    (snap, resets)
}

/// Whether a family's values only ever grow while the process lives.
fn cumulative(f: &Family) -> bool {
    matches!(
        f.mtype,
        MetricType::Counter | MetricType::Histogram | MetricType::Summary
    ) || f.name.ends_with("_total")
}

/// What went down, from what, to what.
type WentDown = (String, f64, f64);

/// `Some` when the later value is below the earlier one.
fn down(what: impl FnOnce() -> String, before: f64, after: f64) -> Option<WentDown> {
    (after < before).then(|| (what(), before, after))
}

/// The first component of a histogram or summary that went down, if any.
fn first_drop(old: &SeriesValue, new: &SeriesValue) -> Option<WentDown> {
    let count = |v: &SeriesValue| match v {
        SeriesValue::Histogram { count, .. } | SeriesValue::Summary { count, .. } => *count,
        SeriesValue::Scalar(_) => None,
    };
    if let (Some(a), Some(b)) = (count(old), count(new)) {
        if let Some(d) = down(|| "_count".into(), a, b) {
            return Some(d);
        }
    }
    if let (SeriesValue::Histogram { buckets: a, .. }, SeriesValue::Histogram { buckets: b, .. }) =
        (old, new)
    {
        if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.le != y.le) {
            // A changed bucket layout cannot be subtracted: start over, as after a restart.
            return Some(("bucket layout".into(), a.len() as f64, b.len() as f64));
        }
        return a.iter().zip(b).find_map(|(x, y)| {
            down(
                || format!("_bucket{{le=\"{}\"}}", le_text(x.le)),
                x.count,
                y.count,
            )
        });
    }
    None
}

/// Turns `s` into its increase since `old`; on a reset leaves `s` as it is (its value since
/// the restart) and says what went down.
fn subtract(s: &mut Series, old: &Series) -> Option<WentDown> {
    if let (Some(a), Some(b)) = (old.created, s.created) {
        if b > a {
            return Some(("_created".into(), a, b));
        }
    }
    let opt = |new: &mut Option<f64>, old: Option<f64>| {
        if let (Some(n), Some(o)) = (new.as_mut(), old) {
            *n -= o;
        }
    };
    match (&mut s.value, &old.value) {
        (SeriesValue::Scalar(v), SeriesValue::Scalar(o)) => {
            if let Some(d) = down(|| "value".into(), *o, *v) {
                return Some(d);
            }
            *v -= o;
        }
        (new, old) => {
            if let Some(d) = first_drop(old, new) {
                return Some(d);
            }
            match (new, old) {
                (
                    SeriesValue::Histogram {
                        buckets,
                        sum,
                        count,
                    },
                    SeriesValue::Histogram {
                        buckets: ob,
                        sum: os,
                        count: oc,
                    },
                ) => {
                    for (b, o) in buckets.iter_mut().zip(ob) {
                        b.count -= o.count;
                    }
                    opt(sum, *os);
                    opt(count, *oc);
                }
                (
                    SeriesValue::Summary { sum, count, .. },
                    SeriesValue::Summary {
                        sum: os, count: oc, ..
                    },
                ) => {
                    // Quantiles are already over a recent window: they keep the later value.
                    opt(sum, *os);
                    opt(count, *oc);
                }
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::snapshot_of as snap;

    fn scalar(s: &Snapshot, fam: &str, i: usize) -> f64 {
        match s.family(fam).unwrap().series[i].value {
            SeriesValue::Scalar(v) => v,
            ref other => panic!("{other:?}"),
        }
    }

    const BEFORE: &str = "# TYPE req_total counter\nreq_total{path=\"/a\"} 10\nreq_total{path=\"/b\"} 5\n\
        # TYPE mem gauge\nmem 100\n# TYPE odd_total gauge\nodd_total 7\n\
        # TYPE lat histogram\nlat_bucket{le=\"0.1\"} 4\nlat_bucket{le=\"+Inf\"} 6\nlat_sum 1.5\nlat_count 6\n";

    #[test]
    fn cumulative_values_become_increases_and_gauges_keep_the_later_value() {
        let after = "# TYPE req_total counter\nreq_total{path=\"/a\"} 25\nreq_total{path=\"/b\"} 5\nreq_total{path=\"/c\"} 2\n\
            # TYPE mem gauge\nmem 80\n# TYPE odd_total gauge\nodd_total 9\n\
            # TYPE lat histogram\nlat_bucket{le=\"0.1\"} 10\nlat_bucket{le=\"+Inf\"} 16\nlat_sum 4\nlat_count 16\n";
        let (d, resets) = increase(&snap(BEFORE), &snap(after), &|_| false);
        assert!(resets.is_empty(), "{resets:?}");
        assert_eq!(scalar(&d, "req_total", 0), 15.0);
        assert_eq!(scalar(&d, "req_total", 1), 0.0);
        assert_eq!(
            scalar(&d, "req_total", 2),
            2.0,
            "a new series counts from zero"
        );
        assert_eq!(scalar(&d, "mem", 0), 80.0);
        assert_eq!(
            scalar(&d, "odd_total", 0),
            2.0,
            "…_total is cumulative whatever its type"
        );
        let SeriesValue::Histogram {
            buckets,
            sum,
            count,
        } = &d.family("lat").unwrap().series[0].value
        else {
            panic!()
        };
        assert_eq!(
            buckets.iter().map(|b| b.count).collect::<Vec<_>>(),
            vec![6.0, 10.0]
        );
        assert_eq!((*sum, *count), (Some(2.5), Some(10.0)));
    }

    #[test]
    fn a_counter_that_goes_down_was_reset_and_counts_from_zero() {
        let after = "# TYPE req_total counter\nreq_total{path=\"/a\"} 3\nreq_total{path=\"/b\"} 6\n\
            # TYPE lat histogram\nlat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 9\nlat_sum 1\nlat_count 9\n";
        let (d, resets) = increase(&snap(BEFORE), &snap(after), &|_| false);
        assert_eq!(scalar(&d, "req_total", 0), 3.0);
        assert_eq!(scalar(&d, "req_total", 1), 1.0);
        let got: Vec<_> = resets
            .iter()
            .map(|r| {
                (
                    r.family.as_str(),
                    r.labels.to_string(),
                    r.what.as_str(),
                    r.before,
                    r.after,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "req_total",
                    r#"{path="/a"}"#.to_string(),
                    "value",
                    10.0,
                    3.0
                ),
                ("lat", "{}".to_string(), "_bucket{le=\"0.1\"}", 4.0, 1.0),
            ]
        );
        let SeriesValue::Histogram { count, .. } = &d.family("lat").unwrap().series[0].value else {
            panic!()
        };
        assert_eq!(
            *count,
            Some(9.0),
            "a reset histogram keeps its later values"
        );
    }

    #[test]
    fn a_changed_bucket_layout_or_created_time_is_a_reset() {
        let after = "# TYPE lat histogram\nlat_bucket{le=\"0.5\"} 40\nlat_bucket{le=\"+Inf\"} 60\nlat_sum 9\nlat_count 60\n";
        let (_, resets) = increase(&snap(BEFORE), &snap(after), &|_| false);
        assert_eq!(resets[0].what, "bucket layout");
        let om = |v: u32, created: u32| {
            format!("# TYPE c counter\nc_total {v}\nc_created {created}\n# EOF\n")
        };
        let (d, resets) = increase(&snap(&om(50, 100)), &snap(&om(60, 200)), &|_| false);
        assert_eq!(
            (resets[0].what.as_str(), scalar(&d, "c", 0)),
            ("_created", 60.0)
        );
    }
}
