//! `--usage`: rule files, PrometheusRule manifests, Grafana dashboards and a real
//! Prometheus's query log, read through the CLI (its summary on stderr) and the library (the
//! names and labels each use needs). Counts come from the files and from Prometheus's own
//! log, not from promtune.

use std::path::{Path, PathBuf};

use promtune::input::usage::{self, Usage};

use crate::prometheus::Prometheus;
use crate::support::{fixture, promtune, PATIENCE};

const RULES: &str = r#"groups:
  - name: zz
    rules:
      - record: job:zz_req:rate5m
        expr: sum by (job) (rate(zz_req_total{code=~"5.."}[5m]))
      - alert: ZzDown
        expr: zz_up == 0
      - alert: Broken
        expr: sum(rate(zz_broken_total[5m])
"#;

const MANIFEST: &str = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: other}
data: {a: b}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: zz}
spec:
  groups:
    - name: latency
      rules:
        - record: route:zz_lat:p99
          expr: histogram_quantile(0.99, sum by (le, route) (rate(zz_lat_seconds_bucket[5m])))
        - record: zz_a:versioned
          expr: sum by (instance) (zz_a * on (instance) group_left (version) zz_build_info)
"#;

/// Wrapped as Grafana's API returns it; a collapsed row, a library panel whose model is in
/// `__elements`, a Loki panel (not PromQL), and every spelling of a variable.
const DASHBOARD: &str = r#"{"meta": {"slug": "zz"}, "dashboard": {
  "title": "Zz",
  "__elements": {"lib1": {"uid": "lib1", "name": "L", "kind": 1,
    "model": {"title": "Nodes", "targets": [{"refId": "A", "expr": "count by (zone) (zz_lib_nodes)"}]}}},
  "templating": {"list": [
    {"name": "region", "type": "query", "datasource": {"type": "prometheus", "uid": "x"},
     "query": {"query": "label_values(zz_info{cluster=\"$cluster\"}, region)", "refId": "V"}},
    {"name": "top", "type": "query", "query": "query_result(topk(5, zz_top))"},
    {"name": "metric", "type": "query", "query": "metrics(zz_m_)"},
    {"name": "threshold", "type": "custom", "query": "0.5,0.9", "current": {"value": "0.5"}},
    {"name": "job", "type": "custom", "query": "a,b", "current": {"value": ["a"]}}
  ]},
  "panels": [
    {"type": "row", "title": "Network", "collapsed": true, "panels": [
      {"title": "Bytes", "datasource": {"type": "prometheus", "uid": "x"}, "targets": [
        {"refId": "A", "expr": "sum by (pod) (rate(zz_net_bytes_total{job=~\"$job\", ns=\"${ns:regex}\"}[$__rate_interval]))"}]}
    ]},
    {"title": "CPU", "targets": [{"refId": "A",
      "expr": "rate(zz_cpu_seconds_total{instance=~\"[[instance]]\"}[${__rate_interval}])"}]},
    {"title": "Ratio", "targets": [{"refId": "A", "expr": "zz_ratio > $threshold"},
      {"refId": "B", "expr": "sum by (x) ({__name__=~\"zz_dyn_$suffix\"})"}]},
    {"title": "Logs", "datasource": {"type": "loki", "uid": "l"},
     "targets": [{"refId": "A", "expr": "{app=\"zz\"} |= \"err\""}]},
    {"title": "Shared", "libraryPanel": {"uid": "lib1", "name": "L"}}
  ]}}"#;

