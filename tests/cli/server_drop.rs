//! Issue #24 §3–§4 in server mode: each job's drop rule, worked out from what the server
//! holds, saves what the server itself counts and breaks no use. A real Prometheus scrapes
//! the cost proof's Flask app every second as two jobs (`shop` already drops the garbage
//! collector's figures); `analyze --prometheus` with a rule file that reads one family writes
//! the drops into the base config; a second Prometheus runs that config on the same app.
//! The truth is the servers': the saving is the first's count of the names dropped, and on
//! the second `scrape_samples_post_metric_relabeling` is lower by exactly that while every
//! use and every query promtune writes answers the same.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cost_proof::{at_one_second, flask_with_traffic, last_scrape, one, same_answers};
use crate::prometheus::{query_at, Prometheus};
use crate::series_exist::generated_queries;
use crate::server_cost::job;
use crate::stack::{flask_python, wait_for};
use crate::support::{json_of, promtune};
use crate::victoria::Victoria;

/// The use given with --usage, in a rule file: the cache's hit rate, per job.
const USE: &str = "sum by (job) (rate(app_cache_hits_total[1m]))";

/// The jobs, each scraping the app every second.
const JOBS: [&str; 2] = ["flask", "shop"];

fn base(flask: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: flask  # the app\n    static_configs:\n      - targets: ['{flask}']\n  - job_name: shop   # the same app, its garbage collector's figures dropped already\n    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: python_gc_.*\n        action: drop\n    static_configs:\n      - targets: ['{flask}']\n"
    )
}

/// Waits until every job of the server at `url` has five scrapes in its last minute.
fn five_scrapes(url: &str) {
    wait_for("five scrapes of each job", || {
        let r = query_at(url, "count_over_time(up[1m])", None);
        r.len() == JOBS.len()
            && r.iter().all(|s| {
                s["value"][1]
                    .as_str()
                    .and_then(|v| v.parse::<f64>().ok())
                    .is_some_and(|v| v >= 5.0)
            })
    });
}

/// `promql`'s value per job at `time`.
fn per_job(url: &str, promql: &str, time: &str) -> BTreeMap<String, u64> {
    query_at(url, promql, Some(time))
        .iter()
        .map(|s| {
            let v: f64 = s["value"][1].as_str().unwrap().parse().unwrap();
            (s["metric"]["job"].as_str().unwrap().to_string(), v as u64)
        })
        .collect()
}

