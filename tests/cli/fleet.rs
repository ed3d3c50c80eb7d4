//! `analyze --targets-from`: a local fleet of fake exporters (tests/fleet_serve.rs) listed by
//! a Prometheus config with three jobs and a file_sd glob, some targets down, some slow, some
//! hostile. The truth is each page as served.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fleet_serve::{self, page, Behaviour};
use crate::support::{json_of, promtune, PATIENCE};

const KB: usize = 1024;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn reports(out: &Value) -> &Vec<Value> {
    out["reports"].as_array().unwrap()
}

fn report<'a>(out: &'a Value, job: &str, instance: &str) -> &'a Value {
    reports(out)
        .iter()
        .find(|r| r["target"]["job"] == job && r["target"]["instance"] == instance)
        .unwrap_or_else(|| panic!("no report for {job}/{instance}"))
}

fn pattern(r: &Value, id: &str) -> Value {
    r["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap()
}

/// The report of target `i` says what its page said.
fn assert_truth(r: &Value, i: usize, bytes: usize, interval: f64) {
    let (_, t) = page(i, bytes, 0);
    assert_eq!(r["error"], Value::Null, "{r}");
    assert_eq!(r["requests"]["total"], t.scrapes + t.health + t.api, "{i}");
    assert_eq!(pattern(r, "metrics_scrapes")["requests"], t.scrapes);
    assert_eq!(pattern(r, "health_checks")["requests"], t.health);
    let err = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "error_rate")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    let want = t.errors as f64 / (t.scrapes + t.health + t.api) as f64;
    assert!((err - want).abs() < 1e-12, "{i}: {err} vs {want}");
    assert_eq!(
        r["scrape"]["samples_per_scrape"].as_f64(),
        Some(t.samples as f64),
        "{i}"
    );
    assert_eq!(
        r["scrape"]["interval_seconds"].as_f64(),
        Some(interval),
        "{i}"
    );
    // The cost: the samples the page was built with, at the job's configured interval.
    let cost = &r["cost"];
    assert_eq!(cost["series"].as_u64(), Some(t.samples), "{i}");
    assert_eq!(cost["interval"]["seconds"].as_f64(), Some(interval), "{i}");
    let per_day = cost["samples_per_day"].as_f64().unwrap();
    assert!(
        (per_day - t.samples as f64 / interval * 86_400.0).abs() < 1e-6,
        "{i}"
    );
}

/// Three jobs: `api` (static, every 10s, one target down), `web` (static, every 30s, basic
/// auth from a password file) and `batch` (file_sd files matched by a glob, every 60s, a
/// bearer token from a file, one slow target). Sizes from 20 to 200 KB.
struct Layout {
    dir: tempfile::TempDir,
    sizes: Vec<usize>,
}

