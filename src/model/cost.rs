//! What a source's series cost: how many Prometheus stores per scrape, per family and per
//! label, as plain data. Filled from a parsed page (`parse` gathers the label statistics
//! while it reads) or from a server's answers (`server`); judged in `detect::cost`.

use super::MetricType;

/// The cost of one target's (or one job's) series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cost {
    /// Samples per scrape as Prometheus stores them: a histogram's buckets, `_sum`, `_count`
    /// and `_created` each count. For a page this equals Prometheus's `scrape_samples_scraped`.
    pub series: u64,
    /// Samples per scrape after promtune's proposed `metric_relabel_configs`, when rules
    /// were worked out; equals Prometheus's `scrape_samples_post_metric_relabeling` then.
    pub series_after: Option<u64>,
    /// The scrape interval the per-second and per-day figures use, and where it came from;
    /// `None` when unknown (then those figures are unknown too).
    pub interval: Option<(f64, String)>,
    /// Per family, most series first, then by name.
    pub families: Vec<FamilyCost>,
}

/// One family's share of the cost.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyCost {
    /// Family name as exposed (`http_request_duration_seconds`).
    pub name: String,
    /// Declared type.
    pub mtype: MetricType,
    /// Stored samples per scrape for this family (all its sample names).
    pub series: u64,
    /// After promtune's rules, when worked out.
    pub series_after: Option<u64>,
    /// Per label name (never `__name__`), by name.
    pub labels: Vec<LabelCost>,
}

/// One label of a family.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCost {
    /// Label name.
    pub name: String,
    /// Distinct values seen (capped counting is allowed: then `distinct_capped` is true).
    pub distinct: u64,
    /// True when counting stopped at a bound, so `distinct` is a lower bound.
    pub distinct_capped: bool,
    /// Why the values look unbounded, when they do.
    pub suspect: Option<Suspect>,
}

/// Values of a label that look unbounded, with a few examples (as seen, unescaped: every
/// renderer escapes them for its output).
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// What the values look like.
    pub kind: SuspectKind,
    /// Up to a few example values.
    pub examples: Vec<String>,
}

/// The shapes of values that grow without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SuspectKind {
    /// Numeric identifiers (`12345`).
    NumericId,
    /// UUIDs.
    Uuid,
    /// Hex hashes (commit ids, digests).
    HexHash,
    /// Raw URL paths holding IDs (`/api/items/123`).
    RawPath,
    /// E-mail addresses.
    Email,
    /// Timestamps (epoch seconds or milliseconds, ISO 8601).
    Timestamp,
}

impl SuspectKind {
    /// The name used in JSON and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            SuspectKind::NumericId => "numeric_id",
            SuspectKind::Uuid => "uuid",
            SuspectKind::HexHash => "hex_hash",
            SuspectKind::RawPath => "raw_path",
            SuspectKind::Email => "email",
            SuspectKind::Timestamp => "timestamp",
        }
    }
}

impl Cost {
    /// Samples per second at the interval, when the interval is known.
    pub fn per_second(&self, series: u64) -> Option<f64> {
        let (interval, _) = self.interval.as_ref()?;
        (*interval > 0.0).then(|| series as f64 / interval)
    }

    /// Samples per day at the interval, when the interval is known.
    pub fn per_day(&self, series: u64) -> Option<f64> {
        self.per_second(series).map(|s| s * 86_400.0)
    }
}
