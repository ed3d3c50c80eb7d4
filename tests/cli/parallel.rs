//! Parsing on several threads gives exactly what one thread gives: the same model, the same
//! warnings in the same order, the same located error. Inputs are cut into many small parts
//! (blocks of a few bytes to 1 MiB) so that every path is taken: reappearing families across
//! parts, parts parsed again in context, families too large to buffer, errors anywhere.
//!
//! One difference is allowed: series summed for analysis add their values in another order,
//! so a sum of fractions may differ in its last bits. Numbers are compared to 12 digits.

use std::fmt::Write as _;

use promtune::detect::{retention, TrafficOverride};
use promtune::parse::{parse_bytes, FormatChoice, Parallelism, ParseOptions};

use crate::support::fixture;

/// The parse result as text: a model's full `Debug` (NaN-safe), or the error.
fn parse(bytes: &[u8], threads: usize, block_bytes: usize, summed: bool) -> String {
    let o = TrafficOverride::default();
    let keep = retention(&o);
    let opts = ParseOptions {
        format: FormatChoice::Auto,
        retain: if summed { Some(&keep) } else { None },
        parallel: Parallelism {
            threads,
            block_bytes,
        },
        ..ParseOptions::default()
    };
    match parse_bytes(bytes, &opts) {
        Ok(p) => round_floats(&format!(
            "{:?}\n{:?}\n{}",
            p.snapshot, p.warnings, p.warnings_total
        )),
        Err(e) => format!("error {e}"),
    }
}

/// Every number with a fraction or an exponent, rounded to 12 significant digits.
fn round_floats(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match token.parse::<f64>() {
            Ok(v) if token.contains(['.', 'e']) => {
                let _ = write!(out, "{v:.11e}");
            }
            _ => out.push_str(token),
        }
        token.clear();
    };
    for c in s.chars() {
        let continues = c.is_ascii_digit()
            || (c == '.' && !token.is_empty())
            || (c == 'e' && !token.is_empty() && !token.contains('e'))
            || (c == '-' && (token.is_empty() || token.ends_with('e')));
        if continues {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Part sizes: 1 KiB (the least the parser takes) cuts before nearly every family and
/// streams any family over 64 KiB; 64 KiB cuts less often.
const BLOCKS: [usize; 2] = [1024, 64 << 10];

/// Asserts that two threads give what one gives, for several block sizes and retentions.
fn same(bytes: &[u8], what: &str) -> String {
    let mut one = String::new();
    for summed in [false, true] {
        one = parse(bytes, 1, 1 << 20, summed);
        for block in BLOCKS {
            let two = parse(bytes, 2, block, summed);
            assert!(
                two == one,
                "{what}, block {block}, summed {summed}:\n{}",
                first_difference(&one, &two)
            );
        }
    }
    one
}

fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(300);
    format!(
        "one thread:  …{}\ntwo threads: …{}",
        &a[from..(at + 300).min(a.len())],
        &b[from..(at + 300).min(b.len())]
    )
}

fn text_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["corpus", "exposition", "conformance/prometheus"] {
        let mut stack = vec![fixture(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                let name = p.to_string_lossy().to_string();
                if p.is_dir() {
                    stack.push(p);
                } else if (name.ends_with(".prom") || name.ends_with(".txt"))
                    && !name.contains(".om.")
                    && !name.ends_with("LICENSE.txt")
                {
                    out.push((name, std::fs::read(&p).unwrap()));
                }
            }
        }
    }
    out.sort();
    assert!(out.len() >= 25, "{}", out.len());
    out
}

#[test]
fn every_fixture_repeated_parses_the_same_on_two_threads() {
    for (name, bytes) in text_fixtures() {
        // Repeated past the 64 KiB that decide one thread or several: every family comes
        // back, in later parts, with the same series.
        let mut text = bytes.clone();
        if !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        let doc = text.repeat((100_000 / text.len()).max(2));
        same(&doc, &name);
    }
}

