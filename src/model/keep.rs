//! How much of a family the parser keeps: the analysis decides, the parser obeys.

/// What to keep of one family's series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// Only the counts in [`super::Stats`].
    Nothing,
    /// Every series with every label.
    Everything,
    /// Series reduced to these labels and summed, as `sum by (…)` would: memory bounded by
    /// the labels' cardinality, not by the number of series.
    SumBy(Vec<String>),
}

/// Decides per family name.
pub type Retention<'a> = &'a dyn Fn(&str, crate::model::MetricType) -> Keep;
