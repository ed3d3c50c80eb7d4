//! Baselines (`promtune baseline write`, `analyze --baseline`) and suppressions (`ignore:` in
//! the config file, with reasons and expiry at a fixed `--now`): waived findings stay visible,
//! marked, in every format, and do not count for `--fail-on`.

use std::fs;

use serde_json::Value;

use crate::support::{fixture, json_of, promtune};

const GUIDE: &str = "fixtures/guide_example.prom";

fn checks(out: &Value) -> Vec<Value> {
    out["reports"][0]["checks"].as_array().unwrap().clone()
}

fn waived(out: &Value, id: &str, subject: Option<&str>) -> Value {
    checks(out)
        .into_iter()
        .find(|c| c["id"] == id && c["subject"].as_str() == subject)
        .unwrap()["waived"]
        .clone()
}

#[test]
fn a_baseline_fails_only_on_new_or_worse_findings() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("app.prom");
    fs::copy(fixture("guide_example.prom"), &src).unwrap();
    let src = src.to_str().unwrap();
    let base = dir.path().join("baseline.json");
    let r = promtune(&["baseline", "write", base.to_str().unwrap(), src]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("(4 findings)"), "{}", r.stderr);
    // Unchanged: nothing new, exit 0 even at --fail-on warning; the findings are still shown.
    let run = |extra: &[&str]| {
        let mut a = vec![
            "analyze",
            "--fail-on",
            "warning",
            "--baseline",
            base.to_str().unwrap(),
            "--format",
            "json",
            src,
        ];
        a.extend(extra);
        promtune(&a)
    };
    let r = run(&[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(waived(&out, "memory", None)["kind"], "baseline");
    assert_eq!(
        checks(&out).iter().find(|c| c["id"] == "memory").unwrap()["status"],
        "warning"
    );
    // Worse: memory 1144MB is critical, past the baseline's warning: it counts, exit 1.
    let text = fs::read_to_string(src).unwrap().replace(
        "process_resident_memory_bytes 943718400.0",
        "process_resident_memory_bytes 1200000000.0",
    );
    fs::write(src, text).unwrap();
    let r = run(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(waived(&out, "memory", None), Value::Null);
    assert_eq!(
        waived(&out, "cache_hit_rate", Some("query_cache"))["kind"],
        "baseline"
    );
    // Without the baseline the same run fails on the warnings too; a bad file is exit 2.
    let r = promtune(&["analyze", "--fail-on", "warning", GUIDE]);
    assert_eq!(r.code, 1);
    fs::write(&base, "{}").unwrap();
    assert_eq!(run(&[]).code, 2);
    // Never over an existing baseline without --force.
    let r = promtune(&["baseline", "write", base.to_str().unwrap(), src]);
    assert_eq!(r.code, 2);
    assert_eq!(fs::read_to_string(&base).unwrap(), "{}");
}

#[test]
fn suppressions_apply_until_their_day_and_stay_visible() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("promtune.yaml");
    fs::write(
        &cfg,
        "ignore:\n  - check: memory\n    until: 2027-03-01\n    reason: leak fix rolling out\n  - check: cache_hit_rate\n    subject: query_cache\n    reason: cache resized next sprint\n",
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    let run = |now: &str, format: &str| {
        promtune(&[
            "analyze",
            "--config",
            cfg,
            "--now",
            now,
            "--fail-on",
            "warning",
            "--format",
            format,
            GUIDE,
        ])
    };
    let r = run("2027-03-01T23:00:00Z", "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(
        waived(&out, "memory", None)["description"],
        "suppressed until 2027-03-01: leak fix rolling out"
    );
    assert_eq!(
        waived(&out, "cache_hit_rate", Some("query_cache"))["kind"],
        "suppressed"
    );
    let errors: Vec<String> = crate::formats::schema()
        .iter_errors(&out)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The day after: memory counts again, and the report says why.
    let r = run("2027-03-02T00:00:00Z", "json");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(waived(&out, "memory", None), Value::Null);
    assert!(out["reports"][0]["notices"][0]
        .as_str()
        .unwrap()
        .contains("the suppression of memory ended on 2027-03-01"));
    // Every format marks them.
    let table = run("2027-02-01T00:00:00Z", "table").stdout;
    assert!(table.contains("warning (suppressed)"), "{table}");
    let gh = run("2027-02-01T00:00:00Z", "github").stdout;
    assert!(gh.contains("::notice file=fixtures/guide_example.prom,line=7,title=promtune memory::Memory Usage is 900MB (warning: past > 800MB) (suppressed until 2027-03-01: leak fix rolling out)"), "{gh}");
    let sarif: Value = serde_json::from_str(&run("2027-02-01T00:00:00Z", "sarif").stdout).unwrap();
    let mem = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == "memory")
        .unwrap()
        .clone();
    assert_eq!(
        mem["suppressions"][0]["justification"],
        "suppressed until 2027-03-01: leak fix rolling out"
    );
    assert!(crate::support::sarif_schema().is_valid(&sarif));
    let junit = run("2027-02-01T00:00:00Z", "junit").stdout;
    assert!(
        junit.contains("failures=\"0\"")
            && junit.contains("<skipped message=\"Memory Usage is 900MB"),
        "{junit}"
    );
    if let Some((ok, msg)) = crate::support::junit_xsd(&junit) {
        assert!(ok, "{msg}");
    }
}

#[test]
fn a_suppression_needs_a_reason_and_a_known_check() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        ("ignore:\n  - check: memory\n", "c.yaml:2:5: ignore[0]: `reason` is missing: a suppression needs a reason"),
        ("ignore:\n  - check: memory\n    reason: \" \"\n", "c.yaml:3:13: ignore[0].reason: a suppression needs a reason"),
        ("ignore:\n  - check: memroy\n    reason: x\n", "ignore[0].check: unknown check \"memroy\" (expected one of: request_rate, memory, cache_hit_rate"),
        ("ignore:\n  - check: memory\n    reason: x\n    until: soon\n", "ignore[0].until: expected a date such as 2027-03-01, got soon"),
    ] {
        let f = dir.path().join("c.yaml");
        fs::write(&f, text).unwrap();
        let r = promtune(&["analyze", "--config", f.to_str().unwrap(), GUIDE]);
        assert_eq!(r.code, 2, "{text}");
        assert!(r.stderr.contains(want), "{want:?} not in {}", r.stderr);
    }
}
