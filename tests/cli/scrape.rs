//! `promtune scrape URL -o FILE` and the record it writes (issue #22 §2): a saved page keeps
//! its exact bytes, and `analyze`, `compare` and `check` date it by the recorded time and read
//! it by the recorded Content-Type, whatever its modification time says.

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::server::{serve, Reply};
use crate::support::{check_row, json_of, promtune};

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A page without sample timestamps: 3000 requests, the process started `up` seconds ago.
fn page(up: f64) -> String {
    format!(
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {:.0}\n\
         # TYPE http_requests_total counter\n\
         http_requests_total{{method=\"GET\",endpoint=\"/api\",status_code=\"200\"}} 3000\n",
        now() - up
    )
}

fn scrape(url: &str, out: &Path, extra: &[&str]) -> crate::support::Run {
    let o = out.to_str().unwrap();
    promtune(&[&["scrape", url, "-o", o], extra].concat())
}

fn record(page: &Path) -> Value {
    let r = fs::read_to_string(format!("{}.promtune.json", page.display())).unwrap();
    serde_json::from_str(&r).unwrap()
}

fn report(source: &Path) -> (i32, Value, String) {
    let r = crate::support::analyze_json(&[source.to_str().unwrap()]);
    let v = json_of(&r.stdout)["reports"][0].clone();
    (r.code, v, r.stderr)
}

#[test]
fn a_saved_page_keeps_its_bytes_and_is_dated_by_its_record_not_its_mtime() {
    let made = now();
    let body = page(1000.0);
    let ct = "text/plain; version=0.0.4; charset=utf-8";
    let s = serve(Reply::Respond(
        200,
        vec![("Content-Type".into(), ct.into())],
        body.clone().into_bytes(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("app.prom");
    let before = now();
    let r = scrape(&s.url, &saved, &[]);
    let after = now();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(fs::read_to_string(&saved).unwrap(), body, "the exact bytes");
    let rec = record(&saved);
    assert_eq!(rec["content_type"], ct);
    assert_eq!(rec["bytes"], body.len());
    let sum = std::process::Command::new("sha256sum")
        .arg(&saved)
        .output()
        .unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    assert_eq!(rec["sha256"].as_str(), sum.split_whitespace().next());
    let at = humantime::parse_rfc3339(rec["scraped_at"].as_str().unwrap())
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(before - 0.01 <= at && at <= after + 0.01, "{at} {before}");

    // Copied elsewhere and touched a year back, as `cp` or a checkout leaves it.
    let copy = dir.path().join("copy");
    fs::create_dir(&copy).unwrap();
    let moved = copy.join("app.prom");
    fs::copy(&saved, &moved).unwrap();
    fs::copy(
        format!("{}.promtune.json", saved.display()),
        format!("{}.promtune.json", moved.display()),
    )
    .unwrap();
    fs::File::options()
        .write(true)
        .open(&moved)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(365 * 86_400))
        .unwrap();
    let (code, v, err) = report(&moved);
    assert_eq!(code, 0, "{err}");
    // The page says the process started 1000s (rounded to the second) before it was made;
    // it was fetched between then and `after`.
    let up = v["uptime_seconds"].as_f64().unwrap();
    assert!(999.5 <= up && up <= 1000.5 + (after - made), "{up}");
    let rate = check_row(&v, "request_rate", None)["value"]
        .as_f64()
        .unwrap();
    assert!((rate - 3000.0 / up).abs() < 1e-9, "{rate}");
    assert!(
        v["scraped_at_source"]
            .as_str()
            .unwrap()
            .starts_with("the time recorded in"),
        "{v}"
    );
    assert!(v["format"]
        .as_str()
        .unwrap()
        .contains("Content-Type text/plain"));

    // Without its record, the time is unknown, and so are the rates: the note says how to
    // give it.
    fs::remove_file(format!("{}.promtune.json", moved.display())).unwrap();
    let (code, v, err) = report(&moved);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["uptime_seconds"], Value::Null);
    let rr = check_row(&v, "request_rate", None);
    assert_eq!(
        (rr["value"].clone(), rr["status"].clone()),
        (Value::Null, "unknown".into())
    );
    let note = rr["note"].as_str().unwrap();
    assert!(
        note.contains("--scraped-at") && note.contains("promtune scrape"),
        "{note}"
    );

    // An edited page no longer matches its record: refused, not dated by the wrong time.
    fs::write(&saved, format!("{body}up 1\n")).unwrap();
    let (code, _, err) = report(&saved);
    assert_eq!(code, 2);
    assert!(err.contains("does not describe"), "{err}");
    // And `scrape` does not overwrite without --force.
    let r = scrape(&s.url, &saved, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
}

#[test]
fn check_and_compare_read_the_recorded_content_type_and_time() {
    // OpenMetrics with a sample stamped ten minutes before the request: the timestamp wins,
    // and the gap is reported.
    let stamp = (now() - 600.0).floor();
    let body = format!(
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {:.0} {stamp:.3}\n# EOF\n",
        stamp - 100.0
    );
    let s = serve(Reply::Respond(
        200,
        vec![(
            "Content-Type".into(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8".into(),
        )],
        body.into_bytes(),
    ));
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("om.txt");
    assert_eq!(scrape(&s.url, &saved, &[]).code, 0);
    let r = promtune(&["check", saved.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Content-Type application/openmetrics-text"),
        "{}",
        r.stdout
    );
    let (code, v, err) = report(&saved);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["scraped_at_source"], "the latest sample timestamp");
    assert_eq!(v["uptime_seconds"].as_f64(), Some(100.0));
    let notice = v["notices"][0].as_str().unwrap_or_default();
    assert!(notice.contains("more than a scrape interval (60s)"), "{v}");
    let same = promtune(&["compare", saved.to_str().unwrap(), saved.to_str().unwrap()]);
    assert_eq!(same.code, 0, "{}", same.stderr);
}

#[test]
fn scrape_refuses_what_it_cannot_save() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.prom");
    let s = serve(Reply::Respond(200, vec![], Vec::new()));
    let r = scrape(&s.url, &out, &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no samples"), "{}", r.stderr);
    assert!(!out.exists());
    let r = scrape("localhost:9100/metrics", &out, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("http://localhost:9100/metrics"),
        "{}",
        r.stderr
    );
}
