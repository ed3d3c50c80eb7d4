//! What the lint knows of one family, gathered while parsing: its name, type, HELP and
//! unit, and label statistics per series. Sample values are never kept.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::model::MetricType;
use crate::parse::{Label, PassThrough};

/// A set of hashes: no second hashing (SipHash over every series was most of the lint's cost).
type Hashes = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// Distinct values remembered per label, past which only the count of ID-like values grows.
const VALUES_KEPT: usize = 256;

/// One label name's values across a family's series.
#[derive(Debug, Clone, Default)]
pub struct LabelValues {
    /// The label name.
    pub name: String,
    /// Hashes of the distinct values seen (at most [`VALUES_KEPT`]).
    seen: Hashes,
    /// Distinct values that look unbounded (IDs, UUIDs, raw paths), counted while the
    /// distinct values are remembered.
    pub unbounded: u64,
    /// The first value that looked unbounded.
    pub example: Option<String>,
    /// What the name is, decided once: `(le, quantile, camelCase)`.
    kind: (bool, bool, bool),
    /// The hash of the value last tallied.
    last: Option<u64>,
}

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
    pub(crate) fn sample<'s, 'a: 's>(
        &mut self,
        seen: Seen,
        labels: impl Iterator<Item = &'s Label<'a>>,
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
        if !(fresh || seen.own && self.scalar()) {
            return;
        }
        self.series += 1;
        for (k, l) in labels.enumerate() {
            let i = self.label(k, &l.name);
            let (le, quantile, camel) = self.labels[i].kind;
            self.le_series += u64::from(le);
            self.quantile_series += u64::from(quantile);
            self.camel_labels += u64::from(camel);
            if seen.tally {
                self.tally(i, l);
            }
        }
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
        self.labels.push(LabelValues {
            name: name.to_string(),
            kind: (name == "le", name == "quantile", camel(name)),
            ..LabelValues::default()
        });
        self.labels.len() - 1
    }

    /// Remembers the value of label `label`, entry `i`, by the hash the lexer took of the
    /// pair (the label name is the same for every value, so the hashes tell values apart as
    /// well as hashes of the values would, without hashing again).
    fn tally(&mut self, i: usize, label: &Label<'_>) {
        let l = &mut self.labels[i];
        // The value of the previous series again (a family's `job` or `instance`): no lookup.
        if l.seen.len() >= VALUES_KEPT || l.last == Some(label.hash) {
            return;
        }
        l.last = Some(label.hash);
        let value = &*label.value;
        if l.seen.insert(label.hash) && super::ids::unbounded(value) {
            l.unbounded += 1;
            if l.example.is_none() {
                l.example = Some(value.to_string());
            }
        }
    }
}

/// camelCase as promlint finds it: a lower-case letter followed by an upper-case one.
pub fn camel(name: &str) -> bool {
    name.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}
