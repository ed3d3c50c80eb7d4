//! `analyze --prometheus` against real servers holding a known history: Prometheus on blocks
//! made by `promtool tsdb create-blocks-from openmetrics`, and VictoriaMetrics loaded through
//! its import API. The truth is what `fixtures/history/gen_history.py` says its traffic
//! makes of the range (the requests served), and for P95 also what Prometheus itself computes
//! with `histogram_quantile`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::prometheus::Prometheus;
use crate::support::{have, json_of, pattern_row as pattern, promtune, FOREVER, PATIENCE};
use crate::victoria::Victoria;

/// The history's `--at` (2026-01-01T12:00:00Z).
pub(crate) const AT: &str = "1767268800";

/// The generated history: its folder (history.om, history.prom, expected.json).
pub(crate) struct History {
    dir: tempfile::TempDir,
    expected: Value,
}

impl History {
    fn make() -> Option<History> {
        if !have("python3", "--version", "python3") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = crate::support::fixture("history/gen_history.py");
        let out = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("expected.json")).unwrap(),
        )
        .unwrap();
        // The rules Prometheus loads: each query is a use of what it reads.
        std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
        Some(History { dir, expected })
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    /// What the generator says the history makes of the range.
    pub(crate) fn expected(&self) -> &Value {
        &self.expected
    }
}

/// A rule file for Prometheus: one recording rule and one alert.
pub(crate) const RULES: &str = "groups:\n  - name: cost\n    rules:\n      - record: job:http_requests:rate5m\n        expr: sum by (job) (rate(http_requests_total[5m]))\n      - alert: CacheMisses\n        expr: rate(query_cache_misses_total[5m]) > 100\n";

/// Prometheus on the history; the `worker` job is also in its config (at a port nothing
/// listens on), so that its interval comes from `/api/v1/targets` and the others' from the
/// gaps between their `up` samples.
fn prometheus(h: &History) -> Option<Prometheus> {
    let config = format!("global:\n  scrape_interval: 15s\nrule_files: ['{}']\nscrape_configs:\n  - job_name: worker\n    scrape_interval: 60s\n    static_configs:\n      - targets: ['127.0.0.1:9']\n", h.path("rules.yml").display());
    let p = Prometheus::start_on(&config, Some(&h.path("history.om")))?;
    // Service discovery lists the target a few seconds after start.
    p.wait_until(PATIENCE, |p| {
        reqwest::blocking::get(format!("{}/api/v1/targets", p.url))
            .and_then(|r| r.text())
            .is_ok_and(|t| t.contains("\"scrapeInterval\":\"1m\""))
    });
    Some(p)
}

fn analyse(url: &str, extra: &[&str]) -> crate::support::Run {
    analyse_with(url, extra, &[])
}

/// `analyze --prometheus URL --at AT --format json`, with `extra` arguments and `env` set.
pub(crate) fn analyse_with(url: &str, extra: &[&str], env: &[(&str, &str)]) -> crate::support::Run {
    let mut args = vec![
        "analyze",
        "--prometheus",
        url,
        "--at",
        AT,
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend(extra);
    let mut c = crate::support::command(&args);
    c.envs(env.iter().copied());
    crate::support::finish(c.stdin(std::process::Stdio::null()).output().unwrap())
}

fn close(actual: &Value, expected: f64, what: &str) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (a - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: promtune {a}, expected {expected}"
    );
}

pub(crate) fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// Which server, for the figures where servers legitimately differ.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Prometheus 2.x: a range selector includes the sample at its start.
    Prometheus,
    /// VictoriaMetrics: the range is open at its start.
    Victoria,
}

