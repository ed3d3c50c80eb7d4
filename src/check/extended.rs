//! promtool's `--extended` table: each family's cardinality as promtool counts it, and its
//! share of the total.

use super::Family;
use crate::model::MetricType;

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Cardinality {
    /// The family.
    pub name: String,
    /// Its series as promtool counts them.
    pub cardinality: u64,
    /// Its share of all of them, 0–1.
    pub share: f64,
}

/// The rows, largest first (families of equal cardinality by name: promtool leaves their
/// order to a Go map's), and the total. A histogram counts `series × (2 + buckets of its
/// first series)`, a summary `series × (2 + quantiles of its first series)`, anything else
/// its series.
pub fn cardinality(families: &[Family]) -> (Vec<Cardinality>, u64) {
    let mut rows: Vec<Cardinality> = families
        .iter()
        .map(|f| {
            let cardinality = match f.mtype {
                MetricType::Histogram | MetricType::Summary => {
                    f.series.saturating_mul(2u64.saturating_add(f.first_width))
                }
                _ => f.series,
            };
            Cardinality {
                name: f.name.clone(),
                cardinality,
                share: 0.0,
            }
        })
        .collect();
    let total = rows
        .iter()
        .fold(0u64, |t, r| t.saturating_add(r.cardinality));
    for r in &mut rows {
        r.share = r.cardinality as f64 / total as f64;
    }
    rows.sort_by(|a, b| {
        b.cardinality
            .cmp(&a.cardinality)
            .then_with(|| a.name.cmp(&b.name))
    });
    (rows, total)
}
