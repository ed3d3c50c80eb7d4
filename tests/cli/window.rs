//! Two scrapes of one target (`--previous`, `--window`): increases, resets, restarts.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::server::{refused_url, serve, Reply};
use promtune::analysis::{analyse, Scrape};
use promtune::config;
use promtune::detect::{retention, TimeSource};
use promtune::parse::{parse_bytes, ParseOptions};

use crate::support::{check_row, fixture, json_of, promtune, real_fixtures, Run, PATIENCE};

fn guide() -> String {
    fs::read_to_string(fixture("guide_example.prom")).unwrap()
}

/// Replaces exactly one occurrence, so a changed fixture fails here and not in a later assert.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replacen(from, to, 1)
}

/// The guide's target ten minutes later: 40 more scrapes, 20 more health checks, 6 more CPU
/// seconds, nothing else.
fn ten_minutes_later() -> String {
    let t = guide().replace(" 1757324310000", " 1757324910000");
    let t = edit(
        &t,
        "\"/metrics\",status_code=\"200\"} 394.0",
        "\"/metrics\",status_code=\"200\"} 434.0",
    );
    let t = edit(
        &t,
        "\"/health\",status_code=\"200\"} 99.0",
        "\"/health\",status_code=\"200\"} 119.0",
    );
    edit(
        &t,
        "process_cpu_seconds_total 22.91",
        "process_cpu_seconds_total 28.91",
    )
}

fn no_timestamps(text: &str) -> String {
    text.replace(" 1757324310000", "")
        .replace(" 1757324910000", "")
}

/// `analyze OPTIONS… --previous A B`.
fn analyze_previous(options: &[&str], a: &Path, b: &Path) -> Run {
    let files = ["--previous", a.to_str().unwrap(), b.to_str().unwrap()];
    promtune(&[&["analyze"], options, &files].concat())
}

/// Runs `analyze --fail-on never --previous <the guide's example> LATER`, LATER holding
/// `later`, with `format`; returns the run.
fn after_the_guide(later: &str, format: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.prom");
    fs::write(&path, later).unwrap();
    let before = fixture("guide_example.prom");
    analyze_previous(&["--format", format, "--fail-on", "never"], &before, &path)
}

#[test]
fn previous_scrape_gives_rates_over_the_window() {
    let r = after_the_guide(&ten_minutes_later(), "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let v = &json_of(&r.stdout)["reports"][0];
    assert_eq!(
        (v["rates_over"].as_str(), v["uptime_seconds"].as_f64()),
        (Some("window"), Some(600.0))
    );
    assert_eq!(v["counter_resets"], 0);
    let p = &v["patterns"];
    assert_eq!(
        (p[0]["id"].as_str(), p[0]["requests"].as_f64()),
        (Some("metrics_scrapes"), Some(40.0))
    );
    assert_eq!(p[0]["interval_seconds"].as_f64(), Some(15.0));
    assert_eq!(
        (p[1]["requests"].as_f64(), p[1]["interval_seconds"].as_f64()),
        (Some(20.0), Some(30.0))
    );
    assert_eq!(
        p[2]["requests"].as_f64(),
        Some(0.0),
        "no new 404s in the window"
    );
    assert_eq!(
        check_row(v, "request_rate", None)["value"].as_f64(),
        Some(0.1)
    );
    assert_eq!(check_row(v, "cpu", None)["value"].as_f64(), Some(0.01));
    assert_eq!(
        check_row(v, "error_rate", None)["value"].as_f64(),
        Some(0.0),
        "no new 5xx in the window"
    );
    assert_eq!(
        check_row(v, "memory", None)["value"].as_f64(),
        Some(943718400.0),
        "a gauge keeps its later value"
    );
}

/// Writes two scrapes into a new directory, each with the record `promtune scrape` writes:
/// `a` taken at `t0` (unix seconds), `b` a minute later. Their modification times say the
/// opposite (`b` a day before `a`), as a checkout or a copy may leave them: nothing may
/// read them. Returns the directory (removed when dropped) and both paths.
fn a_minute_apart(a: &[u8], b: &[u8], t0: u64) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.prom"), dir.path().join("b.prom"));
    let day = Duration::from_secs(86_400);
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(t0);
    for (p, text, t, mtime) in [
        (&pa, a, t0, t0 + day),
        (&pb, b, t0 + Duration::from_secs(60), t0),
    ] {
        fs::write(p, text).unwrap();
        let at = humantime::format_rfc3339_millis(t).to_string();
        crate::support::write_record(p, &at, None);
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }
    (dir, pa, pb)
}

