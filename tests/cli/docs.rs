//! Docs drift: every detector has its page, and the example configs load.

use std::collections::BTreeSet;

use crate::support::{fixture, promtune};

#[test]
fn every_detector_has_a_docs_page_and_a_unique_id() {
    let ids: Vec<&str> = promtune::detect::registry()
        .iter()
        .map(|d| d.id())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "the registry is kept alphabetical");
    for id in ids {
        let page = fixture(&format!("../docs/detectors/{id}.md"));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(
            text.starts_with(&format!("# {id}\n")),
            "{id}.md must start with its id"
        );
    }
    let r = promtune(&["detectors"]);
    assert_eq!(r.stdout.lines().count(), unique.len());
}

#[test]
fn example_configs_load() {
    let r = promtune(&[
        "thresholds",
        "--thresholds",
        "docs/examples/thresholds.yaml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("< 5/s"), "{}", r.stdout);
    let r = promtune(&["thresholds", "--config", "docs/examples/promtune.yaml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("< 0.25s"), "{}", r.stdout);
}

#[test]
fn config_names_the_request_family_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("promtune.yaml");
    std::fs::write(
        &cfg,
        "exporter:\n  requests: http_request_duration_seconds\n  route_label: endpoint\n",
    )
    .unwrap();
    let r = promtune(&[
        "analyze",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--config",
        cfg.to_str().unwrap(),
        "fixtures/guide_example.prom",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["reports"][0]["requests"]["family"],
        "http_request_duration_seconds"
    );
    assert_eq!(
        v["reports"][0]["requests"]["selector"],
        "http_request_duration_seconds_count"
    );
    assert_eq!(v["reports"][0]["requests"]["route_label"], "endpoint");
}
