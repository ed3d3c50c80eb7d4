//! Memory bounds on decoded input (issue 21, §5): each hostile input ends in exit 2 with a
//! message naming the limit, run under an address-space limit of 1 GiB, and its peak RSS is
//! read from the kernel (wait4's rusage) and held under 256 MiB.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::Stdio;

use crate::support::{command, fixture, Run};

/// The address space every run here gets: what a hostile input used to pass.
const ADDRESS_SPACE: u64 = 1 << 30;
/// The peak RSS allowed.
const RSS_KIB: i64 = 256 * 1024;

/// Runs promtune under `RLIMIT_AS` of [`ADDRESS_SPACE`]; returns the run and its peak RSS in
/// KiB.
pub(crate) fn promtune_bounded(args: &[&str]) -> (Run, i64) {
    let mut c = command(args);
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Reaped by wait4 below, which std's wait cannot do with the child's rusage.
    #[allow(clippy::zombie_processes)]
    let mut child = c.spawn().expect("spawn promtune");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let run = Run {
        code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (run, usage.ru_maxrss)
}

/// Asserts exit 2 with every one of `words` in the message, within [`RSS_KIB`].
fn refused(what: &str, (r, rss): (Run, i64), words: &[&str]) {
    eprintln!("{what}: exit {}, peak RSS {} MiB", r.code, rss / 1024);
    assert_eq!(r.code, 2, "{what}: {}", r.stderr);
    for w in words {
        assert!(r.stderr.contains(w), "{what}: no {w:?} in {}", r.stderr);
    }
    assert!(rss < RSS_KIB, "{what}: peak RSS {rss} KiB");
}

/// About 415 KB of YAML: one anchored list of 2,000 items under `anchor_at`, aliased 44,000
/// times under `aliases_at` (88 million nodes once expanded). `head` comes first.
fn laughs(head: &str, anchor_at: &str, aliases_at: &str) -> String {
    let mut s = format!("{head}{anchor_at} &big\n");
    for i in 0..2_000 {
        s.push_str(&format!("  - 10.0.{}.{}:9100\n", i / 250, i % 250));
    }
    s.push_str(aliases_at);
    s.push('\n');
    for _ in 0..44_000 {
        s.push_str("  - *big\n");
    }
    s
}

#[test]
fn yaml_aliases_are_bounded_in_every_yaml_input() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let prom = write(
        "prometheus.yml",
        laughs(
            "scrape_configs:\n- job_name: api\n  static_configs:\n  - targets:\n",
            "    - 127.0.0.1:1\nx-spare:",
            "x-copies:",
        ),
    );
    let sd = write(
        "targets.yml",
        laughs(
            "- targets:\n",
            "  - 127.0.0.1:1\n- labels: {job: a}\n  x:",
            "  y:",
        ),
    );
    let sd_config = write(
        "with-sd.yml",
        format!("scrape_configs:\n- job_name: api\n  file_sd_configs:\n  - files: [{sd}]\n"),
    );
    let config = write(
        "promtune.yml",
        laughs("profile: default\n", "x-spare:", "x-copies:"),
    );
    let base = prom.clone();
    let guide = fixture("guide_example.prom");
    let guide = guide.to_str().unwrap();
    assert!(std::fs::metadata(&prom).unwrap().len() > 400_000);
    let words = ["past 1000000 nodes", "refused before parsing"];
    for (what, args, file) in [
        (
            "--targets-from",
            vec!["analyze", "--targets-from", &prom],
            &prom,
        ),
        (
            "file_sd",
            vec!["analyze", "--targets-from", &sd_config],
            &sd,
        ),
        ("file_sd alone", vec!["analyze", "--targets-from", &sd], &sd),
        (
            "--config",
            vec!["analyze", "--config", &config, guide],
            &config,
        ),
        (
            "--base-config",
            vec![
                "generate",
                "prometheus-config",
                "--base-config",
                &base,
                guide,
            ],
            &base,
        ),
    ] {
        let run = promtune_bounded(&args);
        // The first alias is named by file and line.
        let first = std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .position(|l| l.contains("*big"))
            .unwrap()
            + 1;
        let place = format!("{file}:{first}: the alias *big (one of 44000)");
        let mut all: Vec<&str> = words.to_vec();
        all.push(&place);
        refused(what, run, &all);
    }
}