/// `analyze --format json --previous A B`.
fn previous(a: &Path, b: &Path) -> Run {
    analyze_previous(&["--format", "json"], a, b)
}

#[test]
fn saved_records_date_scrapes_without_timestamps_and_modification_times_never_do() {
    let (dir, a, b) = a_minute_apart(
        no_timestamps(&guide()).as_bytes(),
        no_timestamps(&ten_minutes_later()).as_bytes(),
        1_757_324_310,
    );
    let r = previous(&a, &b);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = &json_of(&r.stdout)["reports"][0];
    assert_eq!(v["uptime_seconds"].as_f64(), Some(60.0));
    let (ra, rb) = (
        format!("{}.promtune.json", a.display()),
        format!("{}.promtune.json", b.display()),
    );
    assert_eq!(
        v["uptime_source"],
        format!("the time recorded in {ra} (earlier) and the time recorded in {rb} (later)")
    );
    // 60 requests in the minute between the records (the modification times, a day apart
    // and in the wrong order, would give none or refuse).
    assert_eq!(
        check_row(v, "request_rate", None)["value"].as_f64(),
        Some(1.0)
    );
    // Without the records, nothing dates the two scrapes: refused, saying how to date them.
    fs::remove_file(&ra).unwrap();
    fs::remove_file(&rb).unwrap();
    let r = previous(&a, &b);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("cannot tell when the two scrapes were taken")
            && r.stderr.contains("--scraped-at"),
        "{}",
        r.stderr
    );
    drop(dir);
    let (_dir, a, b) = a_minute_apart(
        no_timestamps(&guide()).as_bytes(),
        no_timestamps(&ten_minutes_later()).as_bytes(),
        1_757_324_310,
    );
    // Swapped, the window would be negative: refused with both times named.
    let r = previous(&b, &a);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("a.prom: error: the earlier scrape (2025-09-08T09:39:30.000Z, from the time recorded in ")
            && r.stderr.contains("is not before the later one (2025-09-08T09:38:30.000Z"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_counter_that_goes_down_between_two_scrapes_is_a_reset_with_a_warning() {
    let text = edit(
        &ten_minutes_later(),
        "status_code=\"200\"} 434.0",
        "status_code=\"200\"} 12.0",
    );
    let r = after_the_guide(&text, "json");
    assert_eq!(
        r.code, 0,
        "valid but odd data is a result with a warning: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(r#"later.prom: warning: http_requests_total{endpoint="/metrics",method="GET",status_code="200"} went down between the two scrapes (value from 394 to 12): a counter reset, counted from zero"#),
        "{}",
        r.stderr
    );
    let v = &json_of(&r.stdout)["reports"][0];
    assert_eq!(v["counter_resets"], 1);
    assert_eq!(
        v["patterns"][0]["requests"].as_f64(),
        Some(12.0),
        "counted from zero, as increase() does"
    );
    let table = after_the_guide(&text, "table");
    assert!(
        table
            .stdout
            .contains("Counter resets: 1 between the two scrapes"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_restart_between_the_scrapes_means_rates_since_the_restart() {
    // Restarted 110 s before the later scrape; counters began again from zero.
    let text = edit(
        &ten_minutes_later(),
        "process_start_time_seconds 1757318400.0",
        "process_start_time_seconds 1757324800.0",
    );
    let text = edit(
        &text,
        "status_code=\"200\"} 434.0",
        "status_code=\"200\"} 11.0",
    );
    let r = after_the_guide(&text, "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning: the process restarted between the two scrapes (its start time moved by 6400s); rates cover the 110s since the restart"), "{}", r.stderr);
    let v = &json_of(&r.stdout)["reports"][0];
    assert_eq!(
        (v["rates_over"].as_str(), v["uptime_seconds"].as_f64()),
        (Some("uptime"), Some(110.0))
    );
    assert_eq!(v["patterns"][0]["requests"].as_f64(), Some(11.0));
}

#[test]
fn window_scrapes_each_url_twice_and_uses_the_request_times() {
    let body = |t: String| {
        Reply::Respond(
            200,
            vec![("Content-Type".into(), "text/plain; version=0.0.4".into())],
            t.into_bytes(),
        )
    };
    let s = serve(Reply::Sequence(vec![
        body(no_timestamps(&guide())),
        body(no_timestamps(&ten_minutes_later())),
    ]));
    let r = promtune(&[
        "analyze",
        "--format",
        "json",
        "--window",
        "300ms",
        "--fail-on",
        "never",
        &s.url,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("promtune: waiting 300ms for the second scrape"),
        "{}",
        r.stderr
    );
    assert_eq!(s.requests.lock().unwrap().len(), 2);
    let v = &json_of(&r.stdout)["reports"][0];
    let window = v["uptime_seconds"].as_f64().unwrap();
    assert!((0.3..10.0).contains(&window), "{window}");
    assert_eq!(
        v["uptime_source"],
        "the time of the HTTP request of both scrapes"
    );
    assert_eq!(v["patterns"][0]["requests"].as_f64(), Some(40.0));
    assert!(
        (check_row(v, "request_rate", None)["value"]
            .as_f64()
            .unwrap()
            - 60.0 / window)
            .abs()
            < 1e-6
    );
}

#[test]
fn two_scrape_modes_refuse_what_they_cannot_compare() {
    let g = fixture("guide_example.prom");
    let g = g.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--previous", g, g, g],
            "--previous is an earlier scrape of one source, but 2 sources were given",
        ),
        (
            &["--window", "1s", g],
            "--window reads each source twice, so it needs http(s):// URLs",
        ),
        (
            &["--window", "soon", "http://127.0.0.1:1/metrics"],
            "--window \"soon\"",
        ),
        (
            &[
                "--window",
                "1s",
                "--scraped-at",
                "0",
                "http://127.0.0.1:1/metrics",
            ],
            "--scraped-at cannot date a --window scrape",
        ),
    ];
    for (args, msg) in cases {
        let r = promtune(&[&["analyze"], args].concat());
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains(msg), "{args:?}: {}", r.stderr);
    }
    let r = promtune(&["analyze", "--previous", "fixtures/none.prom", g]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("fixtures/none.prom: error:")
            && r.stderr.contains("(the earlier scrape)"),
        "{}",
        r.stderr
    );
}

#[test]
fn window_does_not_wait_when_no_first_scrape_worked() {
    let url = refused_url();
    let start = std::time::Instant::now();
    let r = promtune(&["analyze", "--window", "1h", &url]);
    assert!(start.elapsed() < PATIENCE, "it waited");
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("waiting"), "{}", r.stderr);
    assert!(
        r.stderr.contains("connection refused") && r.stderr.contains("(the earlier scrape)"),
        "{}",
        r.stderr
    );
}

