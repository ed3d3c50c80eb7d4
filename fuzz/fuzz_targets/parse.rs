//! Fuzz target: any bytes, in every format, give a model or a located error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promtune::parse::{parse_bytes, Format, FormatChoice, ParseError, ParseOptions};

fuzz_target!(|data: &[u8]| {
    for format in [
        FormatChoice::Auto,
        FormatChoice::Fixed(Format::Prometheus),
        FormatChoice::Fixed(Format::OpenMetrics),
    ] {
        let opts = ParseOptions {
            format,
            ..ParseOptions::default()
        };
        if let Err(ParseError::Syntax { line, column, .. }) = parse_bytes(data, &opts) {
            assert!(line >= 1 && column >= 1);
        }
    }
});