/// Writes `head`, then `item(i)` joined by commas until the file passes 60 MB, then `tail`.
fn sixty_mb(path: &std::path::Path, head: &str, item: impl Fn(usize) -> String, tail: &str) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut n = head.len();
    f.write_all(head.as_bytes()).unwrap();
    let mut i = 0;
    while n < 60_000_000 {
        let x = item(i);
        let sep = if i == 0 { "" } else { "," };
        write!(f, "{sep}{x}").unwrap();
        n += x.len() + sep.len();
        i += 1;
    }
    f.write_all(tail.as_bytes()).unwrap();
}

#[test]
fn saved_reports_and_baselines_decode_within_caps() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (checks, subject, fleet, baseline) = (
        path("checks.json"),
        path("subject.json"),
        path("fleet.json"),
        path("baseline.json"),
    );
    let check = |i: usize| {
        format!(r#"{{"id":"memory","subject":"cache-{i}","value":{i},"status":"warning"}}"#)
    };
    // A million checks in the first report.
    sixty_mb(
        std::path::Path::new(&checks),
        r#"{"reports":[{"source":"a","checks":["#,
        check,
        "]}]}",
    );
    // One subject of 60 MB.
    sixty_mb(
        std::path::Path::new(&subject),
        r#"{"reports":[{"source":"a","checks":[{"id":"memory","status":"ok","subject":""#,
        |_| "x".repeat(4000),
        r#""}]}]}"#,
    );
    // A million findings.
    sixty_mb(
        std::path::Path::new(&baseline),
        r#"{"promtune_baseline":1,"findings":["#,
        |i| {
            format!(
                r#"{{"source":"job/host-{i}:9100","check":"memory","subject":null,"status":"warning"}}"#
            )
        },
        "]}",
    );
    let guide = fixture("guide_example.prom");
    let guide = guide.to_str().unwrap();
    refused(
        "a million checks",
        promtune_bounded(&["compare", &checks, guide]),
        &[&checks, "a list longer than 500000 items"],
    );
    refused(
        "a 60 MB subject",
        promtune_bounded(&["compare", guide, &subject]),
        &[&subject, "a string longer than 4096 bytes"],
    );
    refused(
        "a million findings",
        promtune_bounded(&["analyze", "--baseline", &baseline, guide]),
        &[&baseline, "a list longer than 500000 items"],
    );
    // A saved fleet of 60 MB is read for its first report only: the rest is skipped unkept.
    let first = std::fs::read_to_string(fixture("guide_example.prom")).unwrap();
    let saved =
        crate::support::promtune_stdin(&["analyze", "--format", "json", "-"], first.as_bytes());
    let saved: serde_json::Value = serde_json::from_str(&saved.stdout).unwrap();
    let one = saved["reports"][0].to_string();
    sixty_mb(
        std::path::Path::new(&fleet),
        r#"{"reports":["#,
        |i| {
            if i == 0 {
                one.clone()
            } else {
                format!(r#"{{"source":"t{i}","checks":[{}]}}"#, check(i))
            }
        },
        "]}",
    );
    let (r, rss) = promtune_bounded(&["compare", "--format", "json", &fleet, guide]);
    eprintln!(
        "a 60 MB fleet compared: exit {}, peak RSS {} MiB",
        r.code,
        rss / 1024
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The first report is the exposition's own: every figure is the same on both sides.
    let rows = crate::support::json_of(&r.stdout)["rows"].clone();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() > 5, "{}", r.stdout);
    for row in rows {
        // The request rate is reported, not judged (no --expect names it).
        let same = if row["id"] == "request_rate" {
            "reported"
        } else {
            "same"
        };
        assert_eq!(row["verdict"], same, "{row}");
        assert_eq!(row["before"], row["after"], "{row}");
    }
    assert!(rss < RSS_KIB, "peak RSS {rss} KiB");
}

/// A stand-in Prometheus API: `__name__` values list one request counter, and every query is
/// answered with `answer(n)` — a stream of `n` series — generated as it is written, to about
/// 300 MB, chunked.
fn huge_api(series: fn(usize) -> String) -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let head = crate::server::read_request(&mut s);
                let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                );
                let mut chunk = |text: &str| {
                    s.write_all(format!("{:x}\r\n{text}\r\n", text.len()).as_bytes())
                        .is_ok()
                };
                if path.contains("/label/__name__/values") {
                    chunk(r#"{"status":"success","data":["http_requests_total"]}"#);
                } else if path.contains("/query") {
                    chunk(r#"{"status":"success","data":{"resultType":"vector","result":["#);
                    let (mut sent, mut n, mut block) = (0usize, 0usize, String::new());
                    while sent < 300_000_000 {
                        if n > 0 {
                            block.push(',');
                        }
                        block.push_str(&series(n));
                        n += 1;
                        if block.len() > 64 * 1024 {
                            if !chunk(&block) {
                                return;
                            }
                            sent += block.len();
                            block.clear();
                        }
                    }
                    chunk(&format!("{block}]}}}}"));
                } else {
                    chunk(r#"{"status":"success","data":[]}"#);
                }
                let _ = s.write_all(b"0\r\n\r\n");
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_huge_api_answer_is_cut_at_its_decoded_size() {
    // Many series of a few labels each, then one series of endless points.
    let many = huge_api(|n| {
        format!(
            r#"{{"metric":{{"__name__":"http_requests_total","job":"api","instance":"host-{n}:9100","handler":"/items/{n}","code":"200"}},"value":[1700000000,"{n}"]}}"#
        )
    });
    let long = huge_api(|n| {
        if n == 0 {
            r#"{"metric":{"job":"api","instance":"a:1"},"values":[[1700000000,"0"]"#.to_string()
        } else {
            format!(r#"[{},"{n}"]"#, 1_700_000_000 + n)
        }
    });
    for (what, url) in [("many series", many), ("one long series", long)] {
        // The limit trips on size: the deadline is far off, so a busy machine changes nothing.
        let run = promtune_bounded(&[
            "analyze",
            "--prometheus",
            &url,
            "--range",
            "1h",
            "--timeout",
            "10m",
        ]);
        refused(
            what,
            run,
            &[
                "the answer decodes to more than 192 MiB, the limit for one answer",
                "narrow the fleet with --job or --match, or shorten --range",
            ],
        );
    }
}

/// The samples on each page of [`big_fleet`]: its request counter's four series.
const PAGE_SAMPLES: u64 = 4;

/// `n` stand-in exporters, one port each, every page about `bytes` long: four request
/// counters, then comment lines, written as they are generated (chunked), so the test holds
/// no page. Returns a file_sd file listing them.
fn big_fleet(dir: &std::path::Path, n: usize, bytes: usize) -> String {
    use std::io::Write;
    let mut groups = Vec::new();
    for i in 0..n {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        groups.push(format!(
            r#"{{"targets":["{}"],"labels":{{"job":"big"}}}}"#,
            listener.local_addr().unwrap()
        ));
        std::thread::spawn(move || {
            for mut s in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let _ = crate::server::read_request(&mut s);
                    let mut page = String::from(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                    );
                    let head = format!(
                        "# TYPE http_requests_total counter\n{}",
                        ["/metrics", "/health", "/api/a", "/api/b"]
                            .iter()
                            .map(|h| format!(
                                "http_requests_total{{handler=\"{h}\",code=\"200\"}} {}\n",
                                100 + i
                            ))
                            .collect::<String>()
                    );
                    page.push_str(&format!("{:x}\r\n{head}\r\n", head.len()));
                    let block = format!("# {}\n", "x".repeat(1021)).repeat(64);
                    let mut sent = head.len();
                    while sent < bytes {
                        page.push_str(&format!("{:x}\r\n{block}\r\n", block.len()));
                        if s.write_all(page.as_bytes()).is_err() {
                            return;
                        }
                        page.clear();
                        sent += block.len();
                    }
                    let _ = s.write_all(b"0\r\n\r\n");
                });
            }
        });
    }
    let path = dir.join("fleet.json");
    std::fs::write(&path, format!("[{}]", groups.join(","))).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_fleet_of_big_pages_is_scraped_within_its_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = big_fleet(dir.path(), 64, 30 << 20);
    // Generous deadlines: the bound is on bytes, and a busy machine only makes it slower.
    let (r, rss) = promtune_bounded(&[
        "analyze",
        "--targets-from",
        &fleet,
        "--concurrency",
        "64",
        "--timeout",
        "10m",
        "--format",
        "json",
    ]);
    eprintln!(
        "64 pages of 30 MiB at --concurrency 64: exit {}, peak RSS {} MiB",
        r.code,
        rss / 1024
    );
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let out = crate::support::json_of(&r.stdout);
    let reports = out["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 64);
    for rep in reports {
        assert!(rep["error"].is_null(), "{}", rep["error"]);
        assert_eq!(
            rep["scrape"]["samples_per_scrape"].as_f64(),
            Some(PAGE_SAMPLES as f64),
            "{rep}"
        );
    }
    assert!(rss < RSS_KIB, "peak RSS {rss} KiB");
    eprintln!(
        "64 pages of 30 MiB at --concurrency 64: peak RSS {} MiB",
        rss / 1024
    );
}