/// A large synthetic exposition: families of every type and size, one far larger than the
/// parts, label values with escapes.
fn synthetic() -> String {
    let mut s = String::new();
    for f in 0..60 {
        let series = match f % 7 {
            0 => 400,
            3 if f == 45 => 6_000,
            _ => 1 + f % 13,
        };
        match f % 4 {
            0 => {
                let _ = writeln!(
                    s,
                    "# HELP c{f}_total Counter {f}.\n# TYPE c{f}_total counter"
                );
                for i in 0..series {
                    let _ = writeln!(
                        s,
                        "c{f}_total{{path=\"/p{}\",code=\"{}\",x=\"a\\\"b\\\\c\"}} {}",
                        i % 50,
                        200 + i / 50,
                        i * 7
                    );
                }
            }
            1 => {
                let _ = writeln!(s, "# TYPE g{f} gauge");
                for i in 0..series {
                    let _ = writeln!(
                        s,
                        "g{f}{{i=\"{i}\"}} {}.5 {}",
                        i,
                        1_700_000_000_000u64 + i as u64
                    );
                }
            }
            2 => {
                let _ = writeln!(
                    s,
                    "# HELP h{f}_seconds Latency.\n# TYPE h{f}_seconds histogram"
                );
                for i in 0..series {
                    for (k, le) in ["0.1", "1", "+Inf"].iter().enumerate() {
                        let _ = writeln!(
                            s,
                            "h{f}_seconds_bucket{{route=\"/r{}\",le=\"{le}\"}} {}",
                            i,
                            i + k
                        );
                    }
                    let _ = writeln!(s, "h{f}_seconds_sum{{route=\"/r{i}\"}} {i}.25\nh{f}_seconds_count{{route=\"/r{i}\"}} {}", i + 2);
                }
            }
            _ => {
                let _ = writeln!(s, "# TYPE s{f} summary");
                for i in 0..series {
                    let _ = writeln!(s, "s{f}{{a=\"{i}\",quantile=\"0.5\"}} 1\ns{f}{{a=\"{i}\",quantile=\"0.99\"}} NaN\ns{f}_sum{{a=\"{i}\"}} 3\ns{f}_count{{a=\"{i}\"}} 4");
                }
            }
        }
    }
    s
}

#[test]
fn a_large_exposition_parses_the_same_on_two_threads() {
    let text = synthetic();
    assert!(text.len() > 300_000, "{}", text.len());
    let result = same(text.as_bytes(), "synthetic");
    assert!(result.contains("c0_total"), "parsed to a model");
    // No final newline: the warning comes from the last part.
    let cut = same(text.trim_end().as_bytes(), "no final newline");
    assert!(
        cut.contains("no newline at the end of the input"),
        "{}",
        &cut[cut.len().saturating_sub(400)..]
    );
}

#[test]
fn errors_and_warnings_anywhere_are_the_ones_one_thread_reports() {
    let text = synthetic();
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let clean = parse(text.as_bytes(), 1, 1 << 20, true);
    let faults: [(&str, &str); 6] = [
        ("bad sample", "c0_total{path=\"/x\" 1"),
        ("counter after its samples", "# TYPE c0_total counter"),
        ("text after EOF", "# EOF"),
        (
            "a family back",
            "# TYPE c4_total counter\nc4_total{path=\"/again\"} 1",
        ),
        (
            "a histogram's sample back",
            "h2_seconds_count{route=\"/late\"} 1",
        ),
        ("invalid UTF-8", "g1{i=\"\u{fffd}\"} 1"),
    ];
    for (what, fault) in faults {
        for at in [n / 10, n / 2, n - 3] {
            let mut doc = lines[..at].join("\n");
            doc.push('\n');
            doc.push_str(fault);
            doc.push('\n');
            doc.push_str(&lines[at..].join("\n"));
            doc.push('\n');
            let mut bytes = doc.into_bytes();
            if what == "invalid UTF-8" {
                let i = bytes
                    .windows(3)
                    .position(|w| w == "\u{fffd}".as_bytes())
                    .unwrap();
                bytes.splice(i..i + 3, [0xff]);
            }
            let got = same(&bytes, &format!("{what} at line {at}"));
            assert_ne!(got, clean, "{what} at line {at} went unnoticed");
        }
    }
}
