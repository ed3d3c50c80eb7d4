//! Stage 5b: patterns and checks → recommendations in the guide's spirit, each with an
//! impact, the expected effect (a number where one can be computed) and the evidence.

pub mod cardinality;
pub mod relabel;
mod rules;

use std::fmt;

use crate::detect::Pattern;
use crate::threshold::Check;

/// How much a recommendation is expected to matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Large effect.
    High,
    /// Moderate effect.
    Medium,
    /// Small effect.
    Low,
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Impact::High => "HIGH",
            Impact::Medium => "MEDIUM",
            Impact::Low => "LOW",
        })
    }
}

/// One recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Stable id (`scrape_interval`, `favicon`, …).
    pub id: &'static str,
    /// Expected impact.
    pub impact: Impact,
    /// What to do, in one line.
    pub action: String,
    /// The expected effect.
    pub expected: String,
    /// The measured number behind the effect, when there is one (a reduction as a ratio 0–1).
    pub expected_reduction: Option<f64>,
    /// What was measured that leads here.
    pub evidence: String,
}

/// The guide's recommended scrape interval for an over-scraped target, in seconds.
pub const RECOMMENDED_SCRAPE_INTERVAL: f64 = 30.0;

/// Every recommendation that applies, highest impact first, then by id.
pub fn recommend(patterns: &[Pattern], checks: &[Check]) -> Vec<Recommendation> {
    let mut out = Vec::new();
    rules::scrape_interval(patterns, &mut out);
    rules::monitoring_share(patterns, &mut out);
    rules::not_found(patterns, &mut out);
    rules::unmeasured_scrapes(patterns, &mut out);
    for c in checks {
        rules::from_check(c, patterns, &mut out);
    }
    sort(&mut out);
    out
}

/// Adds what the transport of a URL source calls for (compression) to `recs`.
pub fn add_from_wire(recs: &mut Vec<Recommendation>, wire: &crate::input::Wire) {
    rules::compression(wire, recs);
    sort(recs);
}

/// Adds the cost recommendation for `cost` to `recs` (a page's cardinality).
pub fn add_from_cost(recs: &mut Vec<Recommendation>, cost: &crate::model::Cost) {
    cardinality::cardinality(cost, recs);
    sort(recs);
}

/// Highest impact first, then by id and action.
fn sort(out: &mut [Recommendation]) {
    out.sort_by(|a, b| {
        a.impact
            .cmp(&b.impact)
            .then_with(|| a.id.cmp(b.id))
            .then_with(|| a.action.cmp(&b.action))
    });
}