/// Every target's figures equal what the history's traffic makes of the range.
fn assert_fleet(out: &Value, h: &History, kind: Kind) {
    let e = &h.expected;
    let reports = out["reports"].as_array().unwrap();
    let targets = e["targets"].as_array().unwrap();
    assert_eq!(reports.len(), targets.len(), "one report per target");
    for t in targets {
        let (job, instance) = (t["job"].as_str().unwrap(), t["instance"].as_str().unwrap());
        let what = |f: &str| format!("{job}/{instance} {f}");
        let r = reports
            .iter()
            .find(|r| r["target"]["job"] == job && r["target"]["instance"] == instance)
            .unwrap_or_else(|| panic!("no report for {job}/{instance}"));
        assert_eq!(r["rates_over"], "range");
        close(&r["uptime_seconds"], 3600.0, &what("range"));
        close(
            &r["requests"]["total"],
            t["requests"].as_f64().unwrap(),
            &what("requests"),
        );
        for (id, key) in [
            ("metrics_scrapes", "metrics_scrapes"),
            ("health_checks", "health_checks"),
            ("not_found", "not_found"),
        ] {
            close(
                &pattern(r, id)["requests"],
                t[key].as_f64().unwrap(),
                &what(id),
            );
        }
        for (id, key) in [
            ("request_rate", "request_rate"),
            ("error_rate", "error_rate"),
            ("p95_latency", "p95"),
            ("memory", "memory_end"),
            ("cpu", "cpu_cores"),
        ] {
            close(&check(r, id)["value"], t[key].as_f64().unwrap(), &what(id));
        }
        for (cache, ratio) in t["caches"].as_object().unwrap() {
            let c = r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == "cache_hit_rate" && c["subject"] == cache.as_str())
                .unwrap_or_else(|| panic!("{}", what(cache)));
            close(&c["value"], ratio.as_f64().unwrap(), &what(cache));
        }
        let s = &r["scrape"];
        let job_interval = e["jobs"][job]["interval_seconds"].as_f64().unwrap();
        close(&s["interval_seconds"], job_interval, &what("interval"));
        for (field, key) in [
            ("samples_per_scrape", "samples_scraped"),
            ("ingest_per_second", "ingest_per_second"),
            ("savings_per_second", "savings_per_second"),
            ("memory_max_bytes", "memory_max"),
            ("restarts", "restarts"),
            ("scrape_duration_max_seconds", "scrape_duration"),
        ] {
            close(&s[field], t[key].as_f64().unwrap(), &what(field));
        }
        // Prometheus 2.x counts the sample at the range's start, VictoriaMetrics does not.
        let availability = match kind {
            Kind::Prometheus => &t["availability_closed"],
            Kind::Victoria => &t["availability"],
        };
        close(
            &s["availability"],
            availability.as_f64().unwrap(),
            &what("availability"),
        );
    }
    let ranking = crate::support::fleet_ranking(out);
    let expected: Vec<String> = e["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ranking, expected);
    close(
        &out["fleet"]["ingest_per_second"],
        e["fleet_ingest_per_second"].as_f64().unwrap(),
        "fleet ingest",
    );
    for (job, j) in e["jobs"].as_object().unwrap() {
        let got = out["fleet"]["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["job"] == job.as_str())
            .unwrap();
        close(
            &got["savings_per_second"],
            j["savings_per_second"].as_f64().unwrap(),
            job,
        );
        assert_eq!(got["targets"], j["targets"]);
    }
}

pub(crate) fn history_and_prometheus() -> Option<(History, Prometheus)> {
    let h = History::make()?;
    let p = prometheus(&h)?;
    Some((h, p))
}

/// Every error-ratio trend is the one the server computes with the whole query, `(5xx or 0 *
/// all) / all`, at each of its points (promtune asks for the 5xx rate alone and divides by
/// the request-rate trend it already read). The window is the trend's: four of the slowest
/// job's interval (`worker`, 60s).
fn assert_error_trends(out: &Value, url: &str) {
    let mut seen = 0;
    for r in out["reports"].as_array().unwrap() {
        let Some(t) = r["trends"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["check"] == "error_rate"))
        else {
            continue;
        };
        let family = r["requests"]["family"].as_str().unwrap();
        let status = r["requests"]["status_label"].as_str().unwrap();
        let m = format!(
            "job=\"{}\",instance=\"{}\"",
            r["target"]["job"].as_str().unwrap(),
            r["target"]["instance"].as_str().unwrap()
        );
        let all = format!("sum(rate({family}{{{m}}}[240s]))");
        let promql =
            format!("(sum(rate({family}{{{m},{status}=~\"5..\"}}[240s])) or 0 * {all}) / {all}");
        let points = t["points"].as_array().unwrap();
        let (first, last) = (
            points[0][0].as_f64().unwrap(),
            points.last().unwrap()[0].as_f64().unwrap(),
        );
        let step = points[1][0].as_f64().unwrap() - first;
        let body: Value = reqwest::blocking::Client::new()
            .get(format!("{url}/api/v1/query_range"))
            .query(&[
                ("query", promql.as_str()),
                ("start", &first.to_string()),
                ("end", &last.to_string()),
                ("step", &step.to_string()),
            ])
            .send()
            .and_then(|r| r.text())
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap();
        let theirs: Vec<(f64, f64)> = body["data"]["result"][0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_f64().unwrap(),
                    p[1].as_str().unwrap().parse::<f64>().unwrap(),
                )
            })
            .filter(|p| p.1.is_finite())
            .collect();
        let ours: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{promql}: {ours:?} vs {theirs:?}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a.0, b.0, "{promql}");
            assert!(
                (a.1 - b.1).abs() <= 1e-12 * b.1.abs().max(1.0),
                "{promql}: {a:?} vs {b:?}"
            );
        }
        seen += 1;
    }
    assert!(seen >= 3, "error-ratio trends checked: {seen}");
}

