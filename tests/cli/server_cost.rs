//! What `analyze --prometheus` says the fleet's series cost, against the truth from outside
//! promtune: the history's generator (series per name at the range's end, the churn it
//! wrote, every series it holds) and the server's own answers to queries the test sends.
//! Called from the server-mode tests, on their servers.

use serde_json::Value;

use crate::server_mode::{History, AT};

/// The result vector of an instant query at the history's end, asked by the test itself.
fn ask(url: &str, promql: &str) -> Vec<Value> {
    crate::prometheus::query_at(url, promql, Some(AT))
}

/// One number the server computes.
fn number(url: &str, promql: &str) -> u64 {
    let r = ask(url, promql);
    assert_eq!(r.len(), 1, "{promql}: {r:?}");
    r[0]["value"][1].as_str().unwrap().parse::<f64>().unwrap() as u64
}

/// The fleet's entry for `job`.
pub(crate) fn job<'a>(out: &'a Value, job: &str) -> &'a Value {
    out["fleet"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == job)
        .unwrap_or_else(|| panic!("no job {job}"))
}

fn family<'a>(cost: &'a Value, name: &str) -> &'a Value {
    cost["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no family {name} in {cost}"))
}

/// Every cost figure of a fleet read from `url`, which holds the history `h`.
pub(crate) fn assert_cost(out: &Value, h: &History, url: &str) {
    assert_jobs_cost(out, h, url);
    // Each target's families: its series at the range's end as the server counts them,
    // besides the server's own up and scrape_*.
    for r in out["reports"].as_array().unwrap() {
        let (j, i) = (&r["target"]["job"], &r["target"]["instance"]);
        let families = r["cost"]["families"].as_array().unwrap();
        let sum: u64 = families.iter().map(|f| f["series"].as_u64().unwrap()).sum();
        assert_eq!(
            sum,
            number(
                url,
                &format!("count({{job={j},instance={i},__name__!~\"up|scrape_.*\"}})")
            ),
            "{i}: families"
        );
    }
}

