//! What the lint knows of one family: its name, type, HELP and unit, and counts over its
//! series. Sample values are never kept.
//!
//! promtune's parser hands these over per family, from the lookups it makes anyway
//! ([`super::Gather`]); Go's reading (`--format promtool`) counts them here, series by
//! series ([`Family::go_sample`]), as promtool's own parser groups them.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::model::{LabelCost, MetricType};
use crate::parse::{Label, PassThrough};

/// A set of hashes: no second hashing (SipHash over every series was most of the lint's cost).
type Hashes = HashSet<u64, BuildHasherDefault<PassThrough>>;

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
    /// Samples repeating a series already written.
    pub duplicates: u64,
    /// Per label: its distinct values and whether they look unbounded (promtune's parser).
    pub labels: Vec<LabelCost>,
    /// Go's reading: what its series showed so far.
    go: GoSeries,
}

/// What Go's reading remembers of a family's series while counting them.
#[derive(Debug, Clone, Default)]
struct GoSeries {
    /// The label names seen, each with what it is: `(le, quantile, camelCase)`.
    names: Vec<(String, (bool, bool, bool))>,
    /// The groups seen.
    groups: Hashes,
    first_group: Option<u64>,
    last_group: Option<u64>,
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
            go: GoSeries::default(),
        }
    }

    /// Whether each series is one sample (not a histogram or summary).
    pub fn scalar(&self) -> bool {
        !matches!(
            self.mtype,
            MetricType::Histogram | MetricType::GaugeHistogram | MetricType::Summary
        )
    }

    /// Counts the label names of the parser's label statistics: per name, the series that
    /// carry it.
    pub(crate) fn count_names(&mut self, labels: Vec<LabelCost>) {
        for l in &labels {
            let n = l.series.unwrap_or(0);
            self.le_series += if l.name == "le" { n } else { 0 };
            self.quantile_series += if l.name == "quantile" { n } else { 0 };
            self.camel_labels += if camel(&l.name) { n } else { 0 };
        }
        self.labels = labels;
    }

    /// Go's reading: counts one sample line of series `group` (its labels, bucket bound or
    /// quantile left out, are `labels`; `width`: it is a bucket or a quantile). Every line
    /// of a counter, gauge or untyped family is a series of its own, as Go's parser makes it.
    pub(crate) fn go_sample<'s, 'a: 's>(
        &mut self,
        group: u64,
        width: bool,
        labels: impl Iterator<Item = &'s Label<'a>>,
    ) {
        let scalar = self.scalar();
        let go = &mut self.go;
        // Another bucket, quantile, sum or count of the series just read: no lookup.
        if !scalar && go.last_group == Some(group) {
            if width && go.first_group == Some(group) {
                self.first_width += 1;
            }
            return;
        }
        go.last_group = Some(group);
        let fresh = go.groups.insert(group);
        go.first_group.get_or_insert(group);
        if width && go.first_group == Some(group) {
            self.first_width += 1;
        }
        if !fresh && scalar {
            self.duplicates += 1;
        }
        if !(fresh || scalar) {
            return;
        }
        self.series += 1;
        for (k, l) in labels.enumerate() {
            let (le, quantile, camel) = self.go.kind(k, &l.name);
            self.le_series += u64::from(le);
            self.quantile_series += u64::from(quantile);
            self.camel_labels += u64::from(camel);
        }
    }
}

impl GoSeries {
    /// What label `name`, the `k`-th of its series, is: a family's series mostly write their
    /// labels in one order, so the `k`-th name is tried first and each name's scans are
    /// made once per family, not per series.
    fn kind(&mut self, k: usize, name: &str) -> (bool, bool, bool) {
        if let Some((_, kind)) = self.names.get(k).filter(|(n, _)| n == name) {
            return *kind;
        }
        if let Some((_, kind)) = self.names.iter().find(|(n, _)| n == name) {
            return *kind;
        }
        let kind = (name == "le", name == "quantile", camel(name));
        self.names.push((name.to_string(), kind));
        kind
    }
}

/// camelCase as promlint finds it: a lower-case letter followed by an upper-case one.
pub fn camel(name: &str) -> bool {
    name.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}
