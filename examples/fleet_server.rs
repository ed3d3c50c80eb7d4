//! Serves a fleet of fake exporters on loopback for `benches/fleet_scrape.py`, and writes
//! its file_sd list:
//!
//!     cargo run --release --example fleet_server -- TARGETS PORTS OUT.json [BYTES]
//!
//! Pages run from 20 KB to 200 KB (spread evenly over the targets), or are all about `BYTES`
//! long when given (`benches/growth.py`'s fleets of 100,000), `PORTS` listeners share
//! the targets on different paths, and the targets fall into five jobs. Runs until killed.

#[path = "../tests/fleet_serve.rs"]
mod fleet_serve;

use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (n, ports, out, fixed) = match args.as_slice() {
        [_, n, p, o, rest @ ..] if rest.len() <= 1 => (
            n.parse::<usize>().expect("TARGETS"),
            p.parse::<usize>().expect("PORTS"),
            o.clone(),
            rest.first().map(|b| b.parse::<usize>().expect("BYTES")),
        ),
        _ => {
            eprintln!("usage: fleet_server TARGETS PORTS OUT.json [BYTES]");
            std::process::exit(2);
        }
    };
    let behaviours = (0..n)
        .map(|i| fleet_serve::Behaviour::Page {
            bytes: fixed.unwrap_or(20_000 + 180_000 * i / n.max(1)),
            delay: Duration::ZERO,
            gzip: false,
        })
        .collect();
    let fleet = fleet_serve::start(behaviours, ports);
    let groups = fleet
        .file_sd_groups(|i| format!(",\"job\":\"job{}\",\"instance\":\"target-{i:04}\"", i % 5));
    std::fs::write(&out, format!("[{}]\n", groups.join(",\n"))).expect("write the targets file");
    println!("serving {n} targets on {ports} ports; targets in {out}");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