/// `analyze --prometheus URL --usage RULES EXTRA…`, its JSON checked against the schema
/// and each job's drop against the server's own counts at the range's end: the names it
/// matches, and the samples its targets keep per scrape; and the ranking. Returns each job's
/// saving and its regex.
fn drops_checked(
    url: &str,
    rules: &Path,
    extra: &[&str],
) -> (BTreeMap<&'static str, u64>, Vec<String>) {
    let mut args = vec![
        "analyze",
        "--prometheus",
        url,
        "--range",
        "1m",
        "--usage",
        rules.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend(extra);
    let r = promtune(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json_of(&r.stdout);
    let errors: Vec<String> = crate::formats::schema()
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let end = report["fleet"]["range"]["end"].as_str().unwrap();

    // Each job's drop: what Prometheus counts of the names it matches, at the range's end.
    let mut saved = BTreeMap::new();
    let mut regexes = Vec::new();
    for name in JOBS {
        let j = job(&report, name);
        let plan = &j["relabel"];
        let rules = plan["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 1, "{name}: {plan}");
        let rule = &rules[0];
        assert_eq!(
            (&rule["kind"], &rule["action"]),
            (&"drop".into(), &"drop".into())
        );
        let regex = rule["regex"].as_str().unwrap();
        let theirs = per_job(
            url,
            &format!("count by (job) ({{__name__=~\"{regex}\",job=\"{name}\"}})"),
            end,
        );
        let s = rule["saved_series"].as_u64().unwrap();
        assert!(s > 0, "{name}: {rule}");
        assert_eq!(theirs.get(name), Some(&s), "{name}: {regex}");
        // At the interval the server scrapes the job at: every second.
        assert_eq!(j["server_cost"]["interval_seconds"], 1.0, "{name}");
        assert_eq!(rule["saved_samples_per_day"], (s * 86_400) as f64, "{name}");
        // The family the rule file reads is not matched.
        let read = format!("count({{__name__=~\"{regex}\",__name__=\"app_cache_hits_total\"}})");
        assert!(
            query_at(url, &read, Some(end)).is_empty(),
            "{name}: {regex}"
        );
        // `series` is the job's page as the server stores it; `series_after` that less the drop.
        let post = per_job(
            url,
            "sum by (job) (scrape_samples_post_metric_relabeling)",
            end,
        );
        assert_eq!(plan["series"].as_u64(), post.get(name).copied(), "{name}");
        assert_eq!(
            plan["series_after"].as_u64(),
            Some(post[name] - s),
            "{name}"
        );
        assert_eq!(j["server_cost"]["series_after"], plan["series_after"]);
        saved.insert(name, s);
        regexes.push(regex.to_string());
    }
    // `shop` drops its garbage collector's figures already: it saves less, and is ranked
    // after `flask`.
    assert!(saved["flask"] > saved["shop"], "{saved:?}");
    let ranked: Vec<(&str, u64)> = report["fleet"]["relabel_savings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["job"].as_str().unwrap(),
                x["saved_series"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranked, [("flask", saved["flask"]), ("shop", saved["shop"])]);

    (saved, regexes)
}

#[test]
fn server_mode_drops_per_job_save_what_the_server_counts_and_break_no_use() {
    let Some(python) = flask_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (_app, flask) = flask_with_traffic(&python);
    let base = base(&flask);
    let Some(a) = Prometheus::start(&base) else {
        return;
    };
    let (rules, base_path, out) = (
        dir.path().join("rules.yml"),
        dir.path().join("prometheus.yml"),
        dir.path().join("out"),
    );
    let rule_file = format!(
        "groups:\n  - name: app\n    rules:\n      - record: job:app_cache_hits:rate1m\n        expr: {USE}\n"
    );
    std::fs::write(&rules, rule_file).unwrap();
    std::fs::write(&base_path, &base).unwrap();
    // VictoriaMetrics scrapes the same app with the same config meanwhile (checked last).
    let vm = Victoria::scraping(&base_path);
    five_scrapes(&a.url);
    let (saved, regexes) = drops_checked(
        &a.url,
        &rules,
        &[
            "--base-config",
            base_path.to_str().unwrap(),
            "--write-configs",
            out.to_str().unwrap(),
        ],
    );
    // The config: the base edited line by line, each job's drop appended to its own list.
    let optimized = std::fs::read_to_string(out.join("prometheus-optimized.yml")).unwrap();
    for kept in ["job_name: flask  # the app", "regex: python_gc_.*"] {
        assert!(optimized.contains(kept), "{kept}: {optimized}");
    }
    for regex in &regexes {
        assert!(optimized.contains(regex.as_str()), "{regex}: {optimized}");
    }
    if crate::promtool::promtool().is_some() {
        let (ok, text) =
            crate::promtool::run(&out, &["check", "config", "prometheus-optimized.yml"]);
        assert!(ok, "{text}");
    }

    // A second Prometheus on the optimized config (at the base's second), same app.
    let b_config = at_one_second(&optimized, &out);
    let Some(b) = Prometheus::start(&b_config) else {
        return;
    };
    five_scrapes(&b.url);
    let t = last_scrape(&a.url)
        .unwrap()
        .min(last_scrape(&b.url).unwrap());
    for name in JOBS {
        let post = |url: &str| {
            let q = format!("scrape_samples_post_metric_relabeling{{job=\"{name}\"}}");
            one(url, &q, t).unwrap() as u64
        };
        assert_eq!(post(&a.url) - post(&b.url), saved[name], "{name}");
    }
    // The alerts promtune writes fire on neither server: their expressions are compared
    // whole (both empty) and without their threshold, which returns the series.
    let mut queries = vec![("rules.yml".to_string(), USE.to_string())];
    for (origin, expr) in generated_queries(&out) {
        if let Some((series, _)) = expr.rsplit_once(" > ").or(expr.rsplit_once(" == ")) {
            queries.push((
                format!("{origin} without its threshold"),
                series.to_string(),
            ));
        }
        queries.push((origin, expr));
    }
    let answered = same_answers("Prometheus", &a.url, &b.url, &queries, t);
    // The use, and per job the series of each kind of alert: down, memory, latency, errors,
    // CPU, restarts.
    assert!(
        answered > JOBS.len() * 6,
        "only {answered} queries returned series: {queries:#?}"
    );
    // The ranking in the fleet's Markdown report, written beside the config.
    let md = std::fs::read_to_string(out.join("recommendations.md")).unwrap();
    let at = |job: &str| md.find(&format!("- job \"{job}\": drop"));
    assert!(
        md.contains("## Drop rules per job, most series saved first")
            && at("flask") < at("shop")
            && at("shop").is_some(),
        "{md}"
    );

    // Without --usage nothing is known of what is read: nothing is dropped, and it is said.
    let bare = dir.path().join("bare");
    let r = promtune(&[
        "analyze",
        "--prometheus",
        &a.url,
        "--range",
        "1m",
        "--write-configs",
        bare.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("no --usage was given").count(),
        1,
        "{}",
        r.stderr
    );
    let out_bare = json_of(&r.stdout);
    for name in JOBS {
        assert_eq!(
            job(&out_bare, name)["relabel"]["rules"],
            serde_json::json!([]),
            "{name}"
        );
    }
    let written = std::fs::read_to_string(bare.join("prometheus-optimized.yml")).unwrap();
    assert!(!written.contains("action: drop"), "{written}");

    // VictoriaMetrics scraping the same app with the base config counts the same savings.
    let Some(vm) = vm else { return };
    five_scrapes(&vm.url);
    let (on_vm, _) = drops_checked(&vm.url, &rules, &[]);
    assert_eq!(on_vm, saved);
    eprintln!("drops save {saved:?} series per scrape on both servers; {answered} queries answer the same");
}
