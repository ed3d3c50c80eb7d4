//! A real Prometheus server (Debian's `prometheus` package) on 127.0.0.1 and a free port,
//! for tests that need Prometheus to compute the answer. Missing on a laptop: the test says
//! so and skips; missing in CI (`CI` set): the test fails. The server stops when dropped.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running Prometheus.
pub(crate) struct Prometheus {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Prometheus {
    /// Starts Prometheus with `config` (a prometheus.yml, where `{prometheus}` stands for its
    /// own address), or `None` where it may be missing.
    pub(crate) fn start(config: &str) -> Option<Prometheus> {
        Prometheus::start_on(config, None)
    }

    /// Starts Prometheus on the history in `openmetrics` (timestamped samples), turned into
    /// blocks by `promtool tsdb create-blocks-from openmetrics` and kept (retention 100y).
    pub(crate) fn start_on(
        config: &str,
        openmetrics: Option<&std::path::Path>,
    ) -> Option<Prometheus> {
        let found = Command::new("prometheus")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "prometheus is missing in CI: .ci/run must install Debian's prometheus package"
            );
            eprintln!(
                "SKIPPED: prometheus not found (apt-get install prometheus); this test runs in CI"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let cfg = dir.path().join("prometheus.yml");
        // `{prometheus}` in the config is the server's own address, to scrape itself.
        std::fs::write(&cfg, config.replace("{prometheus}", &addr)).unwrap();
        let data = dir.path().join("data");
        if let Some(om) = openmetrics {
            let out = Command::new("promtool")
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(om)
                .arg(&data)
                .output()
                .expect("run promtool");
            assert!(
                out.status.success(),
                "promtool tsdb create-blocks-from openmetrics: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let p = Prometheus {
            child,
            url: format!("http://{addr}"),
            _dir: dir,
        };
        p.wait_until(crate::support::PATIENCE, |p| {
            reqwest::blocking::get(format!("{}/-/ready", p.url))
                .is_ok_and(|r| r.status().is_success())
        });
        Some(p)
    }

    /// Polls `ready` every 200 ms until it holds; panics after `limit`.
    pub(crate) fn wait_until(&self, limit: Duration, ready: impl Fn(&Prometheus) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            assert!(
                start.elapsed() < limit,
                "Prometheus not ready after {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The result vector of an instant query.
    pub(crate) fn query(&self, promql: &str) -> Vec<Value> {
        query_at(&self.url, promql, None)
    }

    /// The single value of an instant query, or `None` when it returns nothing.
    pub(crate) fn scalar(&self, promql: &str) -> Option<f64> {
        let r = self.query(promql);
        assert!(r.len() <= 1, "{promql}: {r:?}");
        r.first()
            .map(|s| s["value"][1].as_str().unwrap().parse().unwrap())
    }
}

/// The result vector of an instant query to the server at `url`, at `time` (now if none).
pub(crate) fn query_at(url: &str, promql: &str, time: Option<&str>) -> Vec<Value> {
    let mut q = vec![("query", promql)];
    q.extend(time.map(|t| ("time", t)));
    let body: Value = reqwest::blocking::Client::new()
        .get(format!("{url}/api/v1/query"))
        .query(&q)
        .send()
        .and_then(|r| r.text())
        .map(|t| serde_json::from_str(&t).unwrap_or_else(|e| panic!("{promql}: {e}: {t}")))
        .unwrap_or_else(|e| panic!("{promql}: {e}"));
    assert_eq!(body["status"], "success", "{promql}: {body}");
    body["data"]["result"].as_array().unwrap().clone()
}

/// Serves files at their paths under `root` (`GET /a/b.prom` → `root/a/b.prom`), with the
/// content type of their exposition format; returns `HOST:PORT`.
pub(crate) fn serve_files(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || answer(s, &root));
        }
    });
    addr
}

fn answer(mut s: TcpStream, root: &std::path::Path) {
    let head = crate::server::read_request(&mut s);
    let path = head
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/');
    let (status, ct, body) = match std::fs::read(root.join(path)) {
        Ok(b) if path.ends_with(".om.txt") => (
            200,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            b,
        ),
        Ok(b) => (200, "text/plain; version=0.0.4; charset=utf-8", b),
        Err(_) => (404, "text/plain", b"not found".to_vec()),
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(&body);
}