fn layout() -> (Layout, fleet_serve::Fleet) {
    let sizes = vec![
        20 * KB,
        120 * KB,
        60 * KB,
        200 * KB,
        40 * KB,
        90 * KB,
        30 * KB,
    ];
    let behaviours = vec![
        Behaviour::Page {
            bytes: sizes[0],
            delay: Duration::ZERO,
            gzip: false,
        },
        Behaviour::Page {
            bytes: sizes[1],
            delay: Duration::ZERO,
            gzip: true,
        },
        Behaviour::Guarded {
            bytes: sizes[2],
            auth: "Basic cHJvbXR1bmU6czNjcmV0".into(),
        },
        Behaviour::Guarded {
            bytes: sizes[3],
            auth: "Basic cHJvbXR1bmU6czNjcmV0".into(),
        },
        Behaviour::Guarded {
            bytes: sizes[4],
            auth: "Bearer tok123".into(),
        },
        Behaviour::Page {
            bytes: sizes[5],
            delay: Duration::from_millis(900),
            gzip: false,
        },
        Behaviour::Page {
            bytes: sizes[6],
            delay: Duration::ZERO,
            gzip: false,
        },
    ];
    let fleet = fleet_serve::start(behaviours, 3);
    let dir = tempfile::tempdir().unwrap();
    let t = |i: usize| &fleet.targets[i];
    let group = |i: usize| {
        format!(
            "      - targets: ['{}']\n        labels: {{__metrics_path__: '{}', instance: 't{i}'}}\n",
            t(i).0,
            t(i).1
        )
    };
    let down = crate::server::refused_url()
        .replace("http://", "")
        .replace("/metrics", "");
    let config = format!(
        "global:\n  scrape_interval: 15s\nscrape_configs:\n  # the API, scraped too often\n  - job_name: api\n    scrape_interval: 10s\n    static_configs:\n{}{}      - targets: ['{down}']\n        labels: {{instance: 'down'}}\n  - job_name: web\n    scrape_interval: 30s\n    basic_auth:\n      username: promtune\n      password_file: web.pass\n    static_configs:\n{}{}  - job_name: batch\n    scrape_interval: 1m\n    scrape_timeout: 1s\n    authorization:\n      credentials_file: batch.token\n    file_sd_configs:\n      - files: ['sd/batch-*.json']\n",
        group(0),
        group(1),
        group(2),
        group(3)
    );
    write(dir.path(), "prometheus.yml", &config);
    write(dir.path(), "web.pass", "s3cret\n");
    write(dir.path(), "batch.token", "tok123\n");
    let sd = |i: usize| {
        format!(
            "{{\"targets\": [\"{}\"], \"labels\": {{\"__metrics_path__\": \"{}\", \"instance\": \"t{i}\"}}}}",
            t(i).0,
            t(i).1
        )
    };
    write(
        dir.path(),
        "sd/batch-1.json",
        &format!("[{}, {}]", sd(4), sd(5)),
    );
    write(dir.path(), "sd/batch-2.json", &format!("[{}]", sd(6)));
    write(dir.path(), "sd/ignored.yml", "- targets: ['127.0.0.1:1']\n");
    (Layout { dir, sizes }, fleet)
}