#[test]
fn request_counters_declared_as_gauges_are_subtracted_too() {
    // Ray (through OpenCensus) declares ray_serve_num_http_requests as a gauge; the same
    // scrape a minute later means no request in that minute.
    let text = fs::read(fixture(
        "corpus/python-ray-serve/datadog-ray-2.6.1-head.txt",
    ))
    .unwrap();
    let (_dir, a, b) = a_minute_apart(&text, &text, 1_800_000_000);
    let r = previous(&a, &b);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = &json_of(&r.stdout)["reports"][0];
    assert_eq!(v["requests"]["family"], "ray_serve_num_http_requests");
    assert_eq!(
        check_row(v, "request_rate", None)["value"].as_f64(),
        Some(0.0)
    );
}

#[test]
fn every_real_fixture_compared_with_itself_a_minute_later_shows_nothing_happening() {
    let cfg = config::load(None, None, None).unwrap();
    let keep = retention(&cfg.traffic);
    let at = |t: f64| Some(TimeSource::observed(t, "test"));
    let mut compared = 0;
    for f in real_fixtures() {
        let opts = ParseOptions {
            retain: Some(&keep),
            ..ParseOptions::default()
        };
        let Ok(parsed) = parse_bytes(&fs::read(&f).unwrap(), &opts) else {
            continue;
        };
        if parsed.snapshot.stats.latest_timestamp.is_some() {
            continue; // sample timestamps date both scrapes alike: no window
        }
        let (earlier, later) = (
            Scrape {
                parsed: &parsed,
                time: at(1.8e9),
            },
            Scrape {
                parsed: &parsed,
                time: at(1.8e9 + 60.0),
            },
        );
        let name = f.display().to_string();
        let r = analyse(name.clone(), &later, Some(&earlier), &cfg)
            .unwrap()
            .report;
        assert_eq!((r.uptime.0, r.resets), (Some(60.0), 0), "{name}");
        for p in &r.patterns {
            assert!(p.requests.unwrap_or(0.0) == 0.0, "{name}: {p:?}");
        }
        for c in &r.checks {
            let id = c.measurement.check;
            if ["request_rate", "error_rate", "not_found", "cpu"].contains(&id) {
                let v = c.measurement.value.unwrap_or(0.0);
                assert!(v == 0.0, "{name}: {id} is {v}");
            }
        }
        compared += 1;
    }
    println!("two-scrape self comparison: {compared} fixtures");
    assert!(compared >= 20, "{compared}");
}
