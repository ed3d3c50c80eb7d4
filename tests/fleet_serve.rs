//! A fleet of fake exporters on loopback, for the `--targets-from` tests and benchmark
//! (`examples/fleet_server.rs`): many targets per port on different paths, each answering
//! with a page of a chosen size, or misbehaving in one of the ways `docs/reliability.md`
//! lists. Every page's figures are known here, so they are the tests' ground truth.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// How one target answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// A page of about `bytes`, after `delay`; `gzip` compresses it.
    Page {
        bytes: usize,
        delay: Duration,
        gzip: bool,
    },
    /// Reads the request and never answers (for an hour: past any test's patience).
    Hang,
    /// Closes the connection mid-body.
    Reset,
    /// A gzip body that inflates past any limit (64 MiB of zeros, 64 KiB on the wire).
    Bomb,
    /// An HTML login page.
    Html,
    /// 401.
    Unauthorized,
    /// A page of about `bytes`, only for a request whose Authorization header is `auth`
    /// (401 otherwise).
    Guarded { bytes: usize, auth: String },
    /// The same page at every request, every sample timestamped (an hour after the process
    /// started): two reads give the same report.
    Fixed { bytes: usize },
}

/// What a page holds: the ground truth of its report.
#[derive(Clone, Debug, PartialEq)]
pub struct Truth {
    /// Requests to `/metrics` it counted.
    pub scrapes: u64,
    /// Health checks.
    pub health: u64,
    /// Other requests, of which `errors` are 500s.
    pub api: u64,
    /// 500s.
    pub errors: u64,
    /// Sample lines.
    pub samples: u64,
}

/// The page of target `i`, about `bytes` long, with `served` requests to it so far: request
/// counts differ per target, padding with gauge series brings it to size.
pub fn page(i: usize, bytes: usize, served: u64) -> (String, Truth) {
    let t = Truth {
        scrapes: 100 + served,
        health: 20 + (i as u64 % 7) * 10,
        api: 1000 + i as u64 * 13,
        errors: i as u64 % 5,
        samples: 0,
    };
    let mut s = String::with_capacity(bytes + 512);
    s.push_str("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n");
    let mut samples = 0;
    for (path, code, n) in [
        ("/metrics", "200", t.scrapes),
        ("/health", "200", t.health),
        ("/api/items", "200", t.api - t.errors),
        ("/api/items", "500", t.errors),
    ] {
        s.push_str(&format!(
            "http_requests_total{{handler=\"{path}\",code=\"{code}\",method=\"GET\"}} {n}\n"
        ));
        samples += 1;
    }
    s.push_str("# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1700000000\n");
    s.push_str(&format!(
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}\n",
        (100 + i % 300) * 1024 * 1024
    ));
    s.push_str("# TYPE app_items_in_stock gauge\n");
    samples += 2;
    let mut n = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "app_items_in_stock{{sku=\"{n:06}\",warehouse=\"w{}\"}} {}\n",
            n % 4,
            (n * 7 + i) % 1000
        ));
        n += 1;
        samples += 1;
    }
    (s, Truth { samples, ..t })
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The gzip bomb's body, compressed once: compressing 64 MiB in a debug build takes seconds,
/// and done per request it made the bomb's answer late enough to meet a short timeout
/// before promtune's size limit.
fn bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| gzip(&vec![b'0'; 64 << 20]))
}