#[test]
fn prometheus_gives_the_figures_the_history_predicts() {
    let Some((h, p)) = history_and_prometheus() else {
        return;
    };
    let r = analyse(&p.url, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_fleet(&out, &h, Kind::Prometheus);
    crate::server_cost::assert_cost(&out, &h, &p.url);
    crate::server_cost::assert_prometheus_head(&out);
    let errors: Vec<String> = crate::formats::schema()
        .iter_errors(&out)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Where the interval came from: the server's own scrape config for `worker`, the gaps
    // between raw `up` samples for the jobs it does not scrape itself.
    let source = |job: &str| {
        out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"]["job"] == job)
            .map(|r| r["scrape"]["interval_source"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(source("worker"), "/api/v1/targets (scrapeInterval)");
    assert!(source("edge").starts_with("the median gap between raw samples of up"));
    // The P95 is the one Prometheus computes with the PromQL promtune prints.
    for t in h.expected["targets"].as_array().unwrap() {
        let i = t["instance"].as_str().unwrap();
        let promql = format!(
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{instance=\"{i}\"}}[1h])))"
        );
        let body: Value = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/query", p.url))
            .query(&[("query", promql.as_str()), ("time", AT)])
            .send()
            .and_then(|r| r.text())
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap();
        let theirs: f64 = body["data"]["result"][0]["value"][1]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let ours = out["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["target"]["instance"] == i)
            .map(|r| check(r, "p95_latency")["value"].as_f64().unwrap())
            .unwrap();
        assert!(
            (ours - theirs).abs() < 1e-9,
            "{i}: promtune {ours}, Prometheus {theirs}"
        );
    }
    // Prometheus's own predict_linear agrees on when api-2 reaches 1000MB.
    let api2 = out["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"]["instance"] == "api-2:8000")
        .unwrap();
    let secs = api2["trends"][1]["reaches"]["seconds"].as_f64().unwrap();
    let promql = format!(
        "predict_linear(process_resident_memory_bytes{{instance=\"api-2:8000\"}}[1h], {secs})"
    );
    let body: Value = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/query", p.url))
        .query(&[("query", promql.as_str()), ("time", AT)])
        .send()
        .and_then(|r| r.text())
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let predicted: f64 = body["data"]["result"][0]["value"][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (predicted / (1000.0 * 1024.0 * 1024.0) - 1.0).abs() < 1e-6,
        "{predicted}"
    );
    assert_error_trends(&out, &p.url);
    // What needs saying is said: the HA pair, the slow scrape, the outage, the restarts.
    assert!(r.stderr.contains("edge-1:8080\"}: notice: the target counted 1440 requests to its metrics endpoint, 2.0 times the 720 scrapes"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the slowest scrape took 4.2s of its 5s timeout"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("worker-1:9000\"}: notice: up was 1 in 83.6% of the range's scrapes"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("api-3:8000\"}: notice: the process restarted 1 time in the range"),
        "{}",
        r.stderr
    );
}

#[test]
fn victoriametrics_gives_the_same_figures() {
    let Some(h) = History::make() else { return };
    let Some(vm) = Victoria::start_with(&std::fs::read(h.path("history.prom")).unwrap()) else {
        return;
    };
    // Imported samples are searchable once indexed: wait for all six targets.
    let client = reqwest::blocking::Client::new();
    let start = std::time::Instant::now();
    loop {
        let n = client
            .get(format!("{}/api/v1/query", vm.url))
            .query(&[("query", "count(last_over_time(up[2h]))"), ("time", AT)])
            .send()
            .and_then(|r| {
                r.text()
                    .map(|t| serde_json::from_str::<Value>(&t).unwrap_or_default())
            })
            .ok()
            .and_then(|v| {
                v["data"]["result"][0]["value"][1]
                    .as_str()
                    .map(str::to_string)
            });
        if n.as_deref() == Some("6") {
            break;
        }
        assert!(start.elapsed() < PATIENCE, "VictoriaMetrics: {n:?} targets");
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    // VictoriaMetrics's own error answer: a 422 with its message.
    let r = analyse(&vm.url, &["--match", "{job=~\"(\"}"]);
    fails_with(&r, "HTTP 422 Unprocessable Entity: 422: cannot parse");
    // Both API roots VictoriaMetrics serves.
    for url in [vm.url.clone(), format!("{}/prometheus", vm.url)] {
        let r = analyse(&url, &[]);
        assert_eq!(r.code, 0, "{url}: {}", r.stderr);
        let out = json_of(&r.stdout);
        assert_fleet(&out, &h, Kind::Victoria);
        crate::server_cost::assert_cost(&out, &h, &vm.url);
        crate::server_cost::assert_victoria_head(&out, &h, &vm.url);
        assert!(out["reports"][0]["scrape"]["interval_source"]
            .as_str()
            .unwrap()
            .starts_with("the median gap"));
    }
    crate::server_cost::assert_cost_past_bounds(&h, &vm.url);
    // The same job changes in the fleet's config.
    let dir = tempfile::tempdir().unwrap();
    let r = analyse(&vm.url, &["--write-configs", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(dir.path().join("prometheus-optimized.yml")).unwrap();
    for (job, want) in [("api", "30s"), ("edge", "30s"), ("worker", "1m")] {
        assert!(
            text.contains(&format!("- job_name: {job}\n  scrape_interval: {want}\n")),
            "{job}: {text}"
        );
    }
}

/// `--job` and `--match` narrow the fleet; the exit code follows `--fail-on`.
#[test]
fn jobs_and_matchers_narrow_the_fleet() {
    let Some((_h, p)) = history_and_prometheus() else {
        return;
    };
    let instances = |r: &crate::support::Run| -> Vec<String> {
        json_of(&r.stdout)["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["target"]["instance"].as_str().unwrap().to_string())
            .collect()
    };
    let r = analyse(&p.url, &["--job", "edge", "--job", "worker"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        instances(&r),
        ["edge-1:8080", "edge-2:8080", "worker-1:9000"]
    );
    let r = analyse(&p.url, &["--match", "{instance=~\"api-[12].*\"}"]);
    assert_eq!(instances(&r), ["api-1:8000", "api-2:8000"]);
    // A --job that matches nothing lists the jobs there are.
    let r = analyse(&p.url, &["--job", "wroker"]);
    fails_with(&r, "jobs seen in the range: ");
    for job in ["api", "edge", "worker"] {
        assert!(r.stderr.contains(job), "{}", r.stderr);
    }
    // api-2's memory is past the warning line.
    let r = promtune(&[
        "analyze",
        "--prometheus",
        &p.url,
        "--at",
        AT,
        "--job",
        "api",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("Fleet: 3 targets"), "{}", r.stdout);
}

fn fails_with(r: &crate::support::Run, needle: &str) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(needle), "{needle:?} not in: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// Every failure is exit 2 with a message that says what went wrong.
#[test]
fn server_failures_exit_2_and_say_why() {
    let Some((_h, p)) = history_and_prometheus() else {
        return;
    };
    // An API error: {"status":"error","errorType":"bad_data",…}.
    fails_with(&analyse(&p.url, &["--match", "{job=~\"(\"}"]), "bad_data");
    // A wrong path prefix: Prometheus answers 404 in plain text.
    fails_with(
        &analyse(&format!("{}/graph", p.url), &[]),
        "HTTP 404 Not Found: not the Prometheus API's JSON: 404 page not found",
    );
    // An empty range.
    fails_with(
        &promtune(&["analyze", "--prometheus", &p.url, "--at", "1700000000"]),
        "no targets between 2023-11-14T21:13:20.000Z and 2023-11-14T22:13:20.000Z",
    );
    // Nothing listening.
    let refused = crate::server::refused_url().replace("/metrics", "");
    // (the server, not "the exporter": --prometheus names a server).
    fails_with(
        &analyse(&refused, &[]),
        "connection refused: is the server listening on that host and port?",
    );
    // A password in the URL is used, never shown.
    let r = analyse(&refused.replace("http://", "http://admin:s3cret@"), &[]);
    fails_with(&r, "connection refused");
    assert!(
        !r.stderr.contains("s3cret") && !r.stdout.contains("s3cret"),
        "{}",
        r.stderr
    );
    // Bad arguments.
    fails_with(
        &analyse(&p.url, &["--match", "env=prod"]),
        "expected label matchers in braces",
    );
    fails_with(&analyse(&p.url, &["--range", "soon"]), "--range \"soon\"");
    fails_with(
        &analyse("ftp://x", &[]),
        "expected an http:// or https:// URL",
    );
}

/// What a UI page, a stalled server or a plain-text error look like to promtune: stand-ins
/// for a Grafana or Thanos UI at the wrong prefix, a query that never finishes and Mimir's
/// plain-text 401 without a tenant.
#[test]
fn html_pages_timeouts_and_plain_text_errors() {
    use crate::server::{serve, Reply};
    let html = serve(Reply::Respond(
        200,
        vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        b"<!doctype html><html><title>Grafana</title></html>".to_vec(),
    ));
    let base = html.url.replace("/metrics", "");
    fails_with(
        &analyse(&base, &[]),
        "answered with an HTML page, not the Prometheus API",
    );
    let stall = serve(Reply::Stall(FOREVER));
    let start = std::time::Instant::now();
    fails_with(
        &analyse(&stall.url.replace("/metrics", ""), &["--timeout", "1s"]),
        "no complete answer within 1s",
    );
    assert!(start.elapsed() < PATIENCE);
    let plain = serve(Reply::Respond(
        401,
        vec![("Content-Type".into(), "text/plain".into())],
        b"no org id\n".to_vec(),
    ));
    fails_with(
        &analyse(&plain.url.replace("/metrics", ""), &[]),
        "HTTP 401 Unauthorized: not the Prometheus API's JSON: no org id",
    );
}

/// A Mimir-like front: a path prefix, a tenant header, and `warnings` in its answers (as
/// Thanos and Mimir add on partial responses), over the real Prometheus.
#[test]
fn prefix_tenant_and_server_warnings() {
    let Some((h, p)) = history_and_prometheus() else {
        return;
    };
    let front = front(&p.url);
    let with_password = front.replace("http://", "http://admin:s3cret@");
    let r = analyse(
        &format!("{with_password}/prometheus"),
        &["--tenant", "team-a"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains("s3cret") && !r.stdout.contains("s3cret"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("read 6 targets with"), "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_fleet(&out, &h, Kind::Prometheus);
    assert_eq!(
        out["fleet"]["server_warnings"],
        serde_json::json!(["partial response: store 10.0.0.7:10901 did not answer"])
    );
    assert!(
        r.stderr
            .contains("warning from the server: partial response"),
        "{}",
        r.stderr
    );
    // No statistics API: said, and the PromQL counts stand.
    let server = &out["fleet"]["server_cost"];
    assert!(server["head"].is_null(), "{server}");
    let notes = server["notes"].to_string();
    for n in [
        "no /api/v1/status/tsdb on this server",
        "no /api/v1/cardinality/label_names either",
    ] {
        assert!(notes.contains(n), "{n}: {notes}");
    }
    crate::server_cost::assert_cost(&out, &h, &p.url);
    // Without the tenant the front refuses, as Mimir does.
    fails_with(&analyse(&format!("{front}/prometheus"), &[]), "no org id");
}

/// Forwards `/prometheus/api/v1/…` to `upstream` when `X-Scope-OrgID` is set, adding a
/// warning to each JSON answer, but answers 404 for the statistics APIs, as Thanos Query
/// does; answers 401 `no org id` without the header.
fn front(upstream: &str) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.to_string();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let head = crate::server::read_request(&mut s);
            let target = head.split(' ').nth(1).unwrap_or("/").to_string();
            let tenant = head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("x-scope-orgid: team-a"));
            // Thanos Query has neither statistics API: a plain 404, as Go's mux writes it.
            let lacks = [
                "/prometheus/api/v1/status/",
                "/prometheus/api/v1/cardinality/",
            ]
            .iter()
            .any(|p| target.starts_with(p));
            let (status, body) = match target.strip_prefix("/prometheus") {
                Some(_) if tenant && lacks => ("404 Not Found", "404 page not found\n".to_string()),
                Some(rest) if tenant => {
                    let mut v: Value = reqwest::blocking::get(format!("{upstream}{rest}"))
                        .and_then(|r| r.text())
                        .map(|t| serde_json::from_str(&t).unwrap_or(Value::Null))
                        .unwrap_or(Value::Null);
                    v["warnings"] = serde_json::json!([
                        "partial response: store 10.0.0.7:10901 did not answer"
                    ]);
                    ("200 OK", v.to_string())
                }
                _ => ("401 Unauthorized", "no org id\n".to_string()),
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                if status.starts_with("200") { "application/json" } else { "text/plain" },
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

/// `--write-configs` with a fleet: every job the server scraped faster than 30s is set to
/// 30s, the others stay; promtool accepts the config and the rules; with `--base-config`
/// only those jobs' lines and the rule_files entry change.
#[test]
fn fleet_configs_change_each_over_scraped_job() {
    let Some((h, p)) = history_and_prometheus() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = analyse(&p.url, &["--write-configs", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let config: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(out.join("prometheus-optimized.yml")).unwrap(),
    )
    .unwrap();
    for (job, j) in h.expected["jobs"].as_object().unwrap() {
        let written = config["scrape_configs"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|x| x["job_name"] == job.as_str())
            .unwrap_or_else(|| panic!("no job {job}"));
        let before = j["interval_seconds"].as_f64().unwrap();
        let want = if before < 30.0 {
            "30s".to_string()
        } else {
            format!("{}m", before / 60.0)
        };
        assert_eq!(
            written["scrape_interval"].as_str(),
            Some(want.as_str()),
            "{job}"
        );
        assert_eq!(
            written["static_configs"][0]["targets"]
                .as_sequence()
                .unwrap()
                .len() as u64,
            j["targets"].as_u64().unwrap()
        );
    }
    let rules: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(out.join("alert-rules.yml")).unwrap())
            .unwrap();
    let groups = rules["groups"].as_sequence().unwrap();
    assert_eq!(groups.len(), 3, "one group per job");
    for g in groups {
        let job = g["name"].as_str().unwrap().trim_start_matches("promtune-");
        for rule in g["rules"].as_sequence().unwrap() {
            assert_eq!(rule["labels"]["job"].as_str(), Some(job));
            assert!(rule["expr"]
                .as_str()
                .unwrap()
                .contains(&format!("job=\"{job}\"")));
        }
    }
    if crate::promtool::promtool().is_some() {
        let (ok, text) =
            crate::promtool::run(&out, &["check", "config", "prometheus-optimized.yml"]);
        assert!(ok && text.contains("SUCCESS: 1 rule files found"), "{text}");
        let (ok, text) = crate::promtool::run(&out, &["check", "rules", "alert-rules.yml"]);
        assert!(ok, "{text}");
    }
    // The user's own config: only the over-scraped jobs' lines and one rule_files line change.
    let base = dir.path().join("prometheus.yml");
    let text = "global:\n  scrape_interval: 15s # default\nscrape_configs:\n  # the API\n  - job_name: api\n    static_configs:\n      - targets: [api-1:8000]\n  - job_name: edge\n    scrape_interval: 5s   # HA pair\n    static_configs:\n      - targets: [edge-1:8080]\n  - job_name: worker\n    scrape_interval: 60s\n    static_configs:\n      - targets: [worker-1:9000]\n";
    std::fs::write(&base, text).unwrap();
    let r = analyse(&p.url, &["--base-config", base.to_str().unwrap(), "--diff"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let changed: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(changed.len(), 7, "{}", r.stdout);
    assert!(
        changed
            .iter()
            .all(|l| l.contains("promtune") || l.contains("HA pair") || *l == "+rule_files:"),
        "{changed:#?}"
    );
    assert!(changed.contains(&"-    scrape_interval: 5s   # HA pair"));
    assert!(!r.stdout.contains("worker-1:9000\n+"), "{}", r.stdout);
}

/// `compare --prometheus` between the history's two hours: api-2's leak (620MB to 820MB at
/// the ends of the hours, by the history's memory model) regresses, api-1 stays the same.
#[test]
fn compare_two_ranges_of_a_server() {
    let Some((_h, p)) = history_and_prometheus() else {
        return;
    };
    let r = promtune(&[
        "compare",
        "--prometheus",
        &p.url,
        "--before-range",
        "1767261600/1h",
        "--after-range",
        "1767265200/1h",
        "--job",
        "api",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "a regression: {}", r.stderr);
    let out = json_of(&r.stdout);
    let cmp = out["comparisons"].as_array().unwrap();
    assert_eq!(cmp.len(), 3);
    let row = |i: usize, id: &str| {
        cmp[i]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id && r["subject"].is_null())
            .unwrap()
            .clone()
    };
    let mb = 1024.0 * 1024.0;
    let mem = row(1, "memory");
    assert!(cmp[1]["after"].as_str().unwrap().contains("api-2:8000"));
    close(&mem["before"], 620.0 * mb, "before");
    close(&mem["after"], 820.0 * mb, "after");
    assert_eq!(mem["verdict"], "regressed");
    assert_eq!(
        (mem["before_status"].as_str(), mem["after_status"].as_str()),
        (Some("off_target"), Some("warning"))
    );
    for id in ["memory", "error_rate"] {
        assert_eq!(row(0, id)["verdict"], "same", "api-1 {id}");
    }
    // The request rate is reported, not judged: no --expect names it.
    assert_eq!(row(0, "request_rate")["verdict"], "reported");
    let change = row(0, "request_rate")["change"].as_f64().unwrap();
    assert!(change.abs() <= 0.05, "api-1 request rate change {change}");
    assert_eq!(out["failed"], true);
}

/// A range longer than the data (3h over the history's 2h): each target's figures are over the
/// time its data covers, not spread over the hour before it began, and a notice says so. The
/// history's traffic is steady for api-1, so its rates over 2h are its rates over the last hour.
#[test]
fn a_range_longer_than_the_data_is_clamped_to_it() {
    let Some((h, p)) = history_and_prometheus() else {
        return;
    };
    let r = analyse(&p.url, &["--range", "3h"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    let report = out["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"]["instance"] == "api-1:8000")
        .unwrap();
    let t = h.expected["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["instance"] == "api-1:8000")
        .unwrap();
    let near = |got: &Value, want: f64, what: &str| {
        let got = got.as_f64().unwrap();
        assert!(
            (got / want - 1.0).abs() < 0.005,
            "{what}: {got}, expected {want} (diluted over 3h it would be 2/3 of it)"
        );
    };
    // The history begins 7200s before AT; Prometheus extrapolates half an interval before it.
    near(&report["uptime_seconds"], 7200.0, "span");
    near(
        &check(report, "request_rate")["value"],
        t["request_rate"].as_f64().unwrap(),
        "request rate",
    );
    near(
        &pattern(report, "metrics_scrapes")["interval_seconds"],
        15.0,
        "metrics scrape interval",
    );
    let notices = report["notices"].to_string();
    assert!(
        notices.contains("this target's data begins at 2026-01-01T10:00:00.000Z (its first sample of up in the range)"),
        "{notices}"
    );
}
