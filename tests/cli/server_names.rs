//! Server mode over UTF-8 metric and label names (`app.cache.hits_total`, `cache.name`), as
//! Prometheus 3 and VictoriaMetrics store them: a real VictoriaMetrics loaded through its JSON
//! import, which keeps such names as they are. The truth is the traffic imported here.

use serde_json::{json, Value};

use crate::server_mode::AT;
use crate::support::{json_of, promtune};
use crate::victoria::Victoria;

/// 41 points every 15s over the 10 minutes before `AT`, in milliseconds.
fn stamps() -> Vec<u64> {
    let at: u64 = AT.parse().unwrap();
    (0..41).map(|k| (at - 600 + 15 * k) * 1000).collect()
}

/// One JSON import line: `labels` (with `__name__`) and a value per point, `step × k`.
fn line(labels: Value, step: u64) -> String {
    let values: Vec<u64> = (0..41).map(|k| step * k).collect();
    json!({"metric": labels, "values": values, "timestamps": stamps()}).to_string()
}

/// Target `instance` of job `shop`: request counters, and a cache with dotted names counting
/// three hits to a miss, under `caches` values of its dotted `cache.name` label.
fn target(instance: &str, caches: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (handler, step) in [("/api/items", 10), ("/metrics", 1)] {
        out.push(line(
            json!({"__name__": "http_requests_total", "job": "shop", "instance": instance,
                   "handler": handler, "code": "200", "method": "GET"}),
            step,
        ));
    }
    for c in 0..caches {
        for (name, step) in [("app.cache.hits_total", 3), ("app.cache.misses_total", 1)] {
            out.push(line(
                json!({"__name__": name, "job": "shop", "instance": instance,
                       "cache.name": format!("items-{c:03}")}),
                step,
            ));
        }
    }
    out
}

fn analyze(vm: &Victoria, extra: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "analyze",
        "--prometheus",
        &vm.url,
        "--at",
        AT,
        "--range",
        "10m",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend_from_slice(extra);
    promtune(&args)
}

/// A dotted metric and label name reach the report (the cache hit rate of the imported 3:1
/// traffic), and a target whose rebuilt exposition fails (here: past `--max-bytes`) is a
/// report with its error that makes the exit code 2, the other target's report intact.
#[test]
fn utf8_names_in_server_mode_and_a_failed_target_in_the_exit_code() {
    let mut lines = target("a:9100", 1);
    lines.extend(target("b:9100", 200));
    let Some(vm) = Victoria::start_json(lines.join("\n").as_bytes()) else {
        return;
    };
    let r = analyze(&vm, &["--match", "{instance=\"a:9100\"}"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    let reports = out["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{}", r.stdout);
    let a = &reports[0];
    assert!(a["error"].is_null(), "{a}");
    let cache = a["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "cache_hit_rate")
        .unwrap_or_else(|| panic!("no cache check: {a}"));
    let subject = cache["subject"].as_str().unwrap_or_default();
    assert!(
        subject.contains("app.cache") && subject.contains("items-000"),
        "{cache}"
    );
    let v = cache["value"].as_f64().unwrap();
    assert!((v - 0.75).abs() < 1e-9, "{cache}");
    // The request counts came through too: ten API requests per step.
    assert!(a["requests"]["total"].as_f64().unwrap() > 0.0, "{a}");
    // The cost is read although VictoriaMetrics 1.79 cannot group by a dotted label: its
    // families' series and the other labels' values are counted, and a note names the label
    // it could not count.
    let shop = &out["fleet"]["jobs"][0];
    assert_eq!(shop["job"], "shop");
    let families = shop["server_cost"]["families"].as_array().unwrap();
    let family = |n: &str| {
        families
            .iter()
            .find(|f| f["name"] == n)
            .unwrap_or_else(|| panic!("no {n}: {shop}"))
    };
    assert_eq!(family("app.cache.hits_total")["series"], 1);
    let requests = family("http_requests_total");
    assert_eq!(requests["series"], 2);
    let labels: Vec<(&str, u64)> = requests["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l["distinct"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        labels,
        [("code", 1), ("handler", 2), ("method", 1)],
        "{shop}"
    );
    let notes = out["fleet"]["server_cost"]["notes"].to_string();
    assert!(
        notes.contains("the values of cache.name in app.cache.hits_total are not counted"),
        "{notes}"
    );

    // b's 400 cache series rebuild to more than 8 KB; a's to well under it.
    let r = analyze(&vm, &["--max-bytes", "8000"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let out = json_of(&r.stdout);
    let by = |i: &str| {
        out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"]["instance"] == i)
            .unwrap_or_else(|| panic!("no report for {i}: {out}"))
            .clone()
    };
    let (a, b) = (by("a:9100"), by("b:9100"));
    assert!(a["error"].is_null(), "{a}");
    let e = b["error"].as_str().unwrap_or_default();
    assert!(
        e.contains("rebuilt exposition") && e.contains("8000"),
        "{e}"
    );
    assert!(
        r.stderr.contains("b:9100") && r.stderr.contains("error"),
        "{}",
        r.stderr
    );
}
