//! `reserved_colon`: a colon in a metric name; colons are for recording rules (promlint's
//! `lintReservedChars`).

use crate::check::{Family, Limits, Rule};

pub(super) struct ReservedColon;

impl Rule for ReservedColon {
    fn id(&self) -> &'static str {
        "reserved_colon"
    }
    fn describe(&self) -> &'static str {
        "a colon in a metric name (reserved for recording rules)"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if f.name.contains(':') {
            out.push("metric names should not contain ':'".into());
        }
    }
}
