#!/usr/bin/env python3
"""Fleet benchmark: `analyze --targets-from` over 1,000 loopback targets.

    python3 benches/fleet_scrape.py [--targets 1000] [--ports 10] [--runs 5]

Builds and starts `examples/fleet_server.rs` (TARGETS fake exporters on PORTS listeners,
pages spread evenly from 20 KB to 200 KB, five jobs), which writes their file_sd list, then
runs `promtune analyze --targets-from LIST --format json` RUNS times under GNU time. Prints
the best and median wall time, the largest peak RSS, and promtune's own count of targets
scraped and failed.
"""
import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--ports", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--example", "fleet_server"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target/release/promtune")
    with tempfile.TemporaryDirectory() as d:
        targets = os.path.join(d, "targets.json")
        server = subprocess.Popen([os.path.join(ROOT, "target/release/examples/fleet_server"),
                                   str(a.targets), str(a.ports), targets], stdout=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(targets):
                    break
                time.sleep(0.1)
            time.sleep(0.2)
            walls, rss, last = [], 0, ""
            for _ in range(a.runs):
                t = time.perf_counter()
                p = subprocess.run(["/usr/bin/time", "-v", binary, "analyze", "--targets-from", targets,
                                    "--format", "json", "--fail-on", "never"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                walls.append(time.perf_counter() - t)
                rss = max(rss, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)))
                last = p.stderr
            m = re.search(r"scraped (\d+) targets, (\d+) failed", last)
            size = os.path.getsize(targets)
            print(f"targets {a.targets} on {a.ports} ports ({size} B list): scraped {m.group(1)}, failed {m.group(2)}; "
                  f"wall best {min(walls):.2f}s, median {statistics.median(walls):.2f}s; peak RSS {rss / 1024:.1f} MiB")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
