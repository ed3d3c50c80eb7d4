//! Which names the classic syntax can write bare. Prometheus 3 accepts any UTF-8 metric and
//! label name (`app.cache.hits_total`, OpenTelemetry's `http.route`); a name outside the
//! classic character set has to be quoted wherever it is written, in an exposition as in
//! PromQL.

/// Whether `name` is a classic metric name, `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn legacy_metric_name(name: &str) -> bool {
    classic(name, true)
}

/// Whether `name` is a classic label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn legacy_label_name(name: &str) -> bool {
    classic(name, false)
}

fn classic(name: &str, colon: bool) -> bool {
    let ok = |b: u8, first: bool| {
        b.is_ascii_alphabetic()
            || b == b'_'
            || (colon && b == b':')
            || (!first && b.is_ascii_digit())
    };
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| ok(b, true)) && bytes.all(|b| ok(b, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_names_and_the_rest() {
        for n in ["up", "http_requests_total", "_x", "a:b:c", "x9"] {
            assert!(legacy_metric_name(n), "{n}");
        }
        for n in ["", "9x", "app.cache.hits_total", "a-b", "ü", "a b", "a\"b"] {
            assert!(!legacy_metric_name(n), "{n:?}");
        }
        assert!(legacy_label_name("code"));
        assert!(!legacy_label_name("a:b"));
        assert!(!legacy_label_name("http.route"));
        assert!(!legacy_label_name(""));
    }
}
