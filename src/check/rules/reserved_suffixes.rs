//! `reserved_suffixes`: `_bucket`, `_count` and `_sum` names, and `le` and `quantile`
//! labels, on families of the wrong type (promlint's `lintHistogramSummaryReserved`). The
//! label messages repeat once per offending series, as promtool's do.

use super::repeat;
use crate::check::{Family, Limits, Rule};
use crate::model::MetricType;

pub(super) struct ReservedSuffixes;

impl Rule for ReservedSuffixes {
    fn id(&self) -> &'static str {
        "reserved_suffixes"
    }
    fn describe(&self) -> &'static str {
        "the histogram and summary suffixes and labels (_bucket, _count, _sum, le, quantile) on another type"
    }
    fn check(&self, f: &Family, _: &Limits, out: &mut Vec<String>) {
        if f.mtype == MetricType::Unknown {
            return;
        }
        let histogram = matches!(f.mtype, MetricType::Histogram | MetricType::GaugeHistogram);
        let summary = f.mtype == MetricType::Summary;
        let n = &f.name;
        if !histogram && n.ends_with("_bucket") {
            out.push(r#"non-histogram metrics should not have "_bucket" suffix"#.into());
        }
        for s in ["_count", "_sum"] {
            if !histogram && !summary && n.ends_with(s) {
                out.push(format!(
                    "non-histogram and non-summary metrics should not have \"{s}\" suffix"
                ));
            }
        }
        if !histogram {
            let msg = r#"non-histogram metrics should not have "le" label"#;
            repeat(out, f.le_series, msg);
        }
        if !summary {
            let msg = r#"non-summary metrics should not have "quantile" label"#;
            repeat(out, f.quantile_series, msg);
        }
    }
}
