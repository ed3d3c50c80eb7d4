//! Counts written for people: `1 target`, `2 targets`, `0 targets`. Every message that
//! prints a count next to a noun goes through here, so none says "1 targets".

/// `n` (without a trailing `.0`) and `one` when it is exactly 1, else `many`.
pub fn of(n: impl Into<f64>, one: &str, many: &str) -> String {
    let n: f64 = n.into();
    let shown = if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    };
    format!("{shown} {}", if n == 1.0 { one } else { many })
}

/// [`of`] for a noun whose plural adds `s`.
pub fn s(n: impl Into<f64>, noun: &str) -> String {
    of(n, noun, &format!("{noun}s"))
}

/// [`s`] for a count kept as `u64` (which does not convert to `f64` losslessly).
pub fn n(n: u64, noun: &str) -> String {
    s(n as f64, noun)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(super::s(1.0, "target"), "1 target");
        assert_eq!(super::s(0.0, "target"), "0 targets");
        assert_eq!(super::n(2, "request"), "2 requests");
        assert_eq!(super::of(1u32, "series", "series"), "1 series");
        assert_eq!(super::s(1.5, "scrape"), "1.5 scrapes");
    }
}
