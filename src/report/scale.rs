//! The charts' arithmetic at f64's ends: figures near its limit can sum to infinity, so
//! shares and positions are computed on values scaled down first, every coordinate is
//! written through [`Px`], and a `data-` attribute is left out rather than written as `inf`
//! or `NaN`.

use std::fmt;

/// A coordinate or length as an attribute: `NaN` is 0, anything else is clamped to a box far
/// larger than any chart, so no attribute is ever `NaN`, `inf` or a number a renderer chokes on.
pub(super) struct Px(pub(super) f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let v = if self.0.is_nan() {
            0.0
        } else {
            self.0.clamp(-1e4, 1e4)
        };
        write!(f, "{v:.2}")
    }
}

/// ` name="v"`, or nothing when `v` is not finite (unknown rather than wrong).
pub(super) fn data(name: &str, v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| format!(" {name}=\"{v}\""))
        .unwrap_or_default()
}

/// A value made drawable: `NaN` is 0, infinities are the largest finite values.
pub(super) fn finite(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-f64::MAX, f64::MAX)
    }
}

/// Each value's share of their sum (negatives count as 0), computed on the values divided by
/// the largest, so that a sum past f64's range still gives shares that add up to 1.
pub(super) fn shares(values: &[f64]) -> Vec<f64> {
    let v: Vec<f64> = values.iter().map(|x| finite(*x).max(0.0)).collect();
    let max = v.iter().copied().fold(0.0, f64::max);
    if max == 0.0 {
        return vec![0.0; v.len()];
    }
    let sum: f64 = v.iter().map(|x| x / max).sum();
    v.iter().map(|x| x / max / sum).collect()
}

/// `(v - lo) / (hi - lo)`, on halves so that neither difference overflows; 0 for an empty span.
pub(super) fn fraction(v: f64, lo: f64, hi: f64) -> f64 {
    let span = hi / 2.0 - lo / 2.0;
    if span > 0.0 {
        (v / 2.0 - lo / 2.0) / span
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_a_sum_past_f64s_range_add_up() {
        let s = shares(&[1.7e308, 1.7e308, f64::INFINITY, f64::NAN, -1.0]);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{s:?}");
        assert_eq!((s[0], s[3], s[4]), (s[1], 0.0, 0.0));
    }

    #[test]
    fn coordinates_are_never_nan_or_infinite() {
        let shown: Vec<String> = [f64::NAN, f64::INFINITY, -1e308, 12.345]
            .iter()
            .map(|v| Px(*v).to_string())
            .collect();
        assert_eq!(shown, ["0.00", "10000.00", "-10000.00", "12.35"]);
        assert_eq!(data("data-v", Some(f64::INFINITY)), "");
        // Neither 1e308 - -1.7e308 nor the span 3.4e308 fits in an f64; the fraction does.
        let f = fraction(1e308, -1.7e308, 1.7e308);
        assert!((f - 2.7 / 3.4).abs() < 1e-12, "{f}");
    }
}
