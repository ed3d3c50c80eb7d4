//! Which sample names belong to a family of a given type, and which names a family claims.

use crate::model::{MetricType, Suffix};

/// The suffix of sample `name` if it belongs to family `fam` of type `t`.
///
/// The text format has no `_created` or `_total` convention, but Go and Python clients in
/// text mode sometimes write `_total` under a counter family; we accept it there too.
pub(crate) fn suffix_of(fam: &str, t: MetricType, name: &str, om: bool) -> Option<Suffix> {
    let rest = name.strip_prefix(fam)?;
    use MetricType as T;
    let s = match (t, rest) {
        (T::Gauge | T::Unknown | T::Summary | T::StateSet, "") => Suffix::None,
        (T::Counter, "") if !om => Suffix::None,
        (T::Counter, "_total") => Suffix::Total,
        (T::Counter | T::Histogram | T::Summary, "_created") if om => Suffix::Created,
        (T::Histogram | T::GaugeHistogram, "_bucket") => Suffix::Bucket,
        (T::Histogram | T::Summary, "_count") => Suffix::Count,
        (T::Histogram | T::Summary, "_sum") => Suffix::Sum,
        (T::GaugeHistogram, "_gcount") => Suffix::GCount,
        (T::GaugeHistogram, "_gsum") => Suffix::GSum,
        (T::Info, "_info") => Suffix::Info,
        _ => return None,
    };
    Some(s)
}

/// The sample names a family of type `t` may use, for what the message says is expected.
pub(crate) fn suffixes(t: MetricType, om: bool) -> &'static [Suffix] {
    use MetricType as T;
    use Suffix as S;
    match (t, om) {
        (T::Counter, true) => &[S::Total, S::Created],
        (T::Counter, false) => &[S::None, S::Total],
        (T::Histogram, true) => &[S::Bucket, S::Count, S::Sum, S::Created],
        (T::Histogram, false) => &[S::Bucket, S::Count, S::Sum],
        (T::GaugeHistogram, _) => &[S::Bucket, S::GCount, S::GSum],
        (T::Summary, true) => &[S::None, S::Count, S::Sum, S::Created],
        (T::Summary, false) => &[S::None, S::Count, S::Sum],
        (T::Info, _) => &[S::Info],
        (T::Gauge | T::Unknown | T::StateSet, _) => &[S::None],
    }
}

/// Whether exemplars may be attached to this kind of sample (OpenMetrics 1.0).
pub(crate) fn exemplar_allowed(t: MetricType, s: Suffix) -> bool {
    matches!(
        (t, s),
        (MetricType::Counter, Suffix::Total)
            | (
                MetricType::Histogram | MetricType::GaugeHistogram,
                Suffix::Bucket
            )
    )
}

/// Whether this kind of sample counts events, so that it may be neither negative nor NaN.
pub(crate) fn counter_like(t: MetricType, s: Suffix) -> bool {
    use MetricType as T;
    match s {
        Suffix::Total | Suffix::Bucket | Suffix::Count | Suffix::GCount => true,
        Suffix::None => t == T::Counter,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_suffixes() {
        use MetricType as T;
        assert_eq!(
            suffix_of("a", T::Counter, "a_total", true),
            Some(Suffix::Total)
        );
        assert_eq!(suffix_of("a", T::Counter, "a", true), None);
        assert_eq!(suffix_of("a", T::Counter, "a", false), Some(Suffix::None));
        assert_eq!(
            suffix_of("a", T::Histogram, "a_bucket", false),
            Some(Suffix::Bucket)
        );
        assert_eq!(suffix_of("a", T::Histogram, "a_created", false), None);
        assert_eq!(suffix_of("a", T::Gauge, "ab", false), None);
        assert_eq!(suffix_of("a", T::Info, "a_info", true), Some(Suffix::Info));
    }
}
