//! One test per construct of the walk, with invented names.

use super::*;

/// The need of `name` after reading `query`, as `(all, labels)`.
fn need(query: &str, name: &str) -> (bool, Vec<String>) {
    let mut u = Usage::default();
    u.add_query("t", query);
    assert!(u.unparsed.is_empty(), "{query}: {:?}", u.unparsed);
    let n = u
        .need(name)
        .unwrap_or_else(|| panic!("{query}: {name} unused"));
    (n.all_labels, n.labels.into_iter().collect())
}

fn labels(query: &str, name: &str) -> Vec<String> {
    let (all, labels) = need(query, name);
    assert!(!all, "{query}: {name} needs all labels");
    labels
}

fn all(query: &str, name: &str) {
    assert!(
        need(query, name).0,
        "{query}: {name} should need all labels"
    );
}

#[test]
fn a_selector_shown_as_it_is_needs_all_labels() {
    all("zz_a_total", "zz_a_total");
    all("rate(zz_a_total[5m])", "zz_a_total");
    all("abs(-zz_g) * 2", "zz_g");
    all("zz_g offset 5m", "zz_g");
    all("max_over_time(zz_g[10m:1m])", "zz_g");
}

#[test]
fn aggregation_by_needs_its_labels_and_the_matchers() {
    let q = r#"sum by (qa, qb) (rate(zz_a_total{qc="x", qd=~"y.*"}[5m]))"#;
    assert_eq!(labels(q, "zz_a_total"), ["qa", "qb", "qc", "qd"]);
    assert_eq!(labels("count(zz_g)", "zz_g"), Vec::<String>::new());
    all("sum without (qa) (zz_g)", "zz_g");
    assert_eq!(labels("quantile by (qa) (0.9, zz_g)", "zz_g"), ["qa"]);
}

#[test]
fn series_keeping_aggregations_need_all_labels() {
    for q in [
        "topk(3, zz_g)",
        "bottomk by (qa) (3, zz_g)",
        "limitk(2, zz_g)",
        r#"count_values("v", zz_g)"#,
    ] {
        all(q, "zz_g");
    }
}

#[test]
fn vector_matching_needs_its_labels() {
    // Without a modifier, series match on all their labels.
    all("zz_a / zz_b", "zz_a");
    all("zz_a / zz_b", "zz_b");
    all("zz_a / ignoring (qa) zz_b", "zz_b");
    let q = "sum by (qa) (zz_a * on (qi) group_left (qv) zz_b)";
    assert_eq!(labels(q, "zz_a"), ["qa", "qi"]);
    assert_eq!(labels(q, "zz_b"), ["qi", "qv"]);
    let q = "zz_a * on (qi) group_left (qv) zz_b";
    all(q, "zz_a");
    assert_eq!(labels(q, "zz_b"), ["qi", "qv"]);
    let q = "zz_a + on (qi) group_right zz_b";
    assert_eq!(labels(q, "zz_a"), ["qi"]);
    all(q, "zz_b");
    // One-to-one with on: only the on labels survive.
    assert_eq!(labels("zz_a / on (qi) zz_b", "zz_b"), ["qi"]);
    assert_eq!(labels("zz_a / on (qi) zz_b", "zz_a"), ["qi"]);
    let q = "zz_a and on (qi) zz_b";
    all(q, "zz_a");
    assert_eq!(labels(q, "zz_b"), ["qi"]);
    all("zz_a or on (qi) zz_b", "zz_b");
    // With a scalar there is no matching: labels pass through.
    assert_eq!(labels("sum by (qa) (zz_a > 3)", "zz_a"), ["qa"]);
}

#[test]
fn label_functions_need_their_sources() {
    let q = r#"sum by (qd) (label_replace(zz_g, "qd", "$1", "qs", "(.*)"))"#;
    assert_eq!(labels(q, "zz_g"), ["qd", "qs"]);
    let q = r#"count by (qd) (label_join(zz_g, "qd", ",", "qs1", "qs2"))"#;
    assert_eq!(labels(q, "zz_g"), ["qd", "qs1", "qs2"]);
}

