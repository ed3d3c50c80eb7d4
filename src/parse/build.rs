//! The sink that builds the [`Snapshot`]: families with their series grouped.

use std::collections::HashMap;

use crate::model::{
    Bucket, Family, FamilyStats, Labels, MetricType, Series, SeriesValue, Snapshot, Suffix,
};

use super::{FamilyHeader, SampleRef, Sink};

/// Builds a snapshot, keeping series only for the families `retain` accepts.
///
/// A family whose samples appear in several places (the text format allows it) is merged
/// into one [`Family`] and one [`crate::model::FamilyStats`].
pub(crate) struct SnapshotBuilder<'r> {
    snapshot: Snapshot,
    retain: Option<&'r dyn Fn(&str) -> bool>,
    /// Index into `snapshot.families` of the family being filled, if retained.
    current: Option<usize>,
    families: HashMap<String, usize>,
    stats: HashMap<String, usize>,
    /// `(family index, group hash)` → series index, for series written in several places.
    series: HashMap<(usize, u64), usize>,
}

impl<'r> SnapshotBuilder<'r> {
    pub(crate) fn new(retain: Option<&'r dyn Fn(&str) -> bool>) -> Self {
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

    pub(crate) fn stats_mut(&mut self) -> &mut crate::model::Stats {
        &mut self.snapshot.stats
    }
}

impl Sink for SnapshotBuilder<'_> {
    fn family(&mut self, h: &FamilyHeader<'_>) {
        self.current = None;
        if !self.retain.is_none_or(|f| f(h.name)) {
            return;
        }
        if let Some(&i) = self.families.get(h.name) {
            self.current = Some(i);
            return;
        }
        let i = self.snapshot.families.len();
        self.families.insert(h.name.to_string(), i);
        self.current = Some(i);
        {
            self.snapshot.families.push(Family {
                name: h.name.to_string(),
                mtype: h.mtype,
                help: h.help.map(str::to_string),
                unit: h.unit.map(str::to_string),
                line: h.line,
                series: Vec::new(),
            });
        }
    }

    fn sample(&mut self, s: &SampleRef<'_, '_>) {
        let Some(fi) = self.current else {
            return;
        };
        let Some(fam) = self.snapshot.families.get_mut(fi) else {
            return;
        };
        let index = self.series.get(&(fi, s.group)).copied();
        if index.is_none() {
            let value = match fam.mtype {
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
                _ => SeriesValue::Scalar(f64::NAN),
            };
            let skip = if s.le.is_some() {
                "le"
            } else if s.quantile.is_some() {
                "quantile"
            } else {
                ""
            };
            let labels = Labels::from_pairs(
                s.labels
                    .iter()
                    .filter(|l| l.name != skip)
                    .map(|l| (&*l.name, &*l.value)),
            );
            self.series.insert((fi, s.group), fam.series.len());
            fam.series.push(Series {
                labels,
                value,
                created: None,
                timestamp: None,
            });
        }
        let at = index.unwrap_or(fam.series.len().saturating_sub(1));
        let Some(series) = fam.series.get_mut(at) else {
            return;
        };
        if s.timestamp.is_some() {
            series.timestamp = s.timestamp;
        }
        match (&mut series.value, s.suffix) {
            (_, Suffix::Created) => series.created = Some(s.value),
            (SeriesValue::Histogram { buckets, .. }, Suffix::Bucket) => {
                if let Some(le) = s.le {
                    buckets.push(Bucket { le, count: s.value });
                }
            }
            (
                SeriesValue::Histogram { sum, .. } | SeriesValue::Summary { sum, .. },
                Suffix::Sum | Suffix::GSum,
            ) => {
                *sum = Some(s.value);
            }
            (
                SeriesValue::Histogram { count, .. } | SeriesValue::Summary { count, .. },
                Suffix::Count | Suffix::GCount,
            ) => {
                *count = Some(s.value);
            }
            (SeriesValue::Summary { quantiles, .. }, Suffix::None) => {
                if let Some(q) = s.quantile {
                    quantiles.push((q, s.value));
                }
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
