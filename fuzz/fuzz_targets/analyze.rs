//! Fuzz target: any bytes that parse go through the whole analysis, one scrape and two (the
//! input against itself a minute earlier, and against its first half), and every report
//! format: never a panic, and a scrape compared with itself shows no requests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promtune::analysis::{analyse, Scrape};
use promtune::detect::{self, TimeSource};
use promtune::parse::{parse_bytes, ParseOptions, Parsed};
use promtune::report::{self, Format};

fn at(t: f64) -> Option<TimeSource> {
    Some(TimeSource::observed(t, "fuzz"))
}

fuzz_target!(|data: &[u8]| {
    let cfg = promtune::config::load(None, None, None).expect("built-in config");
    let keep = detect::retention(&cfg.traffic);
    let opts = ParseOptions {
        retain: Some(&keep),
        ..ParseOptions::default()
    };
    let Ok(parsed) = parse_bytes(data, &opts) else {
        return;
    };
    let later = Scrape {
        parsed: &parsed,
        time: at(2e9),
    };
    let one = analyse("fuzz".into(), &later, None, &cfg).expect("one scrape never fails");
    for f in [Format::Table, Format::Json, Format::Markdown] {
        report::renderer(f).render(std::slice::from_ref(&one.report));
    }
    let same = Scrape {
        parsed: &parsed,
        time: at(2e9 - 60.0),
    };
    if let Ok(w) = analyse("fuzz".into(), &later, Some(&same), &cfg) {
        if let Some(t) = &w.report.traffic {
            // Restarts aside (the later scrape then stands alone), nothing happened.
            assert!(t.total() == 0.0 || !w.warnings.is_empty(), "{}", t.total());
        }
    }
    let half: Option<Parsed> = parse_bytes(&data[..data.len() / 2], &opts).ok();
    if let Some(h) = &half {
        let earlier = Scrape {
            parsed: h,
            time: at(2e9 - 60.0),
        };
        let _ = analyse("fuzz".into(), &later, Some(&earlier), &cfg);
    }
});
