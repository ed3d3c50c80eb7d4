//! The sink that builds the [`Snapshot`]: families with their series grouped, kept whole,
//! summed down to a few labels, or not at all, as the caller's retention says.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use crate::model::{
    Bucket, Cardinality, Family, FamilyStats, Keep, Labels, MetricType, Retention, Series,
    SeriesValue, Snapshot, Stats, Suffix,
};

use super::hash::{self, PassThrough};
use super::{Facts, FamilyHeader, SampleRef, Sink};

/// The labels a family is summed by: these names, and any label whose value `shaped` accepts.
type SumBy = (Vec<String>, Option<fn(&str) -> bool>);

/// Builds a snapshot.
///
/// A family whose samples appear in several places (the text format allows it) is merged
/// into one [`Family`] and one [`FamilyStats`].
pub(crate) struct SnapshotBuilder<'r> {
    snapshot: Snapshot,
    retain: Option<Retention<'r>>,
    /// The family being filled, if retained, and the labels it is summed by.
    current: Option<(usize, Option<SumBy>)>,
    families: HashMap<String, usize>,
    stats: HashMap<String, usize>,
    /// `(family index, group hash)`, combined, → series index, for series written in several
    /// places or summed together. Keys are hashes already: no SipHash over them.
    series: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
    /// Bucket positions by bound for summed series with many buckets, by series slot: past a
    /// few dozen bounds a search per bucket would make one histogram quadratic.
    wide_buckets: HashMap<u64, HashMap<u64, usize>, BuildHasherDefault<PassThrough>>,
    /// The series and bucket position last added to (see [`add_bucket`]).
    last_bucket: (usize, usize),
    /// Sees every family and sample too, retained or not (`check`'s lint).
    observer: Option<&'r mut dyn Sink>,
    /// The observer reads samples ([`Sink::reads_samples`]).
    observed_samples: bool,
    /// Label statistics of every family, retained or not.
    cardinality: Cardinality,
}

impl<'r> SnapshotBuilder<'r> {
    pub(crate) fn new(retain: Option<Retention<'r>>) -> Self {
        SnapshotBuilder {
            snapshot: Snapshot::default(),
            retain,
            current: None,
            families: HashMap::new(),
            stats: HashMap::new(),
            series: HashMap::default(),
            wide_buckets: HashMap::default(),
            last_bucket: (usize::MAX, 0),
            observer: None,
            observed_samples: false,
            cardinality: Cardinality::default(),
        }
    }

    /// The builder with `observer` told of every family and sample.
    pub(crate) fn observed_by(mut self, observer: Option<&'r mut dyn Sink>) -> Self {
        self.observed_samples = observer.as_ref().is_some_and(|o| o.reads_samples());
        // The series carrying each label are counted when the observer wants [`Facts`].
        if observer.as_ref().is_some_and(|o| o.wants_facts()) {
            self.cardinality = Cardinality::counting_series();
        }
        self.observer = observer;
        self
    }

    pub(crate) fn finish(mut self) -> Snapshot {
        self.snapshot.stats.labels = self.cardinality.finish();
        crate::model::fold_created(&mut self.snapshot);
        self.snapshot
    }

    pub(crate) fn stats_mut(&mut self) -> &mut Stats {
        &mut self.snapshot.stats
    }
}