fn labels(u: &Usage, name: &str) -> (bool, Vec<String>) {
    let n = u.need(name).unwrap_or_else(|| panic!("{name} is not used"));
    (n.all_labels, n.labels.into_iter().collect())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn rules_manifests_and_dashboards_are_read_with_the_labels_they_need() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rules.yml", RULES);
    write(dir.path(), "manifest.yaml", MANIFEST);
    write(dir.path(), "dashboard.json", DASHBOARD);
    write(
        dir.path(),
        "notes.md",
        "not usage: skipped inside a directory",
    );
    let d = dir.path().display().to_string();
    let r = promtune(&["analyze", "--usage", &d, "fixtures/guide_example.prom"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // 3 rules, 2 manifest rules, 5 dashboard targets and 3 query variables (Loki's skipped).
    let line = r.stderr.lines().find(|l| l.starts_with("usage:")).unwrap();
    assert!(
        line.starts_with(&format!(
            "usage: 13 queries from 3 sources ({d}/dashboard.json 8, {d}/manifest.yaml 2, {d}/rules.yml 3); 1 query not understood"
        )),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "{d}/rules.yml:8 (group \"zz\", alert \"Broken\"): "
        )),
        "{line}"
    );

    let u = usage::load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(
        labels(&u, "zz_req_total"),
        (false, vec!["code".into(), "job".into()])
    );
    assert!(labels(&u, "zz_up").0);
    assert!(labels(&u, "zz_broken_total").0, "unparsed: all labels");
    assert_eq!(u.unparsed.len(), 1);
    let lat = labels(&u, "zz_lat_seconds_bucket");
    assert_eq!(lat, (false, vec!["le".into(), "route".into()]));
    let build = labels(&u, "zz_build_info");
    assert_eq!(build, (false, vec!["instance".into(), "version".into()]));
    assert_eq!(labels(&u, "zz_a"), (false, vec!["instance".into()]));
    // The dashboard: the variables' labels are still needed, their values any.
    let net = labels(&u, "zz_net_bytes_total");
    assert_eq!(net, (false, vec!["job".into(), "ns".into(), "pod".into()]));
    assert!(labels(&u, "zz_cpu_seconds_total").0);
    assert!(labels(&u, "zz_ratio").0);
    assert_eq!(labels(&u, "zz_lib_nodes"), (false, vec!["zone".into()]));
    let info = labels(&u, "zz_info");
    assert_eq!(info, (false, vec!["cluster".into(), "region".into()]));
    assert!(labels(&u, "zz_top").0);
    assert!(u.is_used("zz_dyn_anything") && !u.is_used("zz_dyn"));
    assert!(u.is_used("zz_m_x") && u.is_used("a_zz_m_"));
    assert!(!u.is_used("zz_unused") && !u.is_used("app"));
    let lib = format!("{d}/dashboard.json: dashboard \"Zz\", panel \"Nodes\", query A");
    assert_eq!(u.need("zz_lib_nodes").unwrap().uses, [lib]);
}

