//! Snapshots of the three report formats for the guide's example, and the JSON contract
//! checked against `docs/report.schema.json`.
//!
//! Snapshots live in `tests/cli/snapshots/`; run with `UPDATE_SNAPSHOTS=1` to rewrite them
//! after an intended change, and review the diff.

use std::path::PathBuf;

use crate::support::promtune;

fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b);
        panic!("{name} differs from its snapshot (first differing line: {first:?}):\n{actual}");
    }
}

fn run(format: &str) -> String {
    let r = promtune(&["analyze", "--format", format, "fixtures/guide_example.prom"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn table_snapshot() {
    snapshot("guide_example.table.txt", &run("table"));
}

#[test]
fn markdown_snapshot() {
    snapshot("guide_example.md", &run("markdown"));
}

#[test]
fn json_snapshot() {
    snapshot("guide_example.json", &run("json"));
}

pub(crate) fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json"),
    )
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("valid JSON Schema")
}

#[test]
fn json_follows_the_schema_for_every_fixture() {
    let v = schema();
    let sources = [
        "fixtures/guide_example.prom",
        "fixtures/exposition/fastapi_instrumentator.prom",
        "fixtures/exposition/express_prom_bundle.prom",
        "fixtures/exposition/grafana.prom",
        "fixtures/corpus/java-quarkus/datadog-quarkus-auto-metrics.txt",
        "fixtures/corpus/kube-state-metrics/datadog-ksm-prometheus.txt",
        "fixtures/corpus/ruby-gitlab/datadog-gitlab-rails-metrics.txt",
        "fixtures/corpus/python-ray-serve/datadog-ray-2.6.1-head.txt",
        "fixtures/does-not-exist.prom",
    ];
    let mut args = vec![
        "analyze",
        "--format",
        "json",
        "--scraped-at",
        "2026-01-01T00:00:00Z",
    ];
    args.extend(sources);
    let r = promtune(&args);
    assert_eq!(r.code, 2, "the missing file makes it exit 2");
    let out: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&out)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(out["reports"].as_array().unwrap().len(), sources.len());
    assert!(out["reports"][8]["error"]
        .as_str()
        .unwrap()
        .contains("cannot open"));
    // The schema is not vacuous: a report missing `checks` fails it.
    let mut broken = out.clone();
    broken["reports"][0]
        .as_object_mut()
        .unwrap()
        .remove("checks");
    assert!(!v.is_valid(&broken));
}
