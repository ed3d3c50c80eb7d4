//! Hostile inputs: each ends in bounded time with a located error (exit 2), or with a result
//! and a warning where the data is valid but odd.

use std::io::Write;

use crate::support::{promtune_stdin, PATIENCE};

fn check(input: &[u8]) -> crate::support::Run {
    promtune_stdin(&["check", "-"], input)
}

/// Empty input used to be "an empty exposition" with exit 0: a broken scrape or a wrong path
/// then passed CI as a clean report about nothing. It is an error now (issue #22 §8), in
/// `check` as in `analyze`; so is input with comments and metadata but no sample.
#[test]
fn empty_input_is_an_error_with_no_samples() {
    let r = check(b"");
    assert_eq!(
        (r.code, r.stderr.trim()),
        (2, "<stdin>: error: no samples: the input is empty"),
        "{}",
        r.stdout
    );
    let r = promtune_stdin(&["analyze", "-"], b"");
    assert_eq!(
        (r.code, r.stderr.contains("no samples")),
        (2, true),
        "{}",
        r.stderr
    );
    let r = check(b"# HELP a A gauge.\n# TYPE a gauge\n");
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            2,
            "<stdin>: error: no samples in 2 lines (33 bytes): an exposition with nothing to analyse"
        )
    );
    let r = promtune_stdin(&["check", "--input-format", "openmetrics", "-"], b"");
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            2,
            "<stdin>:1:1: missing \"# EOF\" at the end of OpenMetrics input"
        )
    );
}

#[test]
fn binary_garbage_and_invalid_utf8_are_located() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = check(&garbage);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("<stdin>:1:"), "{}", r.stderr);
    let r = check(b"# TYPE a gauge\na{b=\"ok\"} 1\na{b=\"\xff\xfe\"} 2\n");
    assert_eq!((r.code, r.stderr.trim()), (2, "<stdin>:3:6: invalid UTF-8"));
}

#[test]
fn a_100_mb_line_ends_in_bounded_time() {
    let mut line = vec![b'a'; 100 * 1024 * 1024];
    line.extend_from_slice(b"{x=\"1\"}\n");
    let start = std::time::Instant::now();
    let r = check(&line);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        "<stdin>:1:104857608: expected a sample value, found end of line"
    );
    // Only a hang or quadratic work reaches this; a busy machine does not.
    assert!(start.elapsed() < PATIENCE);
    let r = promtune_stdin(&["check", "--max-bytes", "1000000", "-"], &line);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            2,
            "<stdin>: error: input is larger than 1000000 bytes (raise --max-bytes to read it)"
        )
    );
}

#[test]
fn a_family_with_a_million_series() {
    let mut text = b"# TYPE big gauge\n".to_vec();
    for i in 0..1_000_000 {
        writeln!(text, "big{{id=\"{i}\"}} {i}").unwrap();
    }
    let r = check(&text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("1 family, 1000000 series, 1000000 samples"),
        "{}",
        r.stdout
    );
}

#[test]
fn nan_and_infinities_everywhere() {
    // Valid: NaN and infinities as gauge values, NaN summary quantiles (an empty summary).
    let ok = b"g{a=\"1\"} NaN\ng{a=\"2\"} +Inf\ng{a=\"3\"} -Inf\n# TYPE s summary\ns{quantile=\"0.5\"} NaN\ns_sum 0\ns_count 0\n";
    let r = check(ok);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A NaN counter is accepted by Prometheus's text parser: a warning.
    let r = check(b"# TYPE c counter\nc NaN\n");
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains(
            "<stdin>:2:3: warning: c is NaN, but a counter count cannot be negative or NaN"
        ),
        "{}",
        r.stderr
    );
    for (input, msg) in [
        (
            &b"a 1 NaN\n"[..],
            "<stdin>:1:5: invalid timestamp \"NaN\" (expected integer milliseconds)",
        ),
        (
            b"# TYPE h histogram\nh_bucket{le=\"NaN\"} 1\n",
            "<stdin>:2:10: invalid bucket bound le=\"NaN\"",
        ),
        (
            b"# TYPE s summary\ns{quantile=\"NaN\"} 1\n",
            "<stdin>:2:3: invalid quantile \"NaN\": expected a number from 0 to 1",
        ),
        (
            b"# TYPE h histogram\nh_bucket{le=\"+Inf\"} NaN\n",
            "<stdin>:2:21: h_bucket is NaN, but a histogram count cannot be negative or NaN",
        ),
        (
            b"a 1e400\n",
            "<stdin>:1:3: sample value 1e400 is beyond the range of a 64-bit float",
        ),
    ] {
        let r = check(input);
        assert_eq!((r.code, r.stderr.trim()), (2, msg));
    }
}

#[test]
fn broken_histograms_and_duplicates() {
    for (input, msg) in [
        (
            &b"# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 3\n"[..],
            "<stdin>:3:1: histogram h: bucket le=\"+Inf\" counts 3, below bucket le=\"1\" (5)",
        ),
        (
            b"# TYPE h histogram\nh_bucket{le=\"1\"} -1\nh_bucket{le=\"+Inf\"} 3\n",
            "<stdin>:2:18: h_bucket is -1, but a histogram count cannot be negative or NaN",
        ),
        (
            b"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "<stdin>:2:1: histogram h has no bucket with le=\"+Inf\"",
        ),
    ] {
        let r = check(input);
        assert_eq!((r.code, r.stderr.trim()), (2, msg));
    }
    let r = check(b"a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"1\"} 2\n");
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("<stdin>:3:1: warning: duplicate series a{x=\"1\"}"),
        "{}",
        r.stderr
    );
    let r = promtune_stdin(
        &["check", "--input-format", "openmetrics", "-"],
        b"a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"1\"} 2\n# EOF\n",
    );
    assert_eq!(
        (r.code, r.stderr.trim()),
        (
            2,
            "<stdin>:3:1: samples of series a{x=\"1\"} are not together"
        )
    );
}

#[test]
fn a_family_name_of_70_000_bytes_renders_in_every_format() {
    let name = "n".repeat(70_000);
    let text = format!("# TYPE {name} counter\n{name} 1\n");
    let r = check(text.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(&name));
    for format in ["table", "json", "markdown"] {
        let r = promtune_stdin(&["analyze", "--format", format, "-"], text.as_bytes());
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
    }
}
