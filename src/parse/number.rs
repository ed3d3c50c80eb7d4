//! Numbers in expositions: sample values, `le`/`quantile` bounds and timestamps.

/// Parses a sample value the way both formats write it: decimal floats, `NaN`, `+Inf`, `-Inf`.
///
/// Rust's `f64::from_str` already rejects what the formats forbid (hex, `_` separators,
/// surrounding white space), which is why no grammar of our own is needed here.
pub(crate) fn parse_value(tok: &str) -> Option<f64> {
    // Most values are integers (counters, bucket counts) or short decimals (latencies):
    // read in one pass, several times cheaper than the general float parser.
    if let Some(v) = short_decimal(tok.as_bytes()) {
        return Some(v);
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

/// Powers of ten that an f64 holds exactly.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[-]digits` or `[-]digits.digits` with at most 15 digits in all: the digits as an
/// integer are exact in an f64 (below 2^53), so is the power of ten, and one IEEE division of
/// two exact numbers is correctly rounded: the very result the general parser gives
/// (Clinger's fast path), at a fraction of its cost. Anything else returns `None`.
#[inline]
pub(crate) fn short_decimal(b: &[u8]) -> Option<f64> {
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa = 0u64;
    let mut point = None;
    for (i, &c) in digits.iter().enumerate() {
        let d = c.wrapping_sub(b'0');
        if d <= 9 {
            mantissa = mantissa * 10 + u64::from(d);
        } else if c == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    let v = match point {
        None if digits.len() <= 15 => mantissa as f64,
        None => return None,
        // At least one digit on each side, as Go writes them (`.5` and `5.` go the long way).
        Some(p) if p == 0 || p == digits.len() - 1 => return None,
        Some(p) => mantissa as f64 / POW10[digits.len() - p - 1],
    };
    Some(if negative { -v } else { v })
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
        assert_eq!(
            parse_value("-0.0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(parse_value("1."), Some(1.0));
        assert_eq!(parse_value(".5"), Some(0.5));
        for bad in [
            "", "0x1", "1_2", " 1", "1 ", "a", "0b1", "1.1.1", "1e400", "-1e999",
        ] {
            assert_eq!(parse_value(bad), None, "{bad:?}");
        }
    }

    /// The fast path for short decimals gives bit for bit what the general parser gives.
    #[test]
    fn short_decimals_match_the_general_parser() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 16 + 1) as usize;
            let mantissa = x >> 4;
            let mut s = format!("{:0digits$}", mantissa % 10u64.pow(digits as u32));
            let point = (x >> 50) as usize % (digits + 1);
            if i % 5 != 0 {
                s.insert(point, '.');
            }
            if i % 3 == 0 {
                s.insert(0, '-');
            }
            let general = s.parse::<f64>().ok();
            assert_eq!(
                short_decimal(s.as_bytes()).or(general).map(f64::to_bits),
                general.map(f64::to_bits),
                "{s}"
            );
            assert_eq!(
                parse_value(&s).map(f64::to_bits),
                general.map(f64::to_bits),
                "{s}"
            );
        }
        for s in [
            "0.1",
            "72942.350744",
            "0.414515887",
            "123456789.012345",
            "-0.00000000000001",
        ] {
            assert_eq!(short_decimal(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
        for s in [
            "1.2.3",
            "1e5",
            "1.5e3",
            "",
            ".",
            "-",
            "1.",
            ".5",
            "1234567890.1234567",
        ] {
            assert_eq!(short_decimal(s.as_bytes()), None, "{s}");
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
