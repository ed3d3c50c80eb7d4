//! A tiny HTTP/1.1 server on 127.0.0.1:0 for URL-source tests: each test says how it answers.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server answers a request.
#[derive(Clone)]
pub(crate) enum Reply {
    /// Status, extra headers, body.
    Respond(u16, Vec<(String, String)>, Vec<u8>),
    /// Read the request, then say nothing for this long.
    Stall(Duration),
    /// Write these bytes as they are, then stall for this long (zero: close).
    Raw(Vec<u8>, Duration),
    /// The n-th request gets the n-th reply; the last one repeats.
    Sequence(Vec<Reply>),
    /// A 200 with a chunked body: one short chunk every so often, this many times.
    Trickle(Duration, usize),
}

/// A running server; it stops when the test process ends.
pub(crate) struct Server {
    pub(crate) url: String,
    /// The raw requests received.
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
}

pub(crate) fn read_request(s: &mut TcpStream) -> String {
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

fn answer(mut s: TcpStream, reply: &Reply, log: &Mutex<Vec<String>>) {
    // Raw replies answer whatever arrives first (a TLS ClientHello has no blank line).
    let req = match reply {
        Reply::Raw(..) => {
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).unwrap_or(0);
            String::from_utf8_lossy(&chunk[..n]).into_owned()
        }
        _ => read_request(&mut s),
    };
    log.lock().unwrap().push(req);
    match reply {
        Reply::Respond(status, headers, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        }
        Reply::Stall(d) => thread::sleep(*d),
        Reply::Trickle(every, n) => {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            for i in 0..*n {
                let line = format!("# slow {i}\n");
                if s.write_all(format!("{:x}\r\n{line}\r\n", line.len()).as_bytes())
                    .is_err()
                {
                    return;
                }
                let _ = s.flush();
                thread::sleep(*every);
            }
            let _ = s.write_all(b"0\r\n\r\n");
        }
        Reply::Sequence(_) => unreachable!("serve picks one reply of a sequence"),
        Reply::Raw(bytes, d) => {
            let _ = s.write_all(bytes);
            let _ = s.flush();
            thread::sleep(*d);
        }
    }
}

/// Starts a server answering each request with `reply` (connections are not reused: every
/// answer says `Connection: close`).
pub(crate) fn serve(reply: Reply) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    thread::spawn(move || {
        for (n, s) in listener.incoming().flatten().enumerate() {
            let reply = match &reply {
                Reply::Sequence(all) => all[n.min(all.len() - 1)].clone(),
                one => one.clone(),
            };
            let log = Arc::clone(&log);
            thread::spawn(move || answer(s, &reply, &log));
        }
    });
    Server { url, requests }
}

/// A URL on which nothing listens: a port bound and released.
pub(crate) fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/metrics")
}
