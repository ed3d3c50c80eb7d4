#!/usr/bin/env python3
"""Server-mode benchmark: `analyze --prometheus` over fleets of 10, 100 and 1,000 targets.

    python3 benches/server_fleet.py [--bin target/release/promtune] [--sizes 10,100,1000]

For each size, fixtures/history/gen_history.py writes the test history plus a job `bulk` of
that many targets (65 minutes at 60s), promtool turns it into blocks, a Prometheus on a free
loopback port serves them, and promtune reads the whole fleet over the last hour. Prints,
per size: targets analysed, requests sent to the server (from promtune's stderr), wall time
(best of 3) and peak RSS (GNU time). Needs prometheus, promtool and /usr/bin/time.
"""
import argparse
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
AT = "1767268800"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_size(binary, n, tmp):
    d = os.path.join(tmp, str(n))
    os.makedirs(d)
    subprocess.run(["python3", os.path.join(ROOT, "fixtures/history/gen_history.py"), d,
                    "--extra", str(n), "--history", "3900"], check=True)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics",
                    os.path.join(d, "history.om"), os.path.join(d, "data")],
                   check=True, stdout=subprocess.DEVNULL)
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 15s\n")
    port = free_port()
    prom = subprocess.Popen(["prometheus", f"--config.file={cfg}",
                             f"--storage.tsdb.path={os.path.join(d, 'data')}",
                             "--storage.tsdb.retention.time=100y",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/-/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cmd = [binary, "analyze", "--prometheus", url, "--at", AT, "--format", "json",
               "--fail-on", "never"]
        best, rss, stderr = None, None, ""
        for _ in range(3):
            t = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
            el = time.perf_counter() - t
            if p.returncode != 0:
                raise SystemExit(p.stderr)
            best = el if best is None else min(best, el)
            kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
            rss = kb if rss is None else max(rss, kb)
            stderr = p.stderr
        m = re.search(r"read (\d+) targets with (\d+) requests", stderr)
        return (int(m.group(1)), int(m.group(2))) if m else (None, None), best, rss
    finally:
        prom.terminate()
        prom.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/promtune"))
    ap.add_argument("--sizes", default="10,100,1000")
    a = ap.parse_args()
    print(f"{'bulk targets':>12} {'analysed':>9} {'requests':>9} {'wall':>8} {'peak RSS':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in a.sizes.split(",")]:
            (targets, requests), wall, rss = run_size(a.bin, n, tmp)
            print(f"{n:>12} {targets!s:>9} {requests!s:>9} {wall:7.2f}s {rss / 1024:8.1f}MiB")


if __name__ == "__main__":
    main()
