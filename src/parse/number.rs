//! Numbers in expositions: sample values, `le`/`quantile` bounds and timestamps.

/// Parses a sample value the way both formats write it: decimal floats, `NaN`, `+Inf`, `-Inf`.
///
/// Rust's `f64::from_str` already rejects what the formats forbid (hex, `_` separators,
/// surrounding white space), which is why no grammar of our own is needed here.
pub(crate) fn parse_value(tok: &str) -> Option<f64> {
    let b = tok.as_bytes();
    // Most values are small integers (counters, bucket counts): up to 15 digits are exact in
    // an f64, and this loop is several times cheaper than the general float parser.
    if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0u64, |n, &c| n * 10 + u64::from(c - b'0')) as f64);
    }
    if tok.is_empty() {
        return None;
    }
    // `1e400` parses to infinity in Rust; Go's parser rejects it as out of range, and so do we:
    // only a spelled-out infinity is one.
    tok.parse::<f64>()
        .ok()
        .filter(|v| !v.is_infinite() || tok.bytes().any(|b| b == b'i' || b == b'I'))
}

/// Parses a text-format timestamp: an integer number of milliseconds since the epoch.
/// Returns seconds.
pub(crate) fn parse_text_timestamp(tok: &str) -> Option<f64> {
    tok.parse::<i64>().ok().map(|ms| ms as f64 / 1000.0)
}

/// Parses an OpenMetrics timestamp: seconds since the epoch, integer or float, finite.
pub(crate) fn parse_om_timestamp(tok: &str) -> Option<f64> {
    let first = *tok.as_bytes().first()?;
    // "Inf", "NaN" and friends parse as floats but are not timestamps.
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return None;
    }
    parse_value(tok).filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(parse_value("1.5"), Some(1.5));
        assert_eq!(parse_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_value("-Inf"), Some(f64::NEG_INFINITY));
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("1e3"), Some(1000.0));
        assert_eq!(parse_value("0000001.2e-1"), Some(0.12));
        assert_eq!(parse_value("123456789012345"), Some(123456789012345.0));
        assert_eq!(
            parse_value("9223372036854775808"),
            Some(9223372036854775808.0)
        );
        assert_eq!(parse_value("007"), Some(7.0));
        for bad in [
            "", "0x1", "1_2", " 1", "1 ", "a", "0b1", "1.1.1", "1e400", "-1e999",
        ] {
            assert_eq!(parse_value(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_text_timestamp("1500"), Some(1.5));
        assert_eq!(parse_text_timestamp("-2000"), Some(-2.0));
        assert_eq!(parse_text_timestamp("2.72"), None);
        assert_eq!(parse_om_timestamp("1.5e3"), Some(1500.0));
        assert_eq!(parse_om_timestamp("000"), Some(0.0));
        for bad in ["NaN", "Inf", "-Inf", "1z", "0x1p-3", ""] {
            assert_eq!(parse_om_timestamp(bad), None, "{bad:?}");
        }
    }
}
