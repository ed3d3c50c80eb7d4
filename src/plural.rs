//! Counts written for people: `1 target`, `2 targets`, `0 targets`. Every message that
//! prints a count next to a noun goes through here, so none says "1 targets".

/// `n` as people read a count, and `one` when it shows as 1, else `many`.
pub fn of(n: impl Into<f64>, one: &str, many: &str) -> String {
    let shown = count(n.into());
    format!("{shown} {}", if shown == "1" { one } else { many })
}

/// A count for people: whole from 10 up, one decimal below (a count from `increase()` is an
/// estimate such as 319.6442808510639, and its last digits are noise), no trailing `.0`.
/// JSON keeps the full figure; this is for text.
pub fn count(n: f64) -> String {
    let r = if n.abs() >= 10.0 {
        n.round()
    } else {
        (n * 10.0).round() / 10.0
    };
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
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
        // Estimates from increase() are rounded for people.
        assert_eq!(
            super::s(319.6442808510639, "health check"),
            "320 health checks"
        );
        assert_eq!(super::s(145.19582127659575, "404"), "145 404s");
        assert_eq!(super::s(1.04, "restart"), "1 restart");
        assert_eq!(super::count(0.04), "0");
        assert_eq!(super::count(2.25), "2.3");
    }
}
