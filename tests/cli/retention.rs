//! The parser keeps only what the detectors read (`detect::retention`); this proves the
//! reports come out the same as when everything is kept, on every real fixture.

use std::fs;

use promtune::analysis::{analyse, Scrape};
use promtune::config;
use promtune::detect::{retention, TimeSource};
use promtune::parse::{parse_bytes, ParseOptions};
use promtune::report::{renderer, Format};

use crate::support::real_fixtures;

#[test]
fn reports_are_the_same_with_and_without_retention() {
    let cfg = config::load(None, None, None).unwrap();
    let keep = retention(&cfg.traffic);
    let files = real_fixtures();
    let time = TimeSource::observed(1_800_000_000.0, "test");
    let mut compared = 0;
    for f in &files {
        let bytes = fs::read(f).unwrap();
        let Ok(all) = parse_bytes(&bytes, &ParseOptions::default()) else {
            continue;
        };
        let kept = parse_bytes(
            &bytes,
            &ParseOptions {
                retain: Some(&keep),
                ..ParseOptions::default()
            },
        )
        .unwrap();
        let json = |parsed| {
            let scrape = Scrape {
                parsed,
                time: Some(time.clone()),
            };
            let a = analyse(f.display().to_string(), &scrape, None, &cfg).unwrap();
            renderer(Format::Json).render(&[a.report], None)
        };
        assert_eq!(json(&kept), json(&all), "{}", f.display());
        let (n_all, n_kept): (usize, usize) = (
            all.snapshot.families.iter().map(|x| x.series.len()).sum(),
            kept.snapshot.families.iter().map(|x| x.series.len()).sum(),
        );
        assert!(n_kept <= n_all, "{}", f.display());
        compared += 1;
    }
    println!("retention: {compared} fixtures give identical reports");
    assert!(compared >= 25, "{compared}");
}
