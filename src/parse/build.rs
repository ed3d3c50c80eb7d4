//! The sink that builds the [`Snapshot`]: families with their series grouped, kept whole,
//! summed down to a few labels, or not at all, as the caller's retention says.

use std::collections::HashMap;

use crate::model::{
    Bucket, Family, FamilyStats, Keep, Labels, MetricType, Retention, Series, SeriesValue,
    Snapshot, Stats, Suffix,
};

use super::{hash, FamilyHeader, SampleRef, Sink};

/// Builds a snapshot.
///
/// A family whose samples appear in several places (the text format allows it) is merged
/// into one [`Family`] and one [`FamilyStats`].
pub(crate) struct SnapshotBuilder<'r> {
    snapshot: Snapshot,
    retain: Option<Retention<'r>>,
    /// The family being filled, if retained, and the labels it is summed by.
    current: Option<(usize, Option<Vec<String>>)>,
    families: HashMap<String, usize>,
    stats: HashMap<String, usize>,
    /// `(family index, group hash)` → series index, for series written in several places
    /// or summed together.
    series: HashMap<(usize, u64), usize>,
}

impl<'r> SnapshotBuilder<'r> {
    pub(crate) fn new(retain: Option<Retention<'r>>) -> Self {
        SnapshotBuilder {
            snapshot: Snapshot::default(),
            retain,
            current: None,
            families: HashMap::new(),
            stats: HashMap::new(),
            series: HashMap::new(),
        }
    }

    pub(crate) fn finish(self) -> Snapshot {
        self.snapshot
    }

    pub(crate) fn stats_mut(&mut self) -> &mut Stats {
        &mut self.snapshot.stats
    }
}

fn empty_value(t: MetricType, summed: bool) -> SeriesValue {
    match t {
        MetricType::Histogram | MetricType::GaugeHistogram => SeriesValue::Histogram {
            buckets: Vec::new(),
            sum: None,
            count: None,
        },
        MetricType::Summary => SeriesValue::Summary {
            quantiles: Vec::new(),
            sum: None,
            count: None,
        },
        _ if summed => SeriesValue::Scalar(0.0),
        _ => SeriesValue::Scalar(f64::NAN),
    }
}

/// Sets a value, or adds to it when series are summed (non-finite values are not added).
fn put(slot: &mut Option<f64>, v: f64, summed: bool) {
    *slot = match (*slot, summed) {
        (Some(old), true) if v.is_finite() => Some(old + v),
        (Some(old), true) => Some(old),
        _ => Some(v),
    };
}

impl Sink for SnapshotBuilder<'_> {
    fn family(&mut self, h: &FamilyHeader<'_>) {
        self.current = None;
        let keep = self.retain.map_or(Keep::Everything, |f| f(h.name, h.mtype));
        let by = match keep {
            Keep::Nothing => return,
            Keep::Everything => None,
            Keep::SumBy(labels) => Some(labels),
        };
        if let Some(&i) = self.families.get(h.name) {
            self.current = Some((i, by));
            return;
        }
        let i = self.snapshot.families.len();
        self.families.insert(h.name.to_string(), i);
        self.current = Some((i, by));
        self.snapshot.families.push(Family {
            name: h.name.to_string(),
            mtype: h.mtype,
            help: h.help.map(str::to_string),
            unit: h.unit.map(str::to_string),
            line: h.line,
            series: Vec::new(),
        });
    }

    fn sample(&mut self, s: &SampleRef<'_, '_>) {
        if let Some(ts) = s.timestamp {
            let latest = &mut self.snapshot.stats.latest_timestamp;
            *latest = Some(latest.map_or(ts, |l: f64| l.max(ts)));
        }
        let Some((fi, by)) = &self.current else {
            return;
        };
        let fi = *fi;
        let Some(fam) = self.snapshot.families.get_mut(fi) else {
            return;
        };
        let skip = if s.le.is_some() {
            "le"
        } else if s.quantile.is_some() {
            "quantile"
        } else {
            ""
        };
        // Summaries are never summed: quantiles do not add up.
        let summed = by.is_some() && fam.mtype != MetricType::Summary;
        let kept = |name: &str| {
            name != skip
                && by
                    .as_ref()
                    .filter(|_| summed)
                    .is_none_or(|b| b.iter().any(|x| x == name))
        };
        let key = if summed {
            hash::label_subset(s.labels, kept)
        } else {
            s.group
        };
        let index = match self.series.get(&(fi, key)) {
            Some(&i) => i,
            None => {
                let labels = Labels::from_pairs(
                    s.labels
                        .iter()
                        .filter(|l| kept(&l.name))
                        .map(|l| (&*l.name, &*l.value)),
                );
                self.series.insert((fi, key), fam.series.len());
                fam.series.push(Series {
                    labels,
                    value: empty_value(fam.mtype, summed),
                    created: None,
                    timestamp: None,
                });
                fam.series.len() - 1
            }
        };
        let Some(series) = fam.series.get_mut(index) else {
            return;
        };
        if s.timestamp.is_some() {
            series.timestamp = s.timestamp;
        }
        match (&mut series.value, s.suffix) {
            (_, Suffix::Created) => series.created = Some(s.value),
            (SeriesValue::Histogram { buckets, .. }, Suffix::Bucket) => {
                if let Some(le) = s.le {
                    match buckets.iter_mut().find(|b| b.le == le).filter(|_| summed) {
                        Some(b) if s.value.is_finite() => b.count += s.value,
                        Some(_) => {}
                        None => buckets.push(Bucket { le, count: s.value }),
                    }
                }
            }
            (
                SeriesValue::Histogram { sum, .. } | SeriesValue::Summary { sum, .. },
                Suffix::Sum | Suffix::GSum,
            ) => put(sum, s.value, summed),
            (
                SeriesValue::Histogram { count, .. } | SeriesValue::Summary { count, .. },
                Suffix::Count | Suffix::GCount,
            ) => put(count, s.value, summed),
            (SeriesValue::Summary { quantiles, .. }, Suffix::None) => {
                if let Some(q) = s.quantile {
                    quantiles.push((q, s.value));
                }
            }
            (SeriesValue::Scalar(v), _) if summed => {
                *v += if s.value.is_finite() { s.value } else { 0.0 }
            }
            (SeriesValue::Scalar(v), _) => *v = s.value,
            _ => {}
        }
    }

    fn end_family(&mut self, stats: FamilyStats) {
        self.current = None;
        let all = &mut self.snapshot.stats.families;
        match self.stats.get(&stats.name) {
            Some(&i) => {
                all[i].series += stats.series;
                all[i].samples += stats.samples;
            }
            None => {
                self.stats.insert(stats.name.clone(), all.len());
                all.push(stats);
            }
        }
    }
}
