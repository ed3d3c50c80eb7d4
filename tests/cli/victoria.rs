//! A real VictoriaMetrics (Debian's `victoria-metrics` package) on 127.0.0.1 and a free
//! port, loaded through `/api/v1/import/prometheus`. Missing on a laptop: the test says so
//! and skips; missing in CI (`CI` set): the test fails. The server stops when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::prometheus::free_port;

/// A running VictoriaMetrics.
pub(crate) struct Victoria {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Victoria {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Victoria {
    /// Starts VictoriaMetrics with a retention long enough for old data, and imports
    /// `text` (the text format with millisecond timestamps).
    pub(crate) fn start_with(text: &[u8]) -> Option<Victoria> {
        Victoria::start_import("prometheus", text)
    }

    /// Likewise with JSON lines (`{"metric":{…},"values":[…],"timestamps":[…]}`) through
    /// `/api/v1/import`, which keeps any UTF-8 metric and label name as it is (the text import
    /// of Debian's 1.79 keeps a quoted label name's quotes).
    pub(crate) fn start_json(lines: &[u8]) -> Option<Victoria> {
        Victoria::start_import("", lines)
    }

    /// Starts VictoriaMetrics scraping the targets of the Prometheus config `config`
    /// (`-promscrape.config`; keys it does not use, such as `rule_files`, are skipped), its
    /// answers current to the second (`-search.latencyOffset=1s`).
    pub(crate) fn scraping(config: &std::path::Path) -> Option<Victoria> {
        Victoria::spawn(&[
            format!("-promscrape.config={}", config.display()),
            "-promscrape.config.strictParse=false".into(),
            "-search.latencyOffset=1s".into(),
        ])
    }

    /// `endpoint` is the part after `/api/v1/import` (`prometheus`, or empty for JSON lines).
    fn start_import(endpoint: &str, text: &[u8]) -> Option<Victoria> {
        let vm = Victoria::spawn(&[])?;
        let http = reqwest::blocking::Client::new();
        let r = http
            .post(format!(
                "{}/api/v1/import{}",
                vm.url,
                if endpoint.is_empty() {
                    String::new()
                } else {
                    format!("/{endpoint}")
                }
            ))
            .body(text.to_vec())
            .send()
            .expect("import");
        assert!(r.status().is_success(), "import: {}", r.status());
        let _ = http.get(format!("{}/internal/force_flush", vm.url)).send();
        // Imported samples become searchable once flushed and indexed.
        let lines = text.iter().filter(|b| **b == b'\n').count();
        vm.wait(|| {
            http.get(format!("{}/api/v1/series/count", vm.url))
                .send()
                .and_then(|r| {
                    r.text()
                        .map(|t| serde_json::from_str::<serde_json::Value>(&t).unwrap_or_default())
                })
                .is_ok_and(|v| v["data"][0].as_u64().unwrap_or(0) > 0)
                && lines > 0
        });
        Some(vm)
    }

    /// Starts VictoriaMetrics with `extra` flags and waits for it to answer.
    fn spawn(extra: &[String]) -> Option<Victoria> {
        if !crate::support::have("victoria-metrics", "-version", "victoria-metrics") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let child = Command::new("victoria-metrics")
            .arg(format!("-storageDataPath={}", dir.path().display()))
            .arg(format!("-httpListenAddr={addr}"))
            .arg("-retentionPeriod=100y")
            .arg("-search.disableCache")
            .arg("-loggerLevel=ERROR")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start victoria-metrics");
        let vm = Victoria {
            child,
            url: format!("http://{addr}"),
            _dir: dir,
        };
        let http = reqwest::blocking::Client::new();
        vm.wait(|| {
            http.get(format!("{}/health", vm.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
        });
        Some(vm)
    }

    fn wait(&self, ready: impl Fn() -> bool) {
        let start = Instant::now();
        while !ready() {
            assert!(
                start.elapsed() < crate::support::PATIENCE,
                "VictoriaMetrics not ready after {:?}",
                crate::support::PATIENCE
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
