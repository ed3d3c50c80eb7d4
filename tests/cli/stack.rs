//! A real stack on loopback (issue #22): Debian's Prometheus scraping itself, Debian's node
//! exporter, and a Flask app instrumented with prometheus-flask-exporter (PyPI, pinned as the
//! capture pins it), all every second; known traffic with 404s and 500s. Checked with it:
//! the generated rules load into that Prometheus and their selectors and the dashboard's
//! return data (§1, the app answering Prometheus in OpenMetrics); `TargetDown` goes pending
//! when the node exporter stops (§7); `--prometheus` counts the requests sent.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::prometheus::{free_port, Prometheus};
use crate::series_exist::{empty_selectors, generated_queries};
use crate::support::{fixture, json_of, promtune, PATIENCE};

/// The processes of the stack other than Prometheus (which stops itself when dropped),
/// killed when the test ends however it ends.
pub(crate) struct Processes(pub(crate) Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Missing on a laptop: say so and skip; missing in CI: fail.
fn missing(what: &str) -> Option<()> {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is missing in CI: .ci/run must install it"
    );
    eprintln!("SKIPPED: {what}; this test runs in CI");
    None
}

/// A virtualenv under the target dir with the Flask capture's pinned packages, kept between
/// runs; its python, or `None` where there is no network or no venv on a laptop.
pub(crate) fn flask_python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stack-venv");
    let python = venv.join("bin/python");
    let requirements = fixture("capture/flask_exporter/requirements.txt");
    let stamp = venv.join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).unwrap();
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Some(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        return missing("python3 -m venv (python3-venv)").map(|_| python);
    }
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .output()
        .expect("run pip");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        return missing("pip install of prometheus-flask-exporter (PyPI)").map(|_| python);
    }
    std::fs::write(&stamp, wanted).unwrap();
    Some(python)
}

/// Polls `ready` every 200 ms; panics after [`PATIENCE`].
pub(crate) fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < PATIENCE, "{what}: not after {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn answers(url: &str) -> bool {
    reqwest::blocking::get(url).is_ok_and(|r| r.status().is_success())
}

