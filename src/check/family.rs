//! What the lint knows of one family, gathered while parsing: its name, type, HELP and
//! unit, and label statistics per series. Sample values are never kept.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::model::MetricType;
use crate::parse::PassThrough;

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
    groups: Hashes,
    first_group: Option<u64>,
    last_group: Option<u64>,
}

/// How a sample is counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    /// Its series' label hash (without a histogram's `le` or a summary's `quantile`).
    pub(crate) group: u64,
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
    pub(crate) fn sample<'a>(
        &mut self,
        seen: Seen,
        labels: impl Iterator<Item = (&'a str, &'a str)>,
    ) {
        // Another bucket, quantile, sum or count of the series just read: no lookup.
        if !self.scalar() && self.last_group == Some(seen.group) {
            if seen.width && self.first_group == Some(seen.group) {
                self.first_width += 1;
            }
            return;
        }
        self.last_group = Some(seen.group);
        let fresh = self.groups.insert(seen.group);
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
        for (k, (name, value)) in labels.enumerate() {
            let i = self.label(k, name);
            let (le, quantile, camel) = self.labels[i].kind;
            self.le_series += u64::from(le);
            self.quantile_series += u64::from(quantile);
            self.camel_labels += u64::from(camel);
            if seen.tally {
                self.tally(i, value);
            }
        }
    }

    /// The index of label `name`, the `k`-th of its series, in [`Family::labels`]: a family's
    /// series mostly write their labels in one order, so the `k`-th entry is tried first and
    /// the name's scans (camelCase, `le`, `quantile`) are done once per family, not per series.
    fn label(&mut self, k: usize, name: &str) -> usize {
        if self.labels.get(k).is_some_and(|l| l.name == name) {
            return k;
        }
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

    fn tally(&mut self, i: usize, value: &str) {
        let l = &mut self.labels[i];
        if l.seen.len() >= VALUES_KEPT {
            return;
        }
        if l.seen.insert(crate::parse::hash_bytes(value.as_bytes())) && super::ids::unbounded(value)
        {
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