fn read_head(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A running fleet: `targets[i]` is `(host:port, path)`.
pub struct Fleet {
    /// Where each target answers.
    pub targets: Vec<(String, String)>,
    /// Requests served per target.
    pub served: Arc<Vec<AtomicU64>>,
}

impl Fleet {
    /// Each target as a file_sd group (JSON) with its `__metrics_path__`, and the extra labels
    /// `labels(i)` gives (`,"job":"app"`, or nothing).
    pub fn file_sd_groups(&self, labels: impl Fn(usize) -> String) -> Vec<String> {
        self.targets
            .iter()
            .enumerate()
            .map(|(i, (a, p))| {
                format!(
                    "{{\"targets\":[\"{a}\"],\"labels\":{{\"__metrics_path__\":\"{p}\"{}}}}}",
                    labels(i)
                )
            })
            .collect()
    }
}

fn answer(mut s: TcpStream, i: usize, b: &Behaviour, served: &AtomicU64) {
    let head = read_head(&mut s);
    let n = served.fetch_add(1, Ordering::SeqCst);
    let respond = |s: &mut TcpStream, status: &str, headers: &str, body: &[u8]| {
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(body);
    };
    match b {
        Behaviour::Page {
            bytes,
            delay,
            gzip: gz,
        } => {
            thread::sleep(*delay);
            let (text, _) = page(i, *bytes, n);
            let ct = "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n";
            if *gz {
                respond(
                    &mut s,
                    "200 OK",
                    &format!("{ct}Content-Encoding: gzip\r\n"),
                    &gzip(text.as_bytes()),
                );
            } else {
                respond(&mut s, "200 OK", ct, text.as_bytes());
            }
        }
        Behaviour::Hang => thread::sleep(Duration::from_secs(3600)),
        Behaviour::Reset => {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n# TYPE a counter\na_total 1\n");
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        Behaviour::Bomb => respond(
            &mut s,
            "200 OK",
            "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
            bomb(),
        ),
        Behaviour::Html => respond(
            &mut s,
            "200 OK",
            "Content-Type: text/html; charset=utf-8\r\n",
            b"<!doctype html><html><body><form>Sign in</form></body></html>",
        ),
        Behaviour::Unauthorized => respond(
            &mut s,
            "401 Unauthorized",
            "Content-Type: text/plain\r\n",
            b"unauthorized\n",
        ),
        Behaviour::Fixed { bytes } => {
            let (text, _) = page(i, *bytes, 0);
            let stamped: String = text
                .lines()
                .map(|l| {
                    if l.starts_with('#') {
                        format!("{l}\n")
                    } else {
                        format!("{l} 1700003600000\n")
                    }
                })
                .collect();
            respond(
                &mut s,
                "200 OK",
                "Content-Type: text/plain; version=0.0.4\r\n",
                stamped.as_bytes(),
            );
        }
        Behaviour::Guarded { bytes, auth } => {
            let sent = head.lines().find_map(|l| {
                l.strip_prefix("authorization: ")
                    .or_else(|| l.strip_prefix("Authorization: "))
            });
            if sent == Some(auth.as_str()) {
                let (text, _) = page(i, *bytes, n);
                respond(
                    &mut s,
                    "200 OK",
                    "Content-Type: text/plain; version=0.0.4\r\n",
                    text.as_bytes(),
                );
            } else {
                respond(
                    &mut s,
                    "401 Unauthorized",
                    "Content-Type: text/plain\r\n",
                    b"unauthorized\n",
                );
            }
        }
    }
}

/// Starts the fleet: the targets spread over `ports` listeners, `/t/<i>/metrics` each.
pub fn start(behaviours: Vec<Behaviour>, ports: usize) -> Fleet {
    let listeners: Vec<TcpListener> = (0..ports.max(1))
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    let addrs: Vec<String> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect();
    let served: Arc<Vec<AtomicU64>> =
        Arc::new((0..behaviours.len()).map(|_| AtomicU64::new(0)).collect());
    let mut targets = Vec::new();
    let mut routes: Vec<HashMap<String, usize>> = vec![HashMap::new(); addrs.len()];
    for i in 0..behaviours.len() {
        let p = i % addrs.len();
        let path = format!("/t/{i}/metrics");
        routes[p].insert(path.clone(), i);
        targets.push((addrs[p].clone(), path));
    }
    if behaviours.iter().any(|b| matches!(b, Behaviour::Bomb)) {
        bomb();
    }
    let behaviours = Arc::new(behaviours);
    for (l, routes) in listeners.into_iter().zip(routes) {
        let (behaviours, served, routes) = (behaviours.clone(), served.clone(), Arc::new(routes));
        thread::spawn(move || {
            for s in l.incoming().flatten() {
                let (behaviours, served, routes) =
                    (behaviours.clone(), served.clone(), routes.clone());
                thread::spawn(move || {
                    let mut s = s;
                    let mut peek = [0u8; 512];
                    let n = s.peek(&mut peek).unwrap_or(0);
                    let head = String::from_utf8_lossy(&peek[..n]).into_owned();
                    let path = head
                        .split(' ')
                        .nth(1)
                        .unwrap_or("")
                        .split('?')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    match routes.get(&path) {
                        Some(&i) => answer(s, i, &behaviours[i], &served[i]),
                        None => {
                            let _ = read_head(&mut s);
                            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        }
                    }
                });
            }
        });
    }
    Fleet { targets, served }
}
