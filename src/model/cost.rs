//! What a source's series cost: how many Prometheus stores per scrape, per family and per
//! label, as plain data. Filled from a parsed page (`parse` gathers the label statistics
//! while it reads) or from a server's answers (`server`); judged in `detect::cost`.

use std::collections::HashMap;

use super::{MetricType, Stats};

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
    /// Series carrying the label (a histogram's bucket bound and a summary's quantile do not
    /// count), when counted: read from a page for the lint (`check`); `None` otherwise.
    pub series: Option<u64>,
}

/// Values of a label that look unbounded, with a few examples (as seen, unescaped: every
/// renderer escapes them for its output).
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// What the values look like.
    pub kind: SuspectKind,
    /// Up to a few example values.
    pub examples: Vec<String>,
    /// Distinct values of that shape among those looked at.
    pub matching: u32,
    /// Distinct values looked at (the first ones, at most a few hundred).
    pub looked_at: u32,
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
    /// The values the kind names, in words.
    pub fn words(self) -> &'static str {
        match self {
            SuspectKind::NumericId => "numeric IDs",
            SuspectKind::Uuid => "UUIDs",
            SuspectKind::HexHash => "hex hashes",
            SuspectKind::RawPath => "raw URL paths with IDs",
            SuspectKind::Email => "e-mail addresses",
            SuspectKind::Timestamp => "timestamps",
        }
    }

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
    /// The cost of a parsed page: every sample line is a sample Prometheus stores
    /// (`scrape_samples_scraped` counts them all, OpenMetrics `_created` lines included), and
    /// the text format's `<name>_created` gauges count with the family they date.
    pub fn of(stats: &Stats, interval: Option<(f64, String)>) -> Cost {
        let types: HashMap<&str, MetricType> = stats
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.mtype))
            .collect();
        let labels: HashMap<&str, &Vec<LabelCost>> = stats
            .labels
            .iter()
            .map(|f| (f.name.as_str(), &f.labels))
            .collect();
        let mut families: Vec<FamilyCost> = Vec::with_capacity(stats.families.len());
        let mut at: HashMap<&str, usize> = HashMap::new();
        let mut created: Vec<(String, u64)> = Vec::new();
        for f in &stats.families {
            if let Some(parent) = super::created_parent(&f.name, f.mtype, |n| types.get(n).copied())
            {
                created.push((parent, f.samples));
                continue;
            }
            at.insert(f.name.as_str(), families.len());
            families.push(FamilyCost {
                name: f.name.clone(),
                mtype: f.mtype,
                series: f.samples,
                series_after: None,
                labels: labels
                    .get(f.name.as_str())
                    .map_or_else(Vec::new, |l| (*l).clone()),
            });
        }
        for (parent, n) in created {
            if let Some(&i) = at.get(parent.as_str()) {
                families[i].series += n;
            }
        }
        families.sort_by(|a, b| b.series.cmp(&a.series).then_with(|| a.name.cmp(&b.name)));
        Cost {
            series: stats.samples(),
            series_after: None,
            interval,
            families,
        }
    }

    /// Keeps the `n` families with most series and any with a suspect label; the totals stay
    /// whole. A fleet keeps every target's report: all the families of 100,000 pages would
    /// not fit in memory.
    pub fn keep_top(&mut self, n: usize) {
        let mut seen = 0;
        self.families.retain(|f| {
            seen += 1;
            seen <= n || f.labels.iter().any(|l| l.suspect.is_some())
        });
        self.families.shrink_to_fit();
    }

    /// A family's share of the samples per scrape (0–1).
    pub fn share(&self, f: &FamilyCost) -> f64 {
        if self.series == 0 {
            0.0
        } else {
            f.series as f64 / self.series as f64
        }
    }

    /// The suspect labels, as `(family, label)`, most series first.
    pub fn suspects(&self) -> impl Iterator<Item = (&FamilyCost, &LabelCost)> {
        self.families.iter().flat_map(|f| {
            f.labels
                .iter()
                .filter(|l| l.suspect.is_some())
                .map(move |l| (f, l))
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_gauges_count_with_their_family_and_totals_hold() {
        let snap = crate::parse::snapshot_of(concat!(
            "# TYPE req_seconds histogram\n",
            "req_seconds_bucket{le=\"1\"} 1\nreq_seconds_bucket{le=\"+Inf\"} 2\n",
            "req_seconds_sum 1\nreq_seconds_count 2\n",
            "# TYPE req_seconds_created gauge\nreq_seconds_created 7\n",
            "# TYPE up gauge\nup 1\n",
        ));
        let c = Cost::of(&snap.stats, Some((15.0, "test".into())));
        assert_eq!(c.series, 6);
        let got: Vec<(&str, u64)> = c
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.series))
            .collect();
        assert_eq!(got, [("req_seconds", 5), ("up", 1)]);
        assert_eq!(c.per_day(5), Some(5.0 / 15.0 * 86_400.0));
        let le = &c.families[0].labels[0];
        assert_eq!((le.name.as_str(), le.distinct), ("le", 2));
        let mut top = c.clone();
        top.keep_top(1);
        assert_eq!((top.families.len(), top.series), (1, 6));
    }
}
