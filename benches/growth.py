#!/usr/bin/env python3
"""Growth benchmark: every shape of exposition at size n and 4n, timed with promtune.

    python3 benches/growth.py [--bin target/release/promtune] [--scale 1]

Each shape grows one thing (labels on one line, buckets of one histogram, routes of the
request counter, cache groups, families, a --base-config for --diff) by 4x; the time should
grow by about 4x, not 16x. Prints one row per shape and command with both times and their
ratio, and exits 1 when a ratio is over 8 (linear work with noise stays well under it).
Times are the best of 3 runs, so the VM's drift does not fake a quadratic.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time


def many_labels(n):
    labels = ",".join(f'l{i}="v{i}"' for i in range(n))
    return f"# TYPE wide gauge\nwide{{{labels}}} 1\n"


def many_buckets(n):
    out = ["# TYPE http_request_duration_seconds histogram"]
    for i in range(n):
        out.append(f'http_request_duration_seconds_bucket{{le="{(i + 1) / 1000}"}} {i}')
    out.append(f'http_request_duration_seconds_bucket{{le="+Inf"}} {n}')
    out.append(f"http_request_duration_seconds_sum 1\nhttp_request_duration_seconds_count {n}")
    return "\n".join(out) + "\n"


def many_routes(n):
    out = ["# TYPE http_requests_total counter"]
    for i in range(n):
        out.append(f'http_requests_total{{handler="/r/{i}",code="200",method="GET"}} {i + 1}')
    return "\n".join(out) + "\n"


def many_caches(n):
    out = ["# TYPE app_cache_requests_total counter"]
    for i in range(n):
        for r in ("hit", "miss"):
            out.append(f'app_cache_requests_total{{cache="c{i}",result="{r}"}} {i + 1}')
    out.append("# TYPE app_cache_hits_total counter")
    out += [f'app_cache_hits_total{{cache="c{i}"}} {i}' for i in range(n)]
    out.append("# TYPE app_cache_misses_total counter")
    out += [f'app_cache_misses_total{{cache="c{i}"}} {i}' for i in range(n)]
    return "\n".join(out) + "\n"


def many_families(n):
    return "".join(f"# TYPE f{i} gauge\nf{i} {i}\n" for i in range(n))


def base_config(n):
    jobs = "".join(
        f"  - job_name: job{i}\n    static_configs:\n      - targets: ['h{i}:9100']  # node {i}\n"
        for i in range(n)
    )
    return "global:\n  scrape_interval: 15s\nscrape_configs:\n" + jobs


SHAPES = [
    ("labels on one line", many_labels, 20_000),
    ("buckets of one histogram", many_buckets, 40_000),
    ("routes of the request counter", many_routes, 25_000),
    ("cache groups", many_caches, 10_000),
    ("families", many_families, 100_000),
]


def best(cmd, runs=3):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/promtune")
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        rows = []
        for name, make, n in SHAPES:
            n = int(n * a.scale)
            t = []
            for k in (n, 4 * n):
                p = os.path.join(d, f"{make.__name__}_{k}.prom")
                with open(p, "w") as f:
                    f.write(make(k))
                t.append((
                    best([a.bin, "check", p]),
                    best([a.bin, "analyze", "--format", "json", "--fail-on", "never", p]),
                ))
            for i, cmd in enumerate(("check", "analyze")):
                rows.append((f"{name} ({n} → {4 * n})", cmd, t[0][i], t[1][i]))
        n = int(3_000 * a.scale)
        t = []
        for k in (n, 4 * n):
            p = os.path.join(d, f"base_{k}.yml")
            with open(p, "w") as f:
                f.write(base_config(k))
            src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "guide_example.prom")
            t.append(best([a.bin, "analyze", src, "--base-config", p, "--job", "job1", "--diff"]))
        rows.append((f"--base-config jobs ({n} → {4 * n})", "analyze --diff", t[0], t[1]))
        print(f"{'shape':48} {'command':15} {'n':>8} {'4n':>8} {'ratio':>6}")
        for name, cmd, t1, t4 in rows:
            ratio = t4 / t1 if t1 > 0 else float("inf")
            flag = "" if ratio <= 8 else "  <- superlinear"
            bad += ratio > 8
            print(f"{name:48} {cmd:15} {t1:7.3f}s {t4:7.3f}s {ratio:6.1f}{flag}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
