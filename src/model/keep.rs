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
    /// As `SumBy`, also keeping, series by series, any label whose value the function
    /// accepts: a route or status label recognised by its values, whatever its name (#23).
    /// A summary is summed too, for its count and sum: its quantiles are dropped.
    SumByShaped(Vec<String>, Shaped),
}

/// Which label values make a label worth keeping.
#[derive(Debug, Clone, Copy)]
pub struct Shaped(pub fn(&str) -> bool);

impl PartialEq for Shaped {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for Shaped {}

/// Decides per family name.
pub type Retention<'a> = &'a dyn Fn(&str, crate::model::MetricType) -> Keep;