impl SnapshotBuilder<'_> {
    /// Hands a sample's labels to the cardinality count: all of them when it starts a
    /// series, else only its bucket bound or quantile (the rest repeat). When the lint asks,
    /// a label of a series new to the family, other than the bound, counts a series for its
    /// name.
    fn count_labels(&mut self, s: &SampleRef<'_, '_>) {
        let new = self.cardinality.new_series(s.group);
        let bound = s.le.is_some() || s.quantile.is_some();
        if s.new_group && self.cardinality.counts_series() {
            // The lint's loop, apart: every other command keeps the plain one below.
            for (i, l) in s.labels.iter().enumerate() {
                if s.skip == Some(i) {
                    self.cardinality
                        .value::<false>(i, &l.name, l.hash, &l.value);
                } else {
                    self.cardinality.value::<true>(i, &l.name, l.hash, &l.value);
                }
            }
            return;
        }
        for (i, l) in s.labels.iter().enumerate() {
            if new || (bound && matches!(&*l.name, "le" | "quantile")) {
                self.cardinality
                    .value::<false>(i, &l.name, l.hash, &l.value);
            }
        }
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

/// Whether two label names are equal, turning most pairs away on length and first byte:
/// a `memcmp` call per label and candidate name of every retained sample was a quarter of
/// `analyze` on kube-apiserver's output.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// Adds bucket `le` to a series, or its count to the bucket already there when series are
/// summed (non-finite counts are not added); returns the bucket's position. `hint` is where
/// it probably is: the next bucket after the last one added, since every source series lists
/// the same bounds in the same order (a search from the start per bucket was quadratic).
/// `wide` indexes the bounds of a series with many buckets.
fn add_bucket(
    buckets: &mut Vec<Bucket>,
    le: f64,
    count: f64,
    summed: bool,
    hint: usize,
    mut wide: Option<&mut HashMap<u64, usize>>,
) -> usize {
    let is_le = |i: &usize| buckets.get(*i).is_some_and(|b| b.le == le);
    // -0 and 0 are one bound.
    let key = (le + 0.0).to_bits();
    let found = if summed {
        Some(hint)
            .filter(is_le)
            .or(Some(0).filter(is_le))
            .or_else(|| match wide.as_deref_mut() {
                Some(index) => {
                    if index.len() < buckets.len() {
                        index.extend(
                            buckets
                                .iter()
                                .enumerate()
                                .map(|(i, b)| ((b.le + 0.0).to_bits(), i)),
                        );
                    }
                    index.get(&key).copied()
                }
                None => buckets.iter().position(|b| b.le == le),
            })
    } else {
        None
    };
    match found {
        Some(i) => {
            if let Some(b) = buckets.get_mut(i).filter(|_| count.is_finite()) {
                b.count += count;
            }
            i
        }
        None => {
            buckets.push(Bucket { le, count });
            if let Some(index) = wide {
                index.insert(key, buckets.len() - 1);
            }
            buckets.len() - 1
        }
    }
}

/// Bounds per series past which buckets are found through an index.
const WIDE_BUCKETS: usize = 64;

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
        if let Some(o) = self.observer.as_deref_mut() {
            o.family(h);
        }
        self.cardinality.family(h.name, h.line);
        let keep = self.retain.map_or(Keep::Everything, |f| f(h.name, h.mtype));
        let by = match keep {
            Keep::Nothing => return,
            Keep::Everything => None,
            Keep::SumBy(labels) => Some((labels, None)),
            Keep::SumByShaped(labels, shaped) => Some((labels, Some(shaped.0))),
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
            total: false,
        });
    }

    fn sample(&mut self, s: &SampleRef<'_, '_>) {
        if self.observed_samples {
            if let Some(o) = self.observer.as_deref_mut() {
                o.sample(s);
            }
        }
        self.count_labels(s);
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
        fam.total |= s.suffix == Suffix::Total;
        let skip = if s.le.is_some() {
            "le"
        } else if s.quantile.is_some() {
            "quantile"
        } else {
            ""
        };
        // Summaries are summed only when read for their counts (kept by the shape of their
        // labels): quantiles do not add up, so those are then dropped.
        let summed = by
            .as_ref()
            .is_some_and(|(_, shaped)| fam.mtype != MetricType::Summary || shaped.is_some());
        let kept = |l: &crate::parse::lexer::Label<'_>| {
            !same_name(&l.name, skip)
                && by.as_ref().filter(|_| summed).is_none_or(|(b, shaped)| {
                    b.iter().any(|x| same_name(x, &l.name)) || shaped.is_some_and(|f| f(&l.value))
                })
        };
        let key = if summed {
            hash::label_subset(s.labels, kept)
        } else {
            s.group
        };
        let slot = hash::combine(key, fi as u64);
        let index = match self.series.get(&slot) {
            Some(&i) => i,
            None => {
                let labels = Labels::from_pairs(
                    s.labels
                        .iter()
                        .filter(|l| kept(l))
                        .map(|l| (&*l.name, &*l.value)),
                );
                self.series.insert(slot, fam.series.len());
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
            (_, Suffix::Created) => {
                // Summed series began when the first of them did.
                let t = s.value;
                series.created = Some(series.created.filter(|_| summed).map_or(t, |c| c.min(t)));
            }
            (SeriesValue::Histogram { buckets, .. }, Suffix::Bucket) => {
                if let Some(le) = s.le {
                    let (last_series, last) = self.last_bucket;
                    let hint = if last_series == index { last + 1 } else { 0 };
                    let wide = (summed && buckets.len() >= WIDE_BUCKETS)
                        .then(|| self.wide_buckets.entry(slot).or_default());
                    let at = add_bucket(buckets, le, s.value, summed, hint, wide);
                    self.last_bucket = (index, at);
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
            (SeriesValue::Summary { quantiles, .. }, Suffix::None) if !summed => {
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

    fn facts(&mut self, facts: &Facts) {
        if let Some(o) = self.observer.as_deref_mut() {
            o.facts(facts);
        }
    }

    fn wants_facts(&self) -> bool {
        self.observer.as_deref().is_some_and(Sink::wants_facts)
    }

    fn end_family(&mut self, stats: FamilyStats) {
        self.current = None;
        if let Some(o) = self.observer.as_deref_mut() {
            o.end_family(stats.clone());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Summed buckets land on their bound whatever the hint, and counts add up.
    #[test]
    fn buckets_add_up_by_bound() {
        let mut b = Vec::new();
        let mut last = 0;
        for (le, n) in [(0.1, 1.0), (1.0, 2.0), (f64::INFINITY, 3.0)] {
            last = add_bucket(&mut b, le, n, true, last + 1, None);
        }
        // The same bounds again (hint wrong at first), then out of order, then a NaN count.
        for (le, n, hint) in [
            (0.1, 10.0, 3),
            (1.0, 20.0, 1),
            (f64::INFINITY, 30.0, 2),
            (1.0, 100.0, 0),
            (0.1, f64::NAN, 5),
        ] {
            add_bucket(&mut b, le, n, true, hint, None);
        }
        let got: Vec<(f64, f64)> = b.iter().map(|x| (x.le, x.count)).collect();
        assert_eq!(got, vec![(0.1, 11.0), (1.0, 122.0), (f64::INFINITY, 33.0)]);
        // Not summed: every bucket is its own.
        let mut plain = Vec::new();
        add_bucket(&mut plain, 0.1, 1.0, false, 0, None);
        add_bucket(&mut plain, 0.1, 2.0, false, 0, None);
        assert_eq!(plain.len(), 2);
    }
}
