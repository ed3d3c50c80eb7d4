//! A parsed exposition: the families kept for analysis and counts over everything read.

use super::{Family, MetricType};

/// Counts for one family, kept for every family even when its series are not retained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyStats {
    /// Family name.
    pub name: String,
    /// Declared type.
    pub mtype: MetricType,
    /// Number of series (a histogram's buckets, sum and count make one series).
    pub series: u64,
    /// Number of sample lines.
    pub samples: u64,
}

/// Totals over the whole input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Lines read.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Per-family counts, in exposition order (a family declared twice is counted once).
    pub families: Vec<FamilyStats>,
    /// The latest sample timestamp of any sample, in seconds, if any sample has one.
    pub latest_timestamp: Option<f64>,
    /// Per-family label statistics (distinct values, suspects), for every family read.
    pub labels: Vec<super::FamilyLabels>,
}

impl Stats {
    /// Total series over all families.
    pub fn series(&self) -> u64 {
        self.families.iter().map(|f| f.series).sum()
    }

    /// Total sample lines over all families.
    pub fn samples(&self) -> u64 {
        self.families.iter().map(|f| f.samples).sum()
    }

    /// `(type, families, series, samples)` for each type present, in [`MetricType::ALL`] order.
    pub fn by_type(&self) -> Vec<(MetricType, u64, u64, u64)> {
        MetricType::ALL
            .iter()
            .filter_map(|&t| {
                let fams: Vec<&FamilyStats> =
                    self.families.iter().filter(|f| f.mtype == t).collect();
                (!fams.is_empty()).then(|| {
                    (
                        t,
                        fams.len() as u64,
                        fams.iter().map(|f| f.series).sum(),
                        fams.iter().map(|f| f.samples).sum(),
                    )
                })
            })
            .collect()
    }

    /// The `n` families with the most series, largest first, ties by name.
    pub fn top_by_series(&self, n: usize) -> Vec<&FamilyStats> {
        let mut v: Vec<&FamilyStats> = self.families.iter().collect();
        v.sort_by(|a, b| b.series.cmp(&a.series).then_with(|| a.name.cmp(&b.name)));
        v.truncate(n);
        v
    }
}

/// The result of parsing one source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Families whose series were retained, in exposition order.
    pub families: Vec<Family>,
    /// Counts over everything read.
    pub stats: Stats,
}

impl Snapshot {
    /// The first retained family called `name`.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// The name PromQL selects family `name`'s values by, as Prometheus stores them:
    /// `<name>_total` for an OpenMetrics counter ([`Family::sample_name`]); `name` itself when
    /// no such family was retained.
    pub fn sample_name(&self, name: &str) -> String {
        self.family(name)
            .map(Family::sample_name)
            .unwrap_or_else(|| name.to_string())
    }
}