#[test]
fn a_real_prometheus_query_log_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("query.log");
    let config = format!("global:\n  query_log_file: {}\n", log.display());
    let Some(p) = Prometheus::start(&config) else {
        return;
    };
    let queries = [
        r#"sum by (job) (rate(prometheus_http_requests_total{handler="/api/v1/query"}[1m]))"#,
        "up",
        "histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[1m])))",
        "up",
    ];
    for q in queries {
        p.query(q);
    }
    p.wait_until(PATIENCE, |_| {
        std::fs::read_to_string(&log).is_ok_and(|t| t.lines().count() >= queries.len())
    });
    let text = std::fs::read_to_string(&log).unwrap();
    let logged = text.lines().count();
    let l = log.display().to_string();
    let r = promtune(&["analyze", "--usage", &l, "fixtures/guide_example.prom"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = format!("usage: {logged} queries from 1 source ({l} {logged})\n");
    assert!(r.stderr.contains(&expected), "{}\n{text}", r.stderr);

    let u = usage::load(std::slice::from_ref(&log)).unwrap();
    assert!(u.unparsed.is_empty(), "{:?}", u.unparsed);
    let http = labels(&u, "prometheus_http_requests_total");
    assert_eq!(http, (false, vec!["handler".into(), "job".into()]));
    assert!(labels(&u, "up").0);
    let b = labels(&u, "prometheus_http_request_duration_seconds_bucket");
    assert_eq!(b, (false, vec!["le".into()]));
    // `up` was asked twice: one use, at the first line that asked it.
    assert_eq!(u.need("up").unwrap().uses, [format!("{l}:2")]);
}

#[test]
fn real_public_rules_and_dashboards_parse_in_full() {
    let rules = fixture("usage");
    let dashboards = fixture("grafana/dashboards/dotdc-grafana-dashboards-kubernetes");
    let u = usage::load(&[rules, dashboards]).unwrap();
    assert!(u.unparsed.is_empty(), "{:?}", u.unparsed);
    // Every rule is a query: as many as the files have `expr:` lines.
    for s in &u.sources {
        let text = std::fs::read_to_string(&s.path).unwrap();
        let expected = if s.path.ends_with(".json") {
            dashboard_queries(&text)
        } else {
            text.matches("expr:").count() as u64
        };
        assert_eq!(s.queries, expected, "{}", s.path);
    }
    assert_eq!(u.sources.len(), 5);
    for name in [
        "node_filesystem_avail_bytes",
        "kube_pod_info",
        "coredns_dns_requests_total",
        "node_cpu_seconds_total",
    ] {
        assert!(u.is_used(name), "{name}");
    }
}

/// Targets with an `expr` and query variables, counted by serde_json's own walk.
fn dashboard_queries(text: &str) -> u64 {
    fn panels(v: &serde_json::Value) -> u64 {
        let list = v["panels"].as_array().into_iter().flatten();
        list.map(|p| {
            let targets = p["targets"].as_array().into_iter().flatten();
            targets.filter(|t| t.get("expr").is_some()).count() as u64 + panels(p)
        })
        .sum()
    }
    let d: serde_json::Value = serde_json::from_str(text).unwrap();
    let vars = d["templating"]["list"].as_array().unwrap();
    panels(&d) + vars.iter().filter(|v| v["type"] == "query").count() as u64
}

#[test]
fn malformed_usage_is_refused_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad.yml",
            "groups:\n  - name: a\n    rules: [\n",
            "bad.yml:4:1: not a rule file",
        ),
        (
            "config.yml",
            "scrape_configs: []\n",
            "config.yml: neither a rule file",
        ),
        (
            "dash.json",
            "{\"panels\": 3}",
            "dash.json:1:12: not a dashboard",
        ),
        (
            "q.log",
            "{\"params\": {\"query\": \"up\"}}\n{oops\n",
            "q.log:2:2: not a query log entry",
        ),
    ];
    for (name, text, message) in cases {
        let path = write(dir.path(), name, text);
        let p = path.display().to_string();
        let r = promtune(&["analyze", "--usage", &p, "fixtures/guide_example.prom"]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(message), "{name}: {}", r.stderr);
    }
    let missing = [
        "analyze",
        "--usage",
        "no/such/dir",
        "fixtures/guide_example.prom",
    ];
    let r = promtune(&missing);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read usage no/such/dir"),
        "{}",
        r.stderr
    );
}

