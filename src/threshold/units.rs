//! Units as people write them (`500MB`, `0.1s`, `90%`, `0.5/s`), parsed to base units and
//! formatted back for tables.
//!
//! Sizes are binary, as the guide's `process_resident_memory_bytes / 1024 / 1024` is:
//! `1MB` = `1MiB` = 1,048,576 bytes.

/// A number from a flag or a file: finite, so `NaN`, `inf` and `1e400` (infinite once
/// parsed) are refused. Every number the command line and the config files give passes
/// here: a non-finite threshold, tolerance or expectation would silently judge nothing.
pub fn finite(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The unit of a check's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Requests per second.
    PerSecond,
    /// Bytes.
    Bytes,
    /// Seconds.
    Seconds,
    /// A ratio 0–1, written as a percentage.
    Ratio,
    /// A plain count.
    Count,
    /// CPU seconds per second.
    Cores,
}

impl Unit {
    /// What a value of this unit looks like, for error messages.
    pub fn example(self) -> &'static str {
        match self {
            Unit::PerSecond => "a rate such as 0.5/s or 30/m",
            Unit::Bytes => "a size such as 800MB",
            Unit::Seconds => "a duration such as 0.1s or 250ms",
            Unit::Ratio => "a percentage such as 90% (or a ratio such as 0.9)",
            Unit::Count => "a whole number such as 0",
            Unit::Cores => "a number of cores such as 0.5",
        }
    }

    /// Parses `text` in this unit; `None` if it does not fit, or is not finite once scaled
    /// (`1e308GB`).
    pub fn parse(self, text: &str) -> Option<f64> {
        self.parse_scaled(text).filter(|v| v.is_finite())
    }

    fn parse_scaled(self, text: &str) -> Option<f64> {
        let t = text.trim();
        let num = |s: &str| finite(s).filter(|v| *v >= 0.0);
        match self {
            Unit::PerSecond => {
                let (n, per) = t.split_once('/').unwrap_or((t, "s"));
                let div = match per.trim() {
                    "s" | "sec" | "second" => 1.0,
                    "m" | "min" | "minute" => 60.0,
                    "h" | "hour" => 3600.0,
                    _ => return None,
                };
                num(n).map(|v| v / div)
            }
            Unit::Bytes => {
                let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
                let k: f64 = match t[split..].trim() {
                    "" | "B" => 1.0,
                    "KB" | "KiB" | "K" => 1024.0,
                    "MB" | "MiB" | "M" => 1024.0 * 1024.0,
                    "GB" | "GiB" | "G" => 1024.0 * 1024.0 * 1024.0,
                    _ => return None,
                };
                num(&t[..split]).map(|v| v * k)
            }
            Unit::Seconds => {
                if let Some(ms) = t.strip_suffix("ms") {
                    num(ms).map(|v| v / 1000.0)
                } else if let Some(us) = t.strip_suffix("us") {
                    num(us).map(|v| v / 1e6)
                } else if let Some(m) = t.strip_suffix('m') {
                    num(m).map(|v| v * 60.0)
                } else {
                    num(t.strip_suffix('s').unwrap_or(t))
                }
            }
            Unit::Ratio => match t.strip_suffix('%') {
                Some(p) => num(p).map(|v| v / 100.0).filter(|v| *v <= 1.0),
                None => num(t).filter(|v| *v <= 1.0),
            },
            Unit::Count => num(t).filter(|v| v.fract() == 0.0),
            Unit::Cores => num(t),
        }
    }

    /// Formats a value of this unit for people.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::PerSecond => format!("{}/s", sig(v)),
            Unit::Bytes => format!("{}MB", sig(v / (1024.0 * 1024.0))),
            Unit::Seconds => format!("{}s", sig(v)),
            Unit::Ratio => format!("{}%", sig(v * 100.0)),
            Unit::Count => crate::detect::count(v),
            Unit::Cores => format!("{} cores", sig(v)),
        }
    }
}

/// Three significant digits, without trailing zeros.
fn sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (3 - 1 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_write() {
        assert_eq!(Unit::Bytes.parse("500MB"), Some(500.0 * 1048576.0));
        assert_eq!(Unit::Bytes.parse("1GiB"), Some(1073741824.0));
        assert_eq!(Unit::Seconds.parse("0.1s"), Some(0.1));
        assert_eq!(Unit::Seconds.parse("250ms"), Some(0.25));
        assert_eq!(Unit::Ratio.parse("90%"), Some(0.9));
        assert_eq!(Unit::Ratio.parse("0.9"), Some(0.9));
        assert_eq!(Unit::PerSecond.parse("0.5/s"), Some(0.5));
        assert_eq!(Unit::PerSecond.parse("30/m"), Some(0.5));
        assert_eq!(Unit::Count.parse("0"), Some(0.0));
        for (u, bad) in [
            (Unit::Bytes, "lots"),
            (Unit::Ratio, "120%"),
            (Unit::PerSecond, "1/fortnight"),
            (Unit::Seconds, "-1s"),
            (Unit::Bytes, "NaN"),
            (Unit::Bytes, "inf MB"),
            (Unit::Bytes, "1e308GB"),
            (Unit::Seconds, "1e400s"),
            (Unit::Cores, "infinity"),
        ] {
            assert_eq!(u.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(Unit::Bytes.format(943718400.0), "900MB");
        assert_eq!(Unit::Seconds.format(0.0095), "0.0095s");
        assert_eq!(Unit::PerSecond.format(0.17800338), "0.178/s");
        assert_eq!(Unit::Ratio.format(0.002852), "0.285%");
        assert_eq!(Unit::Ratio.format(0.9), "90%");
        assert_eq!(Unit::Count.format(2.0), "2");
    }
}
