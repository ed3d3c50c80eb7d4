//! `family_series` (promtune's): a family with more series than the limit
//! (`--max-family-series`), counting each sample line of a scrape as a TSDB series.

use crate::check::{Family, Limits, Rule};

pub(super) struct FamilySeries;

impl Rule for FamilySeries {
    fn id(&self) -> &'static str {
        "family_series"
    }
    fn describe(&self) -> &'static str {
        "a family with more series than --max-family-series"
    }
    fn promtool(&self) -> bool {
        false
    }
    fn check(&self, f: &Family, limits: &Limits, out: &mut Vec<String>) {
        if f.samples > limits.family_series {
            out.push(format!(
                "{} series in one scrape, over the limit of {}",
                f.samples, limits.family_series
            ));
        }
    }
}
