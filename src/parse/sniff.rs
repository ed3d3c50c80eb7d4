//! Deciding the format from the content when nothing else says.

use super::Format;

/// Decides the format from the start of the input; returns the format and the evidence.
///
/// OpenMetrics is chosen only on a construct the text format lacks: `# UNIT`, an
/// OpenMetrics-only type, a counter family whose samples end in `_total`, or an exemplar.
/// A final `# EOF` alone is not evidence: Prometheus's own text-format test files end with it.
pub fn sniff(head: &[u8]) -> (Format, String) {
    let text = String::from_utf8_lossy(head);
    let mut counter: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.starts_with("# UNIT ") {
            return (Format::OpenMetrics, format!("line {n} has a # UNIT line"));
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap_or("");
            let t = parts.next().unwrap_or("");
            if matches!(t, "unknown" | "info" | "stateset" | "gaugehistogram") {
                return (
                    Format::OpenMetrics,
                    format!("line {n} declares the OpenMetrics type {t:?}"),
                );
            }
            counter = (t == "counter").then_some(name);
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(c) = counter.take() {
            let sample = line.split(['{', ' ']).next().unwrap_or("");
            if sample.len() == c.len() + 6 && sample.starts_with(c) && sample.ends_with("_total") {
                return (
                    Format::OpenMetrics,
                    format!("line {n}: counter {c} is exposed as {sample}, the OpenMetrics way"),
                );
            }
        }
        if line.contains("} ") && line.contains(" # {") {
            return (Format::OpenMetrics, format!("line {n} has an exemplar"));
        }
    }
    (
        Format::Prometheus,
        "no OpenMetrics-only construct in the first 64 KiB".to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides() {
        assert_eq!(
            sniff(b"# TYPE a counter\na_total 1\n# EOF\n").0,
            Format::OpenMetrics
        );
        assert_eq!(
            sniff(b"# TYPE a counter\na 1\n# EOF\n").0,
            Format::Prometheus
        );
        assert_eq!(
            sniff(b"# TYPE a_total counter\na_total 1\n").0,
            Format::Prometheus
        );
        assert_eq!(sniff(b"# TYPE a info\n").0, Format::OpenMetrics);
        assert_eq!(
            sniff(b"a_bucket{le=\"1\"} 1 # {id=\"x\"} 1\n").0,
            Format::OpenMetrics
        );
    }
}