#[test]
fn histogram_quantile_needs_le_and_what_is_above() {
    let q = "histogram_quantile(0.9, sum by (le, qa) (rate(zz_h_bucket[5m])))";
    assert_eq!(labels(q, "zz_h_bucket"), ["le", "qa"]);
    all(
        "histogram_quantile(0.9, rate(zz_h_bucket[5m]))",
        "zz_h_bucket",
    );
    // Even when nothing above groups by le, the function reads it.
    let q = "histogram_quantile(0.5, sum by (qa) (zz_h_bucket))";
    assert_eq!(labels(q, "zz_h_bucket"), ["qa"]);
    let q = "sum by (qa) (histogram_quantile(0.5, zz_h_bucket))";
    assert_eq!(labels(q, "zz_h_bucket"), ["le", "qa"]);
}

#[test]
fn name_matchers_give_names_or_patterns() {
    let mut u = Usage::default();
    u.add_query("a", r#"sum by (qa) ({__name__="zz_one"})"#);
    u.add_query("b", r#"count({__name__=~"zz_two|zz_three"})"#);
    u.add_query("c", r#"count({__name__=~"zz_pre_.+", qj="x"})"#);
    assert_eq!(
        u.need("zz_one").unwrap().labels,
        BTreeSet::from(["qa".into()])
    );
    assert!(u.names.contains_key("zz_two") && u.names.contains_key("zz_three"));
    assert_eq!(u.name_patterns.len(), 1);
    assert_eq!(u.name_patterns[0].regex, "zz_pre_.+");
    // Anchored at both ends, as PromQL anchors it.
    assert!(u.is_used("zz_pre_x"));
    assert!(!u.is_used("zz_pre_") && !u.is_used("a_zz_pre_x"));
    let n = u.need("zz_pre_x").unwrap();
    assert!(n.all_labels);
    assert_eq!(n.uses, ["c"]);
    assert!(!u.is_used("zz_unused"));
    assert_eq!(u.need("zz_unused"), None);
    // A selector without a name reads every name.
    u.add_query("d", r#"count({qj="x"})"#);
    assert!(u.is_used("zz_unused"));
}

#[test]
fn unparsed_queries_mark_their_words_used() {
    let mut u = Usage::default();
    u.add_query("x.yml:3", "sum(rate(zz_a_total[5m]) by (qa)");
    assert_eq!(u.unparsed.len(), 1);
    assert_eq!(u.unparsed[0].origin, "x.yml:3");
    let n = u.need("zz_a_total").unwrap();
    assert!(n.all_labels);
    assert_eq!(n.uses, ["x.yml:3 (not parsed)"]);
    // "5m" starts with a digit: not a name.
    assert!(!u.names.contains_key("m"));
    assert_eq!(u.queries(), 1);
}

/// Where a broken rule's query starts: after its name or before it (kube-prometheus writes
/// `expr` first), inline, quoted or as a block; a query log's `params.query`.
#[test]
fn unparsed_queries_are_placed_at_their_text() {
    let rules = "groups:\n- name: g\n  rules:\n  - expr: |-\n      sum(zz_a\n    record: r:a\n  - alert: B\n    labels:\n      - odd\n    expr: \"sum(zz_b\"\n  - alert: C\n    expr: sum(zz_c\n";
    let mut u = Usage::default();
    u.add_rules_text("r.yml", rules).unwrap();
    let at: Vec<(&str, Option<&str>)> = u
        .unparsed
        .iter()
        .map(|x| (x.origin.as_str(), x.at.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            ("r.yml:6 (group \"g\", record \"r:a\")", Some("r.yml:5:7")),
            ("r.yml:7 (group \"g\", alert \"B\")", Some("r.yml:10:12")),
            ("r.yml:11 (group \"g\", alert \"C\")", Some("r.yml:12:11")),
        ]
    );
    let log = "{\"params\":{\"end\":\"x\",\"query\": \"sum(zz_d\"},\"ts\":\"y\"}\n";
    u.add_query_log("q.log", log.as_bytes()).unwrap();
    assert_eq!(u.unparsed[3].at.as_deref(), Some("q.log:1:32"));
    let kinds: Vec<&str> = u.sources.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["rules", "query log"]);
}

#[test]
fn deep_queries_are_refused_not_overflowed() {
    // A left-deep chain as deep as the limit allows parses and walks on a test thread's
    // 2 MiB stack (3,300 overflowed it, in a debug build); one operator more is refused.
    let chain = vec!["zz_a"; OPERATOR_LIMIT + 1].join("+");
    let mut u = Usage::default();
    u.add_query("deep", &chain);
    assert!(u.need("zz_a").is_some());
    assert!(u.unparsed.is_empty(), "{:?}", u.unparsed);
    u.add_query("deeper", &format!("{chain}+zz_b"));
    assert_eq!(u.unparsed.len(), 1, "{:?}", u.unparsed);
    assert!(u.unparsed[0].error.contains("more than 1000 operators"));
    assert!(u.need("zz_b").unwrap().all_labels);
    let nested = format!(
        "{}zz_c{}",
        "abs(".repeat(OPERATOR_LIMIT),
        ")".repeat(OPERATOR_LIMIT)
    );
    u.add_query("nested", &nested);
    assert_eq!(u.unparsed.len(), 1, "{:?}", u.unparsed);
    assert!(u.need("zz_c").is_some());
    let long = format!("zz_d{{qa=\"{}\"}}", "x".repeat(QUERY_LIMIT));
    u.add_query("long", &long);
    assert!(u.unparsed[1].error.contains("longer than 16384 bytes"));
}

#[test]
fn uses_are_bounded() {
    let mut u = Usage::default();
    for i in 0..USES_LIMIT + 5 {
        u.add_query(&format!("q{i}"), "zz_g");
    }
    let n = u.need("zz_g").unwrap();
    assert_eq!((n.uses.len(), n.more_uses), (USES_LIMIT, 5));
    assert_eq!(u.queries(), USES_LIMIT as u64 + 5);
}

#[test]
fn set_operators_count_towards_the_depth() {
    let chain = vec!["zz_a"; OPERATOR_LIMIT + 2].join(" or ");
    let mut u = Usage::default();
    u.add_query("or", &chain);
    assert_eq!(u.unparsed.len(), 1, "{:?}", u.unparsed);
}

#[test]
fn readers_name_each_use_and_count_per_source() {
    let mut u = Usage::default();
    u.add_query_from("server", "server: group g, rule r", "zz_s");
    u.add_query_from("server", "server: group g, rule q", "zz_s");
    let server = super::Source {
        path: "server".into(),
        kind: super::SourceKind::Server,
        queries: 2,
    };
    assert_eq!(u.sources, [server]);
    let rules =
        "groups:\n- name: g\n  rules:\n  - record: r\n    expr: zz_r\n  - record: r\n    expr: 1\n";
    assert_eq!(u.add_rules_text("own.yml", rules).unwrap(), 2);
    assert_eq!(
        u.need("zz_r").unwrap().uses,
        ["own.yml:4 (group \"g\", record \"r\")"]
    );
    // A library panel whose model is not in the file is reported, not skipped silently.
    let dash = r#"{"panels": [{"title": "P", "libraryPanel": {"uid": "u", "name": "N"}}]}"#;
    assert_eq!(u.add_dashboard_text("own.json", dash).unwrap(), 0);
    assert_eq!(u.unparsed.len(), 1);
    assert!(
        u.unparsed[0].error.contains("library panel \"N\""),
        "{:?}",
        u.unparsed
    );
    let e = u
        .add_dashboard_text("bad.json", "{\"panels\": [1]}")
        .unwrap_err();
    assert!(
        e.to_string().starts_with("bad.json:1:13: not a dashboard"),
        "{e}"
    );
    let e = u
        .add_rules_text("c.yml", "scrape_configs: []\n")
        .unwrap_err();
    assert!(
        e.to_string().starts_with("c.yml: neither a rule file"),
        "{e}"
    );
}

#[test]
fn json_and_yaml_that_are_no_usage_say_so() {
    let mut u = Usage::default();
    let e = u
        .add_dashboard_text("p.json", r#"{"name": "x"}"#)
        .unwrap_err();
    assert!(e.downcast_ref::<NotUsage>().is_some(), "{e}");
    let e = u
        .add_rules_text("c.yml", "scrape_configs: []\n")
        .unwrap_err();
    assert!(e.downcast_ref::<NotUsage>().is_some(), "{e}");
    // An empty dashboard is a dashboard.
    assert_eq!(
        u.add_dashboard_text("e.json", r#"{"panels": []}"#).unwrap(),
        0
    );
}

#[test]
fn a_variable_standing_for_a_label_or_a_name_reads_everything() {
    // What template.rs leaves for `sum by ($group)` and for a bare `$metric`.
    all(&format!("sum by ({}) (zz_g)", promql::VAR), "zz_g");
    all(&format!("count(zz_g{{{}=\"x\"}})", promql::VAR), "zz_g");
    let mut u = Usage::default();
    u.add_query("d", &format!("rate({}[5m])", promql::VAR));
    assert!(u.is_used("zz_anything") && u.need("zz_anything").unwrap().all_labels);
}
