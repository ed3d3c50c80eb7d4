//! `type_in_name`: a metric type written into the name, such as `requests_counter`
//! (promlint's `lintMetricTypeInName` as in client_golang 1.14: every family, untyped ones
//! too, is checked for every type's name, not only its own).

use crate::check::{Family, Limits, Rule};

pub(super) struct TypeInName;

/// The type names promlint looks for (client_model's, lower-cased), in the order their
/// messages sort.
const TYPES: &[&str] = &[
    "counter",
    "gauge",
    "gauge_histogram",
    "histogram",
    "summary",
];

impl Rule for TypeInName {
    fn id(&self) -> &'static str {
        "type_in_name"
    }
    fn describe(&self) -> &'static str {
        "a metric type (counter, gauge, histogram, summary) in the name"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        let n = f.name.to_lowercase();
        for t in TYPES.iter().filter(|t| super::has_part(&n, t)) {
            out.push(format!("metric name should not include type '{t}'"));
        }
    }
}
