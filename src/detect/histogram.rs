//! `histogram_quantile` exactly as PromQL computes it over classic buckets.

use crate::model::Bucket;

/// A quantile estimate and where it lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    /// The estimate (NaN when PromQL would return NaN).
    pub value: f64,
    /// Lower bound of the bucket the estimate lies in (0 for the lowest bucket).
    pub lower: f64,
    /// Upper bound of that bucket.
    pub upper: f64,
    /// The estimate is a linear interpolation inside the lowest bucket, from 0.
    pub in_lowest_bucket: bool,
    /// The rank fell in the `+Inf` bucket, so the estimate is the highest finite bound.
    pub in_inf_bucket: bool,
    /// Observations in the histogram.
    pub observations: f64,
}

/// Sums buckets of several series by `le`, as `sum by (le)` does.
pub(super) fn sum_by_le<'a>(series: impl IntoIterator<Item = &'a [Bucket]>) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    // By bound (-0 and 0 are one): a search per bucket was quadratic in the bounds.
    let mut at: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for buckets in series {
        for b in buckets {
            match at.entry((b.le + 0.0).to_bits()) {
                std::collections::hash_map::Entry::Occupied(i) => out[*i.get()].count += b.count,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(out.len());
                    out.push(*b);
                }
            }
        }
    }
    out.sort_by(|a, b| a.le.total_cmp(&b.le));
    out
}

/// PromQL's `histogram_quantile(q, …)` over one set of cumulative buckets.
///
/// Follows Prometheus's `bucketQuantile`: buckets sorted by bound, the last must be `+Inf`,
/// counts forced monotonic, the rank found by binary search, linear interpolation inside
/// the bucket, the lowest bucket starting at 0 unless its bound is not positive.
pub fn quantile(q: f64, buckets: &[Bucket]) -> Option<Quantile> {
    let mut b: Vec<Bucket> = buckets.to_vec();
    b.sort_by(|x, y| x.le.total_cmp(&y.le));
    if b.len() < 2 || b.last().is_none_or(|l| l.le != f64::INFINITY) {
        return None;
    }
    let mut max = f64::NEG_INFINITY;
    for x in &mut b {
        if x.count < max {
            x.count = max;
        }
        max = x.count;
    }
    let n = b.len();
    let observations = b[n - 1].count;
    if observations <= 0.0 || !observations.is_finite() {
        return None;
    }
    let mut rank = q * observations;
    let i = b.partition_point(|x| x.count < rank);
    let mut est = Quantile {
        value: f64::NAN,
        lower: 0.0,
        upper: b[i.min(n - 1)].le,
        in_lowest_bucket: false,
        in_inf_bucket: false,
        observations,
    };
    if i >= n - 1 {
        est.value = b[n - 2].le;
        est.lower = b[n - 2].le;
        est.in_inf_bucket = true;
        return Some(est);
    }
    if i == 0 && b[0].le <= 0.0 {
        est.value = b[0].le;
        est.upper = b[0].le;
        return Some(est);
    }
    let mut count = b[i].count;
    if i > 0 {
        est.lower = b[i - 1].le;
        count -= b[i - 1].count;
        rank -= b[i - 1].count;
    } else {
        est.in_lowest_bucket = true;
    }
    est.value = est.lower + (est.upper - est.lower) * (rank / count);
    Some(est)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bk(pairs: &[(f64, f64)]) -> Vec<Bucket> {
        pairs
            .iter()
            .map(|&(le, count)| Bucket { le, count })
            .collect()
    }

    #[test]
    fn interpolates_like_promql() {
        let b = bk(&[
            (0.005, 940.0),
            (0.01, 1006.0),
            (0.025, 1040.0),
            (f64::INFINITY, 1052.0),
        ]);
        let q = quantile(0.95, &b).unwrap();
        assert!((q.value - 0.0095).abs() < 1e-12, "{q:?}");
        assert_eq!((q.lower, q.upper), (0.005, 0.01));
        assert!(!q.in_lowest_bucket);
    }

    #[test]
    fn edge_cases() {
        let b = bk(&[(1.0, 10.0), (f64::INFINITY, 10.0)]);
        let q = quantile(0.5, &b).unwrap();
        assert_eq!(q.value, 0.5);
        assert!(q.in_lowest_bucket);
        let b = bk(&[(1.0, 1.0), (2.0, 2.0), (f64::INFINITY, 10.0)]);
        let q = quantile(0.95, &b).unwrap();
        assert_eq!(q.value, 2.0);
        assert!(q.in_inf_bucket);
        assert!(quantile(0.95, &bk(&[(1.0, 1.0)])).is_none());
        assert!(quantile(0.95, &bk(&[(1.0, 0.0), (f64::INFINITY, 0.0)])).is_none());
        let summed = sum_by_le([
            &bk(&[(1.0, 1.0), (f64::INFINITY, 2.0)])[..],
            &bk(&[(1.0, 3.0), (f64::INFINITY, 4.0)])[..],
        ]);
        assert_eq!(summed, bk(&[(1.0, 4.0), (f64::INFINITY, 6.0)]));
    }
}