#[test]
fn promtunes_own_rules_and_dashboard_read_as_usage_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let write = [
        "analyze",
        "--write-configs",
        &d,
        "fixtures/guide_example.prom",
    ];
    let r = promtune(&write);
    assert!(r.code <= 1, "{}", r.stderr);
    let r = promtune(&["analyze", "--usage", &d, "fixtures/guide_example.prom"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let line = r.stderr.lines().find(|l| l.starts_with("usage:")).unwrap();
    // The Prometheus configs beside them are neither: skipped, and said so.
    assert!(
        line.contains("/prometheus-optimized.yml") && line.contains("skipped"),
        "{line}"
    );
    assert!(!line.contains("not understood"), "{line}");
    let u = usage::load(&[dir.path().to_path_buf()]).unwrap();
    assert!(u.unparsed.is_empty(), "{:?}", u.unparsed);
    let rules = std::fs::read_to_string(dir.path().join("alert-rules.yml")).unwrap();
    let dash = std::fs::read_to_string(dir.path().join("grafana-dashboard.json")).unwrap();
    let counts: Vec<u64> = u.sources.iter().map(|s| s.queries).collect();
    let expected = [
        rules.matches("expr:").count() as u64,
        dashboard_queries(&dash),
    ];
    assert_eq!(counts, expected, "{:?}", u.sources);
    assert!(counts.iter().all(|n| *n > 0));
}

/// The JSON report's top-level `usage`, by its schema: each source with its kind and
/// count, the query that does not parse with the line and column its text starts at (in
/// the files written here, counted by hand), and per name read exactly the labels the
/// queries need.
#[test]
fn the_json_report_lists_what_usage_read() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "rules.yml",
        "groups:\n  - name: g\n    rules:\n      - record: job:zz_req:rate5m\n        expr: sum by (job, code) (rate(zz_req_total[5m]))\n      - alert: Bad\n        annotations:\n          summary: bad\n        expr: |\n          sum(rate(zz_bad_total[5m])\n",
    );
    let dash = write(
        dir.path(),
        "dash.json",
        "{\"title\": \"D\", \"panels\": [\n  {\"title\": \"P\", \"targets\": [\n    {\"refId\": \"A\", \"expr\": \"histogram_quantile(0.9, sum by (le) (rate(zz_lat_bucket{job=\\\"$job\\\"}[$__rate_interval])))\"},\n    {\"refId\": \"B\", \"expr\": \"zz_up\"},\n    {\"refId\": \"C\", \"expr\": \"rate(zz_dash_bad[5m]\"}]}]}\n",
    );
    let (r_path, d_path) = (rules.display().to_string(), dash.display().to_string());
    let r = promtune(&[
        "analyze",
        "--format",
        "json",
        "--usage",
        &r_path,
        "--usage",
        &d_path,
        "fixtures/guide_example.prom",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let v = crate::formats::schema();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let u = &doc["usage"];
    assert_eq!(u["queries"], 5, "{u}");
    assert_eq!(
        u["sources"],
        serde_json::json!([
            {"path": r_path, "kind": "rules", "queries": 2},
            {"path": d_path, "kind": "dashboard", "queries": 3}
        ])
    );
    let bad = &u["not_parsed"];
    assert_eq!(bad.as_array().unwrap().len(), 2, "{bad}");
    assert_eq!(
        bad[0]["use"],
        format!("{r_path}:6 (group \"g\", alert \"Bad\")")
    );
    // A block scalar: the query starts on the line after `expr: |`, past its indentation.
    assert_eq!(bad[0]["at"], format!("{r_path}:10:11"));
    assert_eq!(bad[0]["error"], "unclosed left parenthesis");
    assert_eq!(
        bad[1]["use"],
        format!("{d_path}: dashboard \"D\", panel \"P\", query C")
    );
    // Line 5, after the 28 characters of `    {"refId": "C", "expr": "`.
    assert_eq!(bad[1]["at"], format!("{d_path}:5:29"));
    let names: Vec<(String, bool, Vec<String>)> = u["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let labels = n["labels"].as_array().unwrap();
            let labels = labels.iter().map(|l| l.as_str().unwrap().to_string());
            (
                n["name"].as_str().unwrap().to_string(),
                n["all_labels"].as_bool().unwrap(),
                labels.collect(),
            )
        })
        .collect();
    let own = |n: &str, all: bool, l: &[&str]| {
        (
            n.to_string(),
            all,
            l.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    // A query not parsed reads each word that could be a name, with all labels.
    assert_eq!(
        names,
        vec![
            own("rate", true, &[]),
            own("sum", true, &[]),
            own("zz_bad_total", true, &[]),
            own("zz_dash_bad", true, &[]),
            own("zz_lat_bucket", false, &["job", "le"]),
            own("zz_req_total", false, &["code", "job"]),
            own("zz_up", true, &[]),
        ]
    );
    assert_eq!(
        u["names"][5]["uses"],
        serde_json::json!([format!(
            "{r_path}:4 (group \"g\", record \"job:zz_req:rate5m\")"
        )])
    );
}