#[test]
fn a_fleet_of_three_jobs_and_a_file_sd() {
    let (l, fleet) = layout();
    let config = l.dir.path().join("prometheus.yml");
    let r = promtune(&[
        "analyze",
        "--targets-from",
        config.to_str().unwrap(),
        "--format",
        "json",
        "--timeout",
        "60s",
        "--concurrency",
        "3",
    ]);
    // One target is down: a failed target shows in the exit code, every report is printed.
    assert_eq!(r.code, 2, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(reports(&out).len(), 8, "seven served targets and one down");
    let jobs = [
        ("api", 10.0),
        ("api", 10.0),
        ("web", 30.0),
        ("web", 30.0),
        ("batch", 60.0),
        ("batch", 60.0),
        ("batch", 60.0),
    ];
    for (i, (job, interval)) in jobs.iter().enumerate() {
        assert_truth(
            report(&out, job, &format!("t{i}")),
            i,
            l.sizes[i],
            *interval,
        );
    }
    let down = report(&out, "api", "down");
    assert!(
        down["error"]
            .as_str()
            .unwrap()
            .contains("connection refused"),
        "{down}"
    );
    // Each target was asked once, auth and all.
    for (i, n) in fleet.served.iter().enumerate() {
        assert_eq!(n.load(std::sync::atomic::Ordering::SeqCst), 1, "target {i}");
    }
    // Ranked by the ingest a 30s interval saves: only `api` (10s) saves, the larger page first;
    // then the rest by job and instance.
    let rows = crate::support::fleet_ranking(&out);
    assert_eq!(
        rows,
        ["api/t1", "api/t0", "api/down", "batch/t4", "batch/t5", "batch/t6", "web/t2", "web/t3"]
    );
    let saving = |i: usize| {
        let s = page(i, l.sizes[i], 0).1.samples as f64;
        s / 10.0 - s / 30.0
    };
    let got = out["fleet"]["rows"][0]["savings_per_second"]
        .as_f64()
        .unwrap();
    assert!((got - saving(1)).abs() < 1e-9, "{got}");
    let api = out["fleet"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"] == "api")
        .unwrap();
    assert!((api["savings_per_second"].as_f64().unwrap() - saving(0) - saving(1)).abs() < 1e-9);
    // The job's cost sums its two pages (the target that is down has none); the fleet's all
    // seven, at each job's interval.
    let samples = |i: usize| page(i, l.sizes[i], 0).1.samples;
    assert_eq!(api["cost"]["targets"], 2);
    assert_eq!(
        api["cost"]["series"].as_u64(),
        Some(samples(0) + samples(1))
    );
    let per_second: f64 = jobs
        .iter()
        .enumerate()
        .map(|(i, (_, every))| samples(i) as f64 / every)
        .sum();
    let fleet_cost = &out["fleet"]["cost"];
    assert_eq!(
        fleet_cost["series"].as_u64(),
        Some((0..7).map(samples).sum())
    );
    assert!((fleet_cost["samples_per_second"].as_f64().unwrap() - per_second).abs() < 1e-9);
    // The JSON contract holds for fleets too.
    let errors: Vec<String> = crate::formats::schema()
        .iter_errors(&out)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // No progress bar when stderr is not a terminal.
    assert!(
        !r.stderr.contains('\r') && !r.stderr.contains('\x1b'),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains("promtune: scraped 8 targets, 1 failed"),
        "{}",
        r.stderr
    );
}

/// The config written for the fleet is the user's own with `api` (10s) set to 30s and the
/// rules listed; promtool accepts it.
#[test]
fn the_fleet_config_changes_the_over_scraped_job() {
    let (l, _fleet) = layout();
    let dir = l.dir.path();
    let config = dir.join("prometheus.yml");
    let out = dir.join("out");
    let r = promtune(&[
        "analyze",
        "--targets-from",
        config.to_str().unwrap(),
        "--write-configs",
        out.to_str().unwrap(),
    ]);
    // The `down` target fails the run (exit 2), and the configs are still written.
    assert_eq!(r.code, 2, "{}", r.stderr);
    let text = std::fs::read_to_string(out.join("prometheus-optimized.yml")).unwrap();
    assert!(
        text.contains("    scrape_interval: 30s  # promtune: was 10s;"),
        "{text}"
    );
    assert!(
        text.contains("  # the API, scraped too often\n"),
        "comments kept: {text}"
    );
    assert!(
        text.contains("    scrape_interval: 30s\n    basic_auth:"),
        "web unchanged: {text}"
    );
    assert!(
        text.contains("    scrape_interval: 1m\n"),
        "batch unchanged: {text}"
    );
    if crate::promtool::promtool().is_some() {
        // Beside the original, so its file_sd and secret files resolve.
        std::fs::copy(
            out.join("prometheus-optimized.yml"),
            dir.join("optimized.yml"),
        )
        .unwrap();
        std::fs::copy(out.join("alert-rules.yml"), dir.join("alert-rules.yml")).unwrap();
        let (ok, msg) = crate::promtool::run(dir, &["check", "config", "optimized.yml"]);
        assert!(ok, "{msg}");
    }
}

/// Every faulty endpoint class among good targets: each bad one fails with its reason, every
/// good report is intact, and the failures show in the exit code (2). The timeout is
/// generous, so that on a busy machine the bomb still trips on size and no good page runs out
/// of time; the hanging target has a run of its own with a short timeout.
#[test]
fn one_bad_target_among_many_leaves_the_others_intact() {
    let good = 8;
    let mut behaviours: Vec<Behaviour> = (0..good)
        .map(|i| Behaviour::Page {
            bytes: 20 * KB + i * 10 * KB,
            delay: Duration::ZERO,
            gzip: i % 2 == 0,
        })
        .collect();
    behaviours.extend([
        Behaviour::Reset,
        Behaviour::Bomb,
        Behaviour::Html,
        Behaviour::Unauthorized,
    ]);
    let fleet = fleet_serve::start(behaviours, 2);
    let dir = tempfile::tempdir().unwrap();
    let groups = fleet.file_sd_groups(|i| format!(",\"job\":\"app\",\"instance\":\"t{i}\""));
    write(
        dir.path(),
        "targets.json",
        &format!("[{}]", groups.join(",")),
    );
    let r = promtune(&[
        "analyze",
        "--targets-from",
        dir.path().join("targets.json").to_str().unwrap(),
        "--format",
        "json",
        "--timeout",
        "600s",
        "--max-bytes",
        "8000000",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let out = json_of(&r.stdout);
    for i in 0..good {
        let rep = report(&out, "app", &format!("t{i}"));
        let (_, t) = page(i, 20 * KB + i * 10 * KB, 0);
        assert_eq!(
            rep["requests"]["total"],
            t.scrapes + t.health + t.api,
            "{i}"
        );
        assert_eq!(
            rep["scrape"]["samples_per_scrape"].as_f64(),
            Some(t.samples as f64)
        );
    }
    for (i, why) in [
        (good, "cut off"),
        (good + 1, "input is larger than 8000000 bytes"),
        (good + 2, "text/html"),
        (good + 3, "HTTP 401"),
    ] {
        let e = report(&out, "app", &format!("t{i}"))["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(e.contains(why), "target {i}: {why:?} not in {e:?}");
    }
    // A target that never answers meets the timeout (the server hangs for an hour, so only
    // promtune's own deadline ends the run).
    let hang = fleet_serve::start(vec![Behaviour::Hang], 1);
    write(
        dir.path(),
        "hang.json",
        &format!("[{}]", hang.file_sd_groups(|_| String::new()).join(",")),
    );
    let start = Instant::now();
    let r = promtune(&[
        "analyze",
        "--targets-from",
        dir.path().join("hang.json").to_str().unwrap(),
        "--timeout",
        "2s",
    ]);
    assert!(start.elapsed() < PATIENCE, "{:?}", start.elapsed());
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no complete answer within 2s"),
        "{}",
        r.stderr
    );
    // Every target down: exit 2.
    write(
        dir.path(),
        "down.json",
        &format!(
            "[{{\"targets\":[\"{}\"]}}]",
            crate::server::refused_url()
                .replace("http://", "")
                .replace("/metrics", "")
        ),
    );
    let r = promtune(&[
        "analyze",
        "--targets-from",
        dir.path().join("down.json").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// A config Prometheus would reject is an error naming its line (and promtool rejects it too).
#[test]
fn configs_prometheus_would_reject_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, line, what) in [
        ("dup.yml", "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['x:1']}]\n  - job_name: a\n    static_configs: [{targets: ['y:1']}]\n", 4, "multiple scrape configs with job name \"a\""),
        ("scheme.yml", "scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://x:1']\n", 4, "is not a valid host:port"),
        ("yaml.yml", "scrape_configs:\n  - job_name: a\n   static_configs: []\n", 3, ""),
        ("timeout.yml", "scrape_configs:\n  - job_name: t\n    scrape_interval: 5s\n    scrape_timeout: 10s\n    static_configs: [{targets: ['x:1']}]\n", 2, "scrape timeout greater than scrape interval"),
    ] {
        write(dir.path(), name, text);
        let path = dir.path().join(name);
        let r = promtune(&["analyze", "--targets-from", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(&format!("{}:{line}", path.display())) || r.stderr.contains(&format!("line {line}")), "{name}: {}", r.stderr);
        assert!(r.stderr.contains(what), "{name}: {}", r.stderr);
        if crate::promtool::promtool().is_some() {
            let (ok, msg) = crate::promtool::run(dir.path(), &["check", "config", name]);
            assert!(!ok, "promtool accepted {name}: {msg}");
        }
    }
    let r = promtune(&[
        "analyze",
        "--targets-from",
        dir.path().join("dup.yml").to_str().unwrap(),
        "--job",
        "nope",
    ]);
    assert_eq!(r.code, 2);
    // A --job that names no job lists those there are, in a config and in a file_sd file.
    write(
        dir.path(),
        "two.yml",
        "scrape_configs:\n  - job_name: web\n    static_configs: [{targets: ['localhost:1']}]\n  - job_name: node\n    static_configs: [{targets: ['localhost:2']}]\n",
    );
    write(
        dir.path(),
        "sd.json",
        r#"[{"targets": ["localhost:1"], "labels": {"job": "app"}}]"#,
    );
    // The jobs seen, sorted by name.
    for (file, seen) in [("two.yml", "node, web"), ("sd.json", "app")] {
        let f = dir.path().join(file);
        let r = promtune(&[
            "analyze",
            "--targets-from",
            f.to_str().unwrap(),
            "--job",
            "nope",
        ]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("no job named \"nope\" (jobs seen: {seen})")),
            "{}",
            r.stderr
        );
    }
}

/// With a window every target is scraped twice, and the counts are the increase between.
#[test]
fn a_window_scrapes_every_target_twice() {
    let fleet = fleet_serve::start(
        (0..3)
            .map(|_| Behaviour::Page {
                bytes: 20 * KB,
                delay: Duration::ZERO,
                gzip: false,
            })
            .collect(),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let groups = fleet.file_sd_groups(|_| String::new());
    write(dir.path(), "t.json", &format!("[{}]", groups.join(",")));
    let r = promtune(&[
        "analyze",
        "--targets-from",
        dir.path().join("t.json").to_str().unwrap(),
        "--window",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    for rep in reports(&out) {
        assert_eq!(rep["rates_over"], "window", "{rep}");
        // The page counts one more scrape at the second request: the window's only one.
        assert_eq!(pattern(rep, "metrics_scrapes")["requests"], 1, "{rep}");
        assert_eq!(rep["requests"]["total"], 1);
    }
    for n in fleet.served.iter() {
        assert_eq!(n.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
    assert!(
        r.stderr.contains("ms for the second round")
            || r.stderr.contains("waiting 1s for the second round"),
        "{}",
        r.stderr
    );
}

/// On a terminal (a pty made by `script`), stderr shows the progress bar: done of total,
/// the rate, and the failures; the report on stdout is unchanged.
#[test]
fn a_terminal_gets_a_progress_bar() {
    if !crate::support::have("script", "--version", "bsdutils") {
        return;
    }
    let fleet = fleet_serve::start(
        (0..3)
            .map(|_| Behaviour::Page {
                bytes: 20 * KB,
                delay: Duration::ZERO,
                gzip: false,
            })
            .collect(),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut groups = fleet.file_sd_groups(|_| String::new());
    let down = crate::server::refused_url()
        .replace("http://", "")
        .replace("/metrics", "");
    groups.push(format!("{{\"targets\":[\"{down}\"]}}"));
    write(dir.path(), "t.json", &format!("[{}]", groups.join(",")));
    let bin = env!("CARGO_BIN_EXE_promtune");
    let out_file = dir.path().join("out.json");
    let cmd = format!(
        "{bin} analyze --targets-from {} --format json > {}",
        dir.path().join("t.json").display(),
        out_file.display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&o.stdout);
    assert!(tty.contains("/4 scraped"), "{tty:?}");
    assert!(tty.contains("1 failed"), "{tty:?}");
    let out = json_of(&std::fs::read_to_string(out_file).unwrap());
    assert_eq!(reports(&out).len(), 4);
}

/// An empty page among good ones is a failed target, "no samples", as one URL's would be
/// (issue #22 §8): its report carries the error and the run's exit code shows it.
#[test]
fn an_empty_page_in_a_fleet_is_a_failed_target() {
    let dir = tempfile::tempdir().unwrap();
    let good = crate::server::serve(crate::server::Reply::Respond(
        200,
        vec![],
        b"# TYPE up_total counter\nup_total 1\n".to_vec(),
    ));
    let empty = crate::server::serve(crate::server::Reply::Respond(200, vec![], Vec::new()));
    let addr = |u: &str| {
        u.trim_start_matches("http://")
            .trim_end_matches("/metrics")
            .to_string()
    };
    write(
        dir.path(),
        "sd.json",
        &format!(
            r#"[{{"targets": ["{}", "{}"], "labels": {{"job": "app"}}}}]"#,
            addr(&good.url),
            addr(&empty.url)
        ),
    );
    let r = promtune(&[
        "analyze",
        "--format",
        "json",
        "--targets-from",
        dir.path().join("sd.json").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let out = json_of(&r.stdout);
    let errors: Vec<&str> = out["reports"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["error"].as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(errors[0].contains("no samples"), "{errors:?}");
}