/// Writes promtune's configs for the live target `url` as job `job` into `dir/job`.
fn write_configs(dir: &Path, url: &str, job: &str) -> PathBuf {
    let out = dir.join(job);
    let r = promtune(&[
        "analyze",
        url,
        "--write-configs",
        out.to_str().unwrap(),
        "--job",
        job,
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code, 0, "{url}: {}", r.stderr);
    out
}

/// `(path, status, count)`: the traffic sent to the app.
const TRAFFIC: [(&str, u16, usize); 5] = [
    ("/orders", 200, 30),
    ("/items/1", 200, 10),
    ("/healthz", 200, 5),
    ("/nope", 404, 6),
    ("/boom", 500, 4),
];

#[test]
fn a_real_stack_agrees_with_what_promtune_writes_and_reads() {
    let Some(python) = flask_python() else { return };
    if !Command::new("prometheus-node-exporter")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        missing("prometheus-node-exporter");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let node = format!("127.0.0.1:{}", free_port());
    let flask = format!("127.0.0.1:{}", free_port());
    let quiet = || Stdio::null();
    let mut procs = Processes(vec![
        Command::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address={node}"))
            .args([
                "--collector.disable-defaults",
                "--collector.cpu",
                "--collector.meminfo",
            ])
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .expect("start prometheus-node-exporter"),
        Command::new(&python)
            .arg(fixture("capture/flask_exporter/app.py"))
            .arg(flask.rsplit(':').next().unwrap())
            .stdout(quiet())
            .stderr(quiet())
            .spawn()
            .expect("start the Flask app"),
    ]);
    wait_for("node exporter", || {
        answers(&format!("http://{node}/metrics"))
    });
    wait_for("Flask app", || answers(&format!("http://{flask}/metrics")));
    // promtune reads the app as Prometheus will: prometheus_client answers in OpenMetrics.
    let ct = reqwest::blocking::Client::new()
        .get(format!("http://{flask}/metrics"))
        .header("Accept", "application/openmetrics-text;version=1.0.0")
        .send()
        .unwrap();
    assert!(
        ct.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
        "{:?}",
        ct.headers()
    );
    let flask_dir = write_configs(dir.path(), &format!("http://{flask}/metrics"), "flask");
    let node_dir = write_configs(dir.path(), &format!("http://{node}/metrics"), "node");
    let cfg = format!(
        "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
         rule_files: ['{}', '{}']\n\
         scrape_configs:\n\
         \x20 - {{job_name: prometheus, static_configs: [{{targets: ['{{prometheus}}']}}]}}\n\
         \x20 - {{job_name: node, static_configs: [{{targets: ['{node}']}}]}}\n\
         \x20 - {{job_name: flask, static_configs: [{{targets: ['{flask}']}}]}}\n",
        flask_dir.join("alert-rules.yml").display(),
        node_dir.join("alert-rules.yml").display(),
    );
    let Some(prom) = Prometheus::start(&cfg) else {
        return;
    };
    prom.wait_until(PATIENCE, |p| p.scalar("count(up == 1)") == Some(3.0));

    // The traffic, once the app's first scrape is in: every request after it is counted.
    let client = reqwest::blocking::Client::new();
    let mut sent = 0.0;
    for (path, status, n) in TRAFFIC {
        for _ in 0..n {
            let r = client.get(format!("http://{flask}{path}")).send().unwrap();
            assert_eq!(r.status().as_u16(), status, "{path}");
            sent += 1.0;
        }
    }
    let total = "sum(flask_http_request_total{job=\"flask\"})";
    prom.wait_until(PATIENCE, |p| p.scalar(total) == Some(sent));
    // Two scrapes after the traffic, so that every rate() has its samples.
    let now = prom.scalar("vector(time())").unwrap();
    prom.wait_until(PATIENCE, |p| {
        p.scalar("min(timestamp(up))")
            .is_some_and(|t| t > now + 2.0)
    });

    // §1: the rules loaded, and every selector of the generated rules and dashboards selects
    // series in this Prometheus.
    let rules = json_of(
        &reqwest::blocking::get(format!("{}/api/v1/rules", prom.url))
            .and_then(|r| r.text())
            .unwrap(),
    );
    let groups = rules["data"]["groups"].as_array().unwrap();
    for job in ["flask", "node"] {
        let g = groups
            .iter()
            .find(|g| g["name"] == format!("promtune-{job}"))
            .unwrap_or_else(|| panic!("no rules of {job} loaded: {rules}"));
        assert!(
            g["rules"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["health"] != "err"),
            "{g}"
        );
    }
    let mut checked = 0;
    for (job, d) in [("flask", &flask_dir), ("node", &node_dir)] {
        let (c, bad) = empty_selectors(&prom, job, job, &generated_queries(d));
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        checked += c;
    }
    let flask_rules = std::fs::read_to_string(flask_dir.join("alert-rules.yml")).unwrap();
    assert!(
        flask_rules.contains("process_cpu_seconds_total{job=\"flask\"}"),
        "{flask_rules}"
    );
    eprintln!("{checked} selectors select series");

    // Server mode counts every request sent, although each route's series was born inside
    // the range (after the app's first scrape): `increase()` alone misses each first value.
    let r = promtune(&[
        "analyze",
        "--prometheus",
        &prom.url,
        "--job",
        "flask",
        "--range",
        "5m",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = json_of(&r.stdout);
    assert_eq!(
        out["reports"][0]["requests"]["total"].as_f64(),
        Some(sent),
        "{}",
        out["reports"][0]["requests"]
    );

    // §7: with the node exporter stopped, the TargetDown rule this Prometheus loaded sees it
    // (pending for its `for:`; promtool proves it then fires).
    let mut node_exporter = procs.0.remove(0);
    let _ = node_exporter.kill();
    let _ = node_exporter.wait();
    prom.wait_until(PATIENCE, |p| {
        !p.query("ALERTS{alertname=\"TargetDown\",job=\"node\"}")
            .is_empty()
    });
    assert!(
        prom.query("ALERTS{alertname=\"TargetDown\",job=\"flask\"}")
            .is_empty(),
        "TargetDown for the app, which is up"
    );
    drop(procs);
}
