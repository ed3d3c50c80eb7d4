//! `duplicate_series`: two series of a family with the same labels (promlint's
//! `lintDuplicateMetric`, which came with client_golang 1.17: promtool 2.42 does not have
//! it, so `--format promtool` leaves it out).

use crate::check::{Family, Limits, Rule};

pub(super) struct DuplicateSeries;

impl Rule for DuplicateSeries {
    fn id(&self) -> &'static str {
        "duplicate_series"
    }
    fn describe(&self) -> &'static str {
        "two series of a family with the same labels"
    }
    fn promtool(&self) -> bool {
        false
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if f.duplicates > 0 {
            out.push("metric not unique".into());
        }
    }
}
