//! What the lint knows of one family, gathered while parsing: its name, type, HELP and
//! unit, and label statistics per series. Sample values are never kept.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use super::labels::LabelValues;
use crate::model::MetricType;
use crate::parse::{Answers, Label, PassThrough};

/// A set of hashes: no second hashing (SipHash over every series was most of the lint's cost).
pub(super) type Hashes = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// One family as the lint rules see it.
#[derive(Debug, Clone)]
pub struct Family {
    /// The family name.
    pub name: String,
    /// Its type (untyped is [`MetricType::Unknown`]).
    pub mtype: MetricType,
    /// Whether it has a non-empty HELP.
    pub help: bool,
    /// Its `# UNIT`, if declared (OpenMetrics).
    pub unit: Option<String>,
    /// Read from an OpenMetrics page.
    pub om: bool,
    /// The line where it begins.
    pub line: u64,
    /// Its samples carry `_total` (a counter written `foo_total` under `# TYPE foo`).
    pub total: bool,
    /// Series: a histogram's or summary's buckets, sum and count are one.
    pub series: u64,
    /// Sample lines: the series a scrape adds to the TSDB.
    pub samples: u64,
    /// Buckets or quantiles of the first series.
    pub first_width: u64,
    /// Series with a label called `le` (not a histogram's bucket bound).
    pub le_series: u64,
    /// Series with a label called `quantile` (not a summary's).
    pub quantile_series: u64,
    /// camelCase label names, counted once per series.
    pub camel_labels: u64,
    /// Series written again with the same labels.
    pub duplicates: u64,
    /// Label statistics, when gathered.
    pub labels: Vec<LabelValues>,
    /// The groups seen: all of them when looked up here; when the parser says which are
    /// new, only those of the blocks before the current one, once the family has come back.
    groups: Hashes,
    /// The groups the parser found new, while the family has been written in one place:
    /// kept in case it comes back, when they become [`Family::groups`].
    written: Vec<u64>,
    /// The family has been written in more than one place.
    reopened: bool,
    /// Groups whose first sample was a `_created` one, which the lint does not count: the
    /// parser will not call them new again.
    created_first: Hashes,
    first_group: Option<u64>,
    last_group: Option<u64>,
    /// The parser's count has seen a value the lint did not tally (in a sample the lint
    /// skips), or could not say: its answers no longer match the lint's, which from then on
    /// looks values up in sets of its own.
    own_tally: bool,
    /// The same for labels called `le` or `quantile` only: the count also sees the bucket
    /// bounds and quantiles, which the lint leaves out.
    own_bound: bool,
}

/// How a sample is counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    /// Its series' label hash (without a histogram's `le` or a summary's `quantile`).
    pub(crate) group: u64,
    /// Whether the parser found `group` new in its current block of the family (`None`:
    /// look it up here).
    pub(crate) new: Option<bool>,
    /// Every line is a series of its own (Go's text parser, for counters, gauges, untyped).
    pub(crate) own: bool,
    /// It is a bucket or a quantile.
    pub(crate) width: bool,
    /// Label values are tallied for the cardinality rules.
    pub(crate) tally: bool,
    /// What the parser's count knew of each label value (nothing, for Go's text parser).
    pub(crate) values: Answers,
}

impl Family {
    /// A family with no series yet.
    pub fn new(name: &str, mtype: MetricType, line: u64) -> Family {
        Family {
            name: name.to_string(),
            mtype,
            help: false,
            unit: None,
            om: false,
            line,
            total: false,
            series: 0,
            samples: 0,
            first_width: 0,
            le_series: 0,
            quantile_series: 0,
            camel_labels: 0,
            duplicates: 0,
            labels: Vec::new(),
            groups: Hashes::default(),
            written: Vec::new(),
            reopened: false,
            created_first: Hashes::default(),
            first_group: None,
            last_group: None,
            own_tally: false,
            own_bound: false,
        }
    }

    /// Whether each series is one sample (not a histogram or summary).
    pub fn scalar(&self) -> bool {
        !matches!(
            self.mtype,
            MetricType::Histogram | MetricType::GaugeHistogram | MetricType::Summary
        )
    }

