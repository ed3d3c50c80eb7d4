//! `promtune compare`: the guide's "Expected performance improvements", measured between
//! the guide's example and `fixtures/guide_after.prom` (the same service as the guide's
//! targets would leave it: see `fixtures/make_guide_example.py --after`).

use serde_json::Value;

use crate::support::{json_of, promtune};

const BEFORE: &str = "fixtures/guide_example.prom";
const AFTER: &str = "fixtures/guide_after.prom";
/// The guide's "Expected performance improvements" as expectations.
const GUIDE: [&str; 4] = [
    "request_rate=-44%",
    "memory=-44%",
    "p95_latency=-47%",
    "not_found=-100%",
];

fn compare(args: &[&str]) -> crate::support::Run {
    let mut a = vec!["compare"];
    a.extend(args);
    promtune(&a)
}

fn row<'a>(out: &'a Value, id: &str, subject: Option<&str>) -> &'a Value {
    out["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id && r["subject"].as_str() == subject)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn close(v: &Value, want: f64) {
    assert!((v.as_f64().unwrap() - want).abs() < 1e-12, "{v} vs {want}");
}

#[test]
fn compare_reproduces_the_guides_improvements_table() {
    let mut args = vec![BEFORE, AFTER, "--format", "json"];
    for e in GUIDE {
        args.extend(["--expect", e]);
    }
    let r = compare(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    // The figures the two fixtures were written with (make_guide_example.py).
    let mb = 1024.0 * 1024.0;
    close(
        &row(&out, "request_rate", None)["change"],
        (589.0 - 1052.0) / 1052.0,
    );
    close(
        &row(&out, "memory", None)["change"],
        (480.0 * mb - 900.0 * mb) / (900.0 * mb),
    );
    close(
        &row(&out, "p95_latency", None)["after"],
        0.005 * (0.95 * 589.0) / 580.0,
    );
    close(&row(&out, "not_found", None)["change"], -1.0);
    close(
        &row(&out, "cache_hit_rate", Some("query_cache"))["after"],
        546.0 / 600.0,
    );
    close(&row(&out, "metrics_scrapes", None)["after"], 30.0);
    for r in out["rows"].as_array().unwrap() {
        assert_eq!(r["verdict"], "improved", "{r}");
    }
    for id in ["request_rate", "memory", "p95_latency", "not_found"] {
        assert_eq!(row(&out, id, None)["expected_met"], true, "{id}");
    }
    assert_eq!(out["failed"], false);
    // The same from saved JSON reports.
    let dir = tempfile::tempdir().unwrap();
    for (src, name) in [(BEFORE, "before.json"), (AFTER, "after.json")] {
        let j = promtune(&["analyze", "--format", "json", "--fail-on", "never", src]);
        std::fs::write(dir.path().join(name), j.stdout).unwrap();
    }
    let (b, a) = (
        dir.path().join("before.json"),
        dir.path().join("after.json"),
    );
    let mut args2 = vec![b.to_str().unwrap(), a.to_str().unwrap(), "--format", "json"];
    for e in GUIDE {
        args2.extend(["--expect", e]);
    }
    let saved = json_of(&compare(&args2).stdout);
    assert_eq!(saved["rows"], out["rows"]);
}

#[test]
fn a_regression_or_an_unmet_expectation_fails() {
    let r = compare(&[AFTER, BEFORE, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(row(&out, "memory", None)["verdict"], "regressed");
    assert_eq!(out["failed"], true);
    let r = compare(&[BEFORE, AFTER, "--expect", "memory=-60%"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("-60%: not met"), "{}", r.stdout);
    // Within the tolerance is the same; a wider tolerance hides a 47% change.
    let same = json_of(&compare(&[BEFORE, BEFORE, "--format", "json"]).stdout);
    // (The request rate is reported, not judged, unless an expectation names it.)
    assert!(same["rows"].as_array().unwrap().iter().all(|r| r["verdict"]
        == if r["id"] == "request_rate" {
            "reported"
        } else {
            "same"
        }));
    let wide = json_of(&compare(&[BEFORE, AFTER, "--format", "json", "--tolerance", "50%"]).stdout);
    assert_eq!(row(&wide, "memory", None)["verdict"], "same");
    // An expectation about a check that does not exist names the valid ones.
    let r = compare(&[BEFORE, AFTER, "--expect", "memroy=-40%"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown check (expected one of: request_rate, memory"),
        "{}",
        r.stderr
    );
    // An expectations file, with its line in errors.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("targets.txt");
    std::fs::write(&f, "# the guide\nmemory=-44%\np95_latency=fast\n").unwrap();
    let r = compare(&[BEFORE, AFTER, "--expect-file", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("targets.txt:3:"), "{}", r.stderr);
}

#[test]
fn every_format_reports_the_regressions() {
    let md = compare(&[AFTER, BEFORE, "--format", "markdown"]).stdout;
    assert!(
        md.contains("| Memory Usage | 480MB | 900MB | +87.5% | regressed | - |"),
        "{md}"
    );
    let gh = compare(&[AFTER, BEFORE, "--format", "github"]).stdout;
    assert!(
        gh.lines()
            .all(|l| l.starts_with("::error title=promtune compare ")),
        "{gh}"
    );
    // Ten rows got worse; nine are regressions: the request rate rose, which is more
    // traffic, not a fault, and no expectation asked about it.
    assert_eq!(gh.lines().count(), 9, "{gh}");
    assert!(!gh.contains("Request Rate"), "{gh}");
    let sarif: Value =
        serde_json::from_str(&compare(&[AFTER, BEFORE, "--format", "sarif"]).stdout).unwrap();
    assert!(crate::support::sarif_schema().is_valid(&sarif), "{sarif}");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 9);
    let junit = compare(&[AFTER, BEFORE, "--format", "junit"]).stdout;
    assert!(junit.contains("failures=\"9\""), "{junit}");
    if let Some((ok, msg)) = crate::support::junit_xsd(&junit) {
        assert!(ok, "{msg}");
    }
}

/// Two expositions made for this test: the same service, 600s and 1200s after its start.
/// Ground truth is the counts written here: 725 requests of which 108 are 404s (14.9%), then
/// 2993 of which 434 are 404s (14.5%).
fn exposition(uptime: f64, ok: u64, not_found: u64) -> String {
    let at = 1_800_000_000.0;
    format!(
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {} {}\n\
         # TYPE http_requests_total counter\n\
         http_requests_total{{method=\"GET\",endpoint=\"/api\",status_code=\"200\"}} {ok} {}\n\
         http_requests_total{{method=\"GET\",endpoint=\"/old\",status_code=\"404\"}} {not_found} {}\n",
        at - uptime,
        at * 1000.0,
        at * 1000.0,
        at * 1000.0
    )
}

#[test]
fn counts_are_compared_as_shares_and_more_traffic_is_not_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let (b, a) = (
        dir.path().join("before.prom"),
        dir.path().join("after.prom"),
    );
    std::fs::write(&b, exposition(600.0, 617, 108)).unwrap();
    std::fs::write(&a, exposition(1200.0, 2559, 434)).unwrap();
    let (b, a) = (b.to_str().unwrap(), a.to_str().unwrap());
    let r = compare(&[b, a, "--format", "json"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let out = json_of(&r.stdout);
    let nf = row(&out, "not_found", None);
    close(&nf["before"], 108.0 / 725.0);
    close(&nf["after"], 434.0 / 2993.0);
    assert_eq!(nf["verdict"], "same", "{nf}");
    let rr = row(&out, "request_rate", None);
    close(&rr["before"], 725.0 / 600.0);
    close(&rr["after"], 2993.0 / 1200.0);
    assert_eq!(rr["verdict"], "reported", "{rr}");
    assert_eq!(out["failed"], false);
    let table = compare(&[b, a]).stdout;
    assert!(table.contains("404 Errors (share of requests)"), "{table}");
    // Named by an expectation, the request rate is judged.
    let r = compare(&[b, a, "--format", "json", "--expect", "request_rate=-10%"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let rr = json_of(&r.stdout);
    let rr = row(&rr, "request_rate", None);
    assert_eq!(
        (rr["verdict"].as_str(), rr["expected_met"].as_bool()),
        (Some("regressed"), Some(false))
    );
    // A share that rose past the tolerance is a regression, whatever the traffic did.
    std::fs::write(dir.path().join("worse.prom"), exposition(1200.0, 2000, 434)).unwrap();
    let w = dir.path().join("worse.prom");
    let r = compare(&[b, w.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1);
    let out = json_of(&r.stdout);
    close(&row(&out, "not_found", None)["after"], 434.0 / 2434.0);
    assert_eq!(row(&out, "not_found", None)["verdict"], "regressed");
}