/// A fleet past the rows read in one answer, made so by a bound of `PROMTUNE_COST_ROWS` set
/// between the rows of series per job and name and those per target (and per job, name and
/// `le`): no target's families are given, a note says why, and the jobs' series per family
/// (from `count by (job, __name__)`) and the largest families' labels (one query each) are
/// still the server's own counts.
pub(crate) fn assert_cost_past_bounds(h: &History, url: &str) {
    let rows = |by: &str| number(url, &format!("count(count by ({by}) ({{job!=\"\"}}))"));
    let jobs = rows("job, __name__");
    assert!(jobs < rows("job, instance, __name__"), "{jobs}");
    assert!(jobs < rows("job, __name__, le"), "{jobs}");
    let rows = jobs.to_string();
    let r = crate::server_mode::analyse_with(url, &[], &[("PROMTUNE_COST_ROWS", &rows)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = crate::support::json_of(&r.stdout);
    assert_jobs_cost(&out, h, url);
    for r in out["reports"].as_array().unwrap() {
        assert_eq!(r["cost"]["families"], serde_json::json!([]), "{r}");
    }
    let notes = out["fleet"]["server_cost"]["notes"].to_string();
    for note in [
        "series per family by job, instance are not given",
        "the labels of the 10 largest families are counted, not every family's",
    ] {
        assert!(notes.contains(note), "{notes}");
    }
}

/// The jobs' cost figures, and each target's total.
fn assert_jobs_cost(out: &Value, h: &History, url: &str) {
    let e = h.expected();
    let targets = e["targets"].as_array().unwrap();
    for t in targets {
        let (j, i) = (t["job"].as_str().unwrap(), t["instance"].as_str().unwrap());
        let r = out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"]["job"] == j && r["target"]["instance"] == i)
            .unwrap();
        // The churn the history wrote, and what the job's relabeling kept.
        for (field, key) in [
            ("series_added", "series_added"),
            ("samples_post_relabeling", "samples_post_relabeling"),
        ] {
            assert_eq!(r["scrape"][field].as_f64(), t[key].as_f64(), "{i} {field}");
        }
        // The target's own cost is the page the server stored at the range's end.
        assert_eq!(
            r["cost"]["series"], t["samples_scraped"],
            "{i}: cost.series"
        );
    }
    for (name, j) in e["jobs"].as_object().unwrap() {
        let mine: Vec<&Value> = targets
            .iter()
            .filter(|t| t["job"] == name.as_str())
            .collect();
        let got = job(out, name);
        let added: u64 = mine
            .iter()
            .map(|t| t["series_added"].as_u64().unwrap())
            .sum();
        assert_eq!(got["series_added"].as_f64(), Some(added as f64), "{name}");
        let cost = &got["server_cost"];
        let scraped: u64 = mine
            .iter()
            .map(|t| t["samples_scraped"].as_u64().unwrap())
            .sum();
        assert_eq!(cost["series"], scraped, "{name}: samples per scrape");
        assert_eq!(
            cost["interval_seconds"].as_f64(),
            j["interval_seconds"].as_f64(),
            "{name}"
        );
        // Series per family at the range's end: the generator's count, and the server's own.
        let at_end = |n: &str| -> u64 {
            mine.iter()
                .map(|t| t["series_at_end"][n].as_u64().unwrap_or(0))
                .sum()
        };
        let all: u64 = mine
            .iter()
            .flat_map(|t| t["series_at_end"].as_object().unwrap().values())
            .map(|v| v.as_u64().unwrap())
            .sum();
        let families = cost["families"].as_array().unwrap();
        let sum: u64 = families.iter().map(|f| f["series"].as_u64().unwrap()).sum();
        assert_eq!(sum, all, "{name}: every family's series");
        let hist = family(cost, "http_request_duration_seconds");
        assert_eq!(hist["type"], "histogram");
        let want = ["_bucket", "_count", "_sum"]
            .iter()
            .map(|s| at_end(&format!("http_request_duration_seconds{s}")))
            .sum::<u64>();
        assert_eq!(hist["series"], want, "{name}");
        assert_eq!(
            hist["series"],
            number(
                url,
                &format!("count({{__name__=~\"http_request_duration_seconds_(bucket|count|sum)\",job=\"{name}\"}})")
            )
        );
        for f in families {
            let n = f["name"].as_str().unwrap();
            if f["type"] == "histogram" {
                continue;
            }
            assert_eq!(f["series"], at_end(n), "{name}/{n}");
            assert_eq!(
                f["series"],
                number(url, &format!("count({n}{{job=\"{name}\"}})")),
                "{name}/{n}"
            );
        }
        // The labels of the largest families: distinct values as the server counts them.
        let requests = family(cost, "http_requests_total");
        for l in requests["labels"].as_array().unwrap() {
            let label = l["name"].as_str().unwrap();
            assert_eq!(
                l["distinct"],
                number(
                    url,
                    &format!("count(count by ({label}) (http_requests_total{{job=\"{name}\"}}))")
                ),
                "{name}/{label}"
            );
        }
        let labels: Vec<&str> = requests["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["endpoint", "method", "status_code"], "{name}");
    }
    // Sessions churn: 35 were seen in the range per edge target, 5 are there at its end.
    assert_eq!(
        family(&job(out, "edge")["server_cost"], "session_active")["series"],
        10
    );
    let server = &out["fleet"]["server_cost"];
    assert!(
        server["notes"]
            .to_string()
            .contains("no /api/v1/status/metric_names_stats on this server"),
        "{server}"
    );
}

/// Prometheus's head block holds only what it scraped itself (the history is in blocks):
/// promtune says which endpoint answered, that it does not cover the range, and reads the
/// rules it loaded as usage.
pub(crate) fn assert_prometheus_head(out: &Value) {
    let server = &out["fleet"]["server_cost"];
    let head = &server["head"];
    assert_eq!(
        head["source"], "/api/v1/status/tsdb (Prometheus)",
        "{server}"
    );
    assert!(head["scope"]
        .as_str()
        .unwrap()
        .starts_with("the head block"));
    for n in head["series_by_metric_name"].as_array().unwrap() {
        let n = n["name"].as_str().unwrap();
        assert!(
            n == "up" || n.starts_with("scrape_"),
            "{n} is not in the head"
        );
    }
    assert_eq!(
        server["usage"],
        serde_json::json!([{"source": "/api/v1/rules", "uses": 2}])
    );
    // What the rule file the test gave Prometheus reads (server_mode::RULES).
    assert_eq!(
        server["rules_read"],
        serde_json::json!(["http_requests_total", "query_cache_misses_total"])
    );
}

/// VictoriaMetrics's per-day index for the range's end holds every series of the history,
/// churned sessions included (it may count a series twice when two inserts raced to create
/// it, so at least as many), as VictoriaMetrics itself says when the test asks; the label
/// with the most values is the churning one.
pub(crate) fn assert_victoria_head(out: &Value, h: &History, url: &str) {
    let server = &out["fleet"]["server_cost"];
    let head = &server["head"];
    assert_eq!(
        head["source"], "/api/v1/status/tsdb (VictoriaMetrics)",
        "{server}"
    );
    let theirs: Value = reqwest::blocking::Client::new()
        .get(format!("{url}/api/v1/status/tsdb"))
        .query(&[("date", "2026-01-01"), ("match[]", "{job!=\"\"}")])
        .send()
        .and_then(|r| r.text())
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(head["series"], theirs["data"]["totalSeries"], "{server}");
    assert!(
        head["series"].as_u64().unwrap() >= h.expected()["series_total"].as_u64().unwrap(),
        "{server}"
    );
    assert_eq!(head["focus_label"], "session");
    let session = head["values_by_label_name"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "session")
        .unwrap();
    assert_eq!(session["count"], h.expected()["session_values"]);
    // Each session name is exposed by both edge targets (counted at least twice).
    let values = head["series_by_focus_label_value"].as_array().unwrap();
    assert!(!values.is_empty());
    assert!(
        values
            .iter()
            .all(|v| v["count"].as_u64() >= Some(2) && v["name"].as_str().unwrap().starts_with('s')),
        "{values:?}"
    );
    assert_eq!(
        server["usage"],
        serde_json::json!([{"source": "/api/v1/rules", "uses": 0}])
    );
}