    /// Counts one sample whose labels (bucket bound or quantile left out) are `labels`.
    /// `labels` come with their positions in the sample, `skip`: the position left out.
    pub(crate) fn sample<'s, 'a: 's>(
        &mut self,
        seen: Seen,
        (labels, n, skip): (
            impl Iterator<Item = (usize, &'s Label<'a>)>,
            usize,
            Option<usize>,
        ),
    ) {
        let fresh = match seen.new {
            // The parser has looked the group up: another bucket, sum or count of a series
            // is not new to it either.
            Some(new) => self.fresh(seen.group, new),
            None => {
                // Another bucket, quantile, sum or count of the series just read: no lookup.
                if !self.scalar() && self.last_group == Some(seen.group) {
                    if seen.width && self.first_group == Some(seen.group) {
                        self.first_width += 1;
                    }
                    return;
                }
                self.last_group = Some(seen.group);
                self.groups.insert(seen.group)
            }
        };
        if self.first_group.is_none() {
            self.first_group = Some(seen.group);
        }
        if seen.width && self.first_group == Some(seen.group) {
            self.first_width += 1;
        }
        if !fresh && self.scalar() {
            self.duplicates += 1;
        }
        let counted = fresh || seen.own && self.scalar();
        if seen.tally {
            self.compare(seen.values, n, skip, counted);
        }
        if !counted {
            return;
        }
        self.series += 1;
        for (k, (p, l)) in labels.enumerate() {
            let i = self.label(k, &l.name);
            let (le, quantile, camel) = self.labels[i].kind;
            self.le_series += u64::from(le);
            self.quantile_series += u64::from(quantile);
            self.camel_labels += u64::from(camel);
            if seen.tally {
                let own = self.own_tally || self.own_bound && (le || quantile);
                let new = seen.values.at(p).filter(|_| !own);
                self.labels[i].tally(l, new);
            }
        }
    }

    /// Keeps the parser's count and the lint's tally in step: the count has seen every
    /// value the lint tallies, at the same sample or before, so while it has seen no other
    /// its "new" is the lint's. A value new to it in a sample the lint does not tally
    /// (`counted`: it does), or one it could not say about, ends that.
    pub(crate) fn compare(
        &mut self,
        values: Answers,
        n: usize,
        skip: Option<usize>,
        counted: bool,
    ) {
        // The count saw nothing new (most samples): nothing to compare.
        if values.known == u64::MAX && values.new == 0 && n <= 64 {
            return;
        }
        let (mut unseen, past) = values.unseen(n);
        if let Some(bit) = skip.and_then(|p| 1u64.checked_shl(u32::try_from(p).ok()?)) {
            self.own_bound |= unseen & bit != 0;
            unseen &= !bit;
        }
        let unknown = !values.known & unseen;
        self.own_tally |= past || if counted { unknown != 0 } else { unseen != 0 };
    }

    /// Whether `group` is new in the family, `new` saying whether it is new in the parser's
    /// current block of it: for a family written in one place (nearly every one) that is
    /// the answer, with no lookup; its new groups are noted in case it comes back.
    fn fresh(&mut self, group: u64, new: bool) -> bool {
        let new = new || (!self.created_first.is_empty() && self.created_first.remove(&group));
        if !new {
            return false;
        }
        if self.reopened {
            return self.groups.insert(group);
        }
        self.written.push(group);
        true
    }

    /// A `_created` sample, not counted: if it is the first of its group, the group's next
    /// sample is its first for the lint.
    pub(crate) fn created(&mut self, group: u64, new: bool) {
        if new {
            self.created_first.insert(group);
        }
    }

    /// The family is written again, further on (the text format allows it): from now on
    /// the groups the parser calls new are looked up among those of the earlier places.
    pub(crate) fn reopen(&mut self) {
        if !self.reopened {
            self.reopened = true;
            self.groups.extend(std::mem::take(&mut self.written));
        }
    }

    /// The index of label `name`, the `k`-th of its series, in [`Family::labels`]: a family's
    /// series mostly write their labels in one order, so the `k`-th entry is tried first and
    /// the name's scans (camelCase, `le`, `quantile`) are done once per family, not per series.
    #[inline]
    fn label(&mut self, k: usize, name: &str) -> usize {
        if self.labels.get(k).is_some_and(|l| l.name == name) {
            return k;
        }
        self.label_elsewhere(name)
    }

    #[cold]
    fn label_elsewhere(&mut self, name: &str) -> usize {
        if let Some(i) = self.labels.iter().position(|l| l.name == name) {
            return i;
        }
        self.labels.push(LabelValues::new(name));
        self.labels.len() - 1
    }
}
