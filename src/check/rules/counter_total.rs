//! `counter_total`: a counter without `_total`, and a non-counter with it (promlint's
//! `lintCounter`).

use crate::check::{Family, Limits, Rule};
use crate::model::MetricType;

pub(super) struct CounterTotal;

impl Rule for CounterTotal {
    fn id(&self) -> &'static str {
        "counter_total"
    }
    fn describe(&self) -> &'static str {
        "a counter without the _total suffix, or a gauge, histogram or summary with it"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        let total = f.total || f.name.ends_with("_total");
        match f.mtype {
            MetricType::Counter if !total => {
                out.push(r#"counter metrics should have "_total" suffix"#.into())
            }
            MetricType::Counter | MetricType::Unknown => {}
            _ if f.name.ends_with("_total") => {
                out.push(r#"non-counter metrics should not have "_total" suffix"#.into())
            }
            _ => {}
        }
    }
}
