//! `camel_case`: camelCase in the metric name or label names (promlint's `lintCamelCase`).
//! The label message repeats per label per series, as promtool's does.

use super::repeat;
use crate::check::{camel, Family, Limits, Rule};

pub(super) struct CamelCase;

impl Rule for CamelCase {
    fn id(&self) -> &'static str {
        "camel_case"
    }
    fn describe(&self) -> &'static str {
        "camelCase in metric or label names"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if camel(&f.name) {
            out.push("metric names should be written in 'snake_case' not 'camelCase'".into());
        }
        let msg = "label names should be written in 'snake_case' not 'camelCase'";
        repeat(out, f.camel_labels, msg);
    }
}
