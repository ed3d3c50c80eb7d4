#!/usr/bin/env python3
"""Growth benchmark: every shape of exposition at size n and 4n, timed with promtune.

    python3 benches/growth.py [--bin target/release/promtune] [--scale 1]

Each shape grows one thing (labels on one line, buckets of one histogram, routes of the
request counter, cache groups, families, a --base-config for --diff) by 4x; the time should
grow by about 4x, not 16x. Prints one row per shape and command with both times and their
ratio, and exits 1 when a ratio is over 8 (linear work with noise stays well under it).
Times are the best of 3 runs, so the VM's drift does not fake a quadratic.

    python3 benches/growth.py --fleets [--fleet-sizes 1000,10000,100000] [--vm-sizes ...]

runs the fleet shapes instead, at each size once under GNU time (wall and peak RSS), and
exits 1 when a tenfold size takes more than 20 times as long:
- `--targets-from`, refused: a file_sd list of N targets on 127.x.y.z at a port nothing
  listens on, so every scrape is refused at once and only promtune's own work is left;
- `--targets-from`, served: N targets of about 1 KB on 20 loopback listeners
  (`examples/fleet_server.rs`);
- `--targets-from` with `--write-configs`: a config of N/10 jobs of one served target each,
  every job scraped at 10s, so the written config changes every job;
- `--prometheus`: a real VictoriaMetrics on loopback, loaded through its import API with N
  targets of four series each (two request counters, `up`, `scrape_samples_scraped`) over
  the last 10 minutes at 15s, read back over those 10 minutes.

    python3 benches/growth.py --server-cost [--cost-targets 10000] [--series-per-target 100]

runs issue #24's goal instead: a fleet of 10,000 targets and 1M series (100 each: 4 request
routes (`--routes`), a 10-bucket histogram, 79 item gauges, and the server's own `up` and `scrape_*`)
over 10 minutes at 60s in a real VictoriaMetrics, read by `analyze --prometheus` with its
cost queries, once under GNU time: wall, CPU (user + system) and peak RSS of promtune, the
CPU seconds VictoriaMetrics spent meanwhile (from /proc), the requests, and the machine's
load average before and after (other builds share it). `--bin A,B` reads the same loaded
server with each binary in turn (`--runs` times), to compare builds.

With `--time-queries` (both modes), promtune reads the server through a loopback proxy that
prints each request's time and answer size, slowest first: what each query costs the server,
seen from outside promtune.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


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


def free_port():
    s = socket.socket()
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def timed(cmd, out=None, report=None):
    """Wall seconds, peak RSS in MiB, exit code and stderr of one run under GNU time
    (its stdout into the file OUT, if given; GNU time's whole report appended to the list
    REPORT, if given)."""
    t = time.perf_counter()
    sink = open(out, "w") if out else subprocess.DEVNULL
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=sink,
                       stderr=subprocess.PIPE, text=True)
    if out:
        sink.close()
    wall = time.perf_counter() - t
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    if report is not None:
        report.append(p.stderr)
    # promtune's own stderr, without GNU time's report after it.
    return wall, kb / 1024, p.returncode, p.stderr.split("\tCommand being timed:")[0]


def refused_list(path, n):
    """N targets on distinct loopback addresses, at a port nothing listens on (bound and
    closed just before), in one job."""
    port = free_port()
    groups = [{"targets": [f"127.{1 + i // 62500}.{i // 250 % 250}.{1 + i % 250}:{port}"],
               "labels": {"job": "refused"}} for i in range(n)]
    with open(path, "w") as f:
        json.dump(groups, f)


def run_refused(binary, n, d):
    path = os.path.join(d, f"refused_{n}.json")
    refused_list(path, n)
    wall, rss, code, err = timed([binary, "analyze", "--targets-from", path, "--format", "json",
                                  "--fail-on", "never", "--concurrency", "64"])
    m = re.search(r"scraped (\d+) targets, (\d+) failed", err)
    return wall, rss, f"exit {code}, " + (f"{m.group(2)} of {m.group(1)} refused" if m else err[-300:])


def with_fake_fleet(binary, n, ports, path, run):
    """Serves N fake exporters of about 1 KB on PORTS loopback listeners
    (`examples/fleet_server.rs`, built with the measured binary's profile) while
    `run(groups)` runs; `groups` is the file_sd list it wrote to PATH."""
    server_bin = os.path.join(os.path.dirname(os.path.abspath(binary)), "examples", "fleet_server")
    server = subprocess.Popen([server_bin, str(n), str(ports), path, "1000"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if os.path.exists(path):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        with open(path) as f:
            return run(json.load(f))
    finally:
        server.terminate()
        server.wait()


def run_served(binary, n, d):
    def run(groups):
        # A file_sd file may hold 8 MiB: the list is cut into files of 20,000 targets, read
        # through a config's file_sd glob, as a large fleet would be.
        sd = os.path.join(d, f"served_{n}")
        os.makedirs(sd, exist_ok=True)
        for k in range(0, len(groups), 20_000):
            with open(os.path.join(sd, f"part-{k // 20_000}.json"), "w") as f:
                json.dump(groups[k:k + 20_000], f)
        config = os.path.join(sd, "prometheus.yml")
        with open(config, "w") as f:
            f.write("scrape_configs:\n  - job_name: served\n    scrape_interval: 15s\n"
                    "    file_sd_configs:\n      - files: ['part-*.json']\n")
        return timed([binary, "analyze", "--targets-from", config, "--format", "json",
                      "--fail-on", "never"])
    wall, rss, code, err = with_fake_fleet(binary, n, 20, os.path.join(d, f"served_{n}.json"), run)
    m = re.search(r"scraped (\d+) targets, (\d+) failed", err)
    return wall, rss, f"exit {code}, " + (f"{m.group(1)} scraped, {m.group(2)} failed" if m else err[-300:])


def run_jobs(binary, n, d):
    """N jobs of one served target each, every one scraped at 10s, so that
    `--write-configs` changes every job of the config they came from."""
    out = os.path.join(d, f"jobs_{n}_out")

    def run(groups):
        config = os.path.join(d, f"jobs_{n}.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 15s\nscrape_configs:\n")
            for i, g in enumerate(groups):
                f.write(f"  - job_name: job{i}\n    scrape_interval: 10s\n"
                        f"    metrics_path: {g['labels']['__metrics_path__']}\n"
                        f"    static_configs:\n      - targets: ['{g['targets'][0]}']\n")
        return timed([binary, "analyze", "--targets-from", config, "--format", "json",
                      "--fail-on", "never", "--write-configs", out])
    wall, rss, code, _ = with_fake_fleet(binary, n, 10, os.path.join(d, f"jobs_{n}.json"), run)
    changed = open(os.path.join(out, "prometheus-optimized.yml")).read().count("scrape_interval: 30s")
    return wall, rss, f"exit {code}, {changed} jobs changed"


class Victoria:
    """A VictoriaMetrics on a free loopback port, its data in a temporary folder."""

    def __init__(self, d):
        self.dir = d
        self.url = f"http://127.0.0.1:{free_port()}"
        self.proc = subprocess.Popen(
            ["victoria-metrics", f"-storageDataPath={d}", f"-httpListenAddr={self.url[7:]}",
             "-retentionPeriod=100y", "-loggerLevel=ERROR",
             # 100,000 targets are 400,000 series: past the default of 300,000 a query may
             # touch (the server answers 422), as they would be for a user.
             # The cost queries count every series (1M for #24's goal) in one query.
             "-search.maxUniqueTimeseries=5000000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait(lambda: urllib.request.urlopen(self.url + "/health", timeout=2).status == 200)

    def wait(self, ready, limit=600):
        for _ in range(int(limit / 0.2)):
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"VictoriaMetrics at {self.url} not ready after {limit}s")

    def load(self, n, end):
        """N targets × 4 series, every 15s over the 10 minutes before END (unix seconds),
        through /api/v1/import (one JSON line per series), in parts of 10,000 targets."""
        stamps = [(end - 600 + 15 * k) * 1000 for k in range(41)]
        for first in range(0, n, 10_000):
            lines = []
            for i in range(first, min(n, first + 10_000)):
                base = {"job": f"job{i % 10}", "instance": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}:9100"}
                api = [100 * k + i % 7 for k in range(41)]
                series = [
                    ({"__name__": "http_requests_total", "handler": "/api/items", "code": "200"}, api),
                    ({"__name__": "http_requests_total", "handler": "/metrics", "code": "200"}, list(range(41))),
                    ({"__name__": "up"}, [1] * 41),
                    ({"__name__": "scrape_samples_scraped"}, [200 + i % 50] * 41),
                ]
                for labels, values in series:
                    lines.append(json.dumps({"metric": {**labels, **base}, "values": values,
                                             "timestamps": stamps}))
            self.post(lines)
        self.indexed("count(up)", n, end)

    def post(self, lines):
        """Imports JSON lines through /api/v1/import."""
        body = ("\n".join(lines) + "\n").encode()
        req = urllib.request.Request(self.url + "/api/v1/import", data=body, method="POST")
        urllib.request.urlopen(req, timeout=600).read()

    def indexed(self, query, want, end, limit=600):
        """Flushes, then waits until QUERY at END counts WANT: every series searchable."""
        urllib.request.urlopen(self.url + "/internal/force_flush", timeout=600).read()

        def ready():
            q = urllib.parse.quote(query)
            v = json.load(urllib.request.urlopen(f"{self.url}/api/v1/query?query={q}&time={end}", timeout=120))
            r = v["data"]["result"]
            return bool(r) and int(float(r[0]["value"][1])) == want
        self.wait(ready, limit)

    def load_cost(self, n, per, end, routes):
        """N targets of PER series each (see --server-cost), ROUTES of them request counters,
        every 60s over the 10 minutes before END, through /api/v1/import in parts of 1,000
        targets."""
        stamps = [(end - 600 + 60 * k) * 1000 for k in range(11)]
        buckets = ["0.01", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
        page = per - 5  # up and four scrape_* series are the server's own
        items = page - routes - len(buckets) - 2
        for first in range(0, n, 1_000):
            lines = []
            for i in range(first, min(n, first + 1_000)):
                base = {"job": f"job{i % 10}", "instance": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}:9100"}

                def put(labels, values):
                    lines.append(json.dumps({"metric": {**labels, **base}, "values": values,
                                             "timestamps": stamps}))
                for r in range(routes):
                    put({"__name__": "http_requests_total", "handler": f"/r/{r}", "code": "200"},
                        [10 * k + r for k in range(11)])
                for j, le in enumerate(buckets):
                    put({"__name__": "http_request_duration_seconds_bucket", "le": le},
                        [(j + 1) * k for k in range(11)])
                put({"__name__": "http_request_duration_seconds_count"}, [10 * k for k in range(11)])
                put({"__name__": "http_request_duration_seconds_sum"}, [k for k in range(11)])
                for it in range(items):
                    put({"__name__": "app_items", "item": f"i{it}"}, [it] * 11)
                put({"__name__": "up"}, [1] * 11)
                for name, v in (("scrape_samples_scraped", page), ("scrape_samples_post_metric_relabeling", page),
                                ("scrape_series_added", 0), ("scrape_duration_seconds", 0.01)):
                    put({"__name__": name}, [v] * 11)
            self.post(lines)
        self.indexed("count({__name__!=\"\"})", n * per, end, limit=1200)

    def cpu(self):
        """CPU seconds (user + system) VictoriaMetrics has used so far, from /proc."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class QueryLog:
    """A loopback proxy in front of URL that times each request it forwards (the server's
    answer, read whole), so that each query's cost is seen from outside promtune."""

    def __init__(self, url):
        import http.server
        import threading
        self.rows = []
        rows, upstream = self.rows, url

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
                req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
                for h in ("Content-Type", "Accept", "Accept-Encoding"):
                    if self.headers.get(h):
                        req.add_header(h, self.headers[h])
                t = time.perf_counter()
                try:
                    r = urllib.request.urlopen(req, timeout=600)
                except urllib.error.HTTPError as e:
                    r = e
                code, data, head = r.getcode(), r.read(), r.headers
                rows.append((time.perf_counter() - t, len(data), code, self.command,
                             urllib.parse.unquote_plus(self.path + ("?" + body.decode() if body else ""))))
                self.send_response(code)
                for h in ("Content-Type", "Content-Encoding"):
                    if head.get(h):
                        self.send_header(h, head[h])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = forward

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def report(self):
        """Prints every request, slowest first, and their total."""
        for secs, size, code, method, what in sorted(self.rows, reverse=True):
            print(f"  {secs:6.2f}s {size / 1e6:7.2f} MB {code} {method} {what[:300]}")
        print(f"  {len(self.rows)} requests, {sum(r[0] for r in self.rows):.1f}s of answers in all",
              flush=True)
        self.rows.clear()

    def stop(self):
        self.server.shutdown()


def run_server(binary, n, d, time_queries=False):
    vm = Victoria(os.path.join(d, f"vm_{n}"))
    log = None
    try:
        end = int(time.time()) // 60 * 60 - 60
        vm.load(n, end)
        log = QueryLog(vm.url) if time_queries else None
        out = os.path.join(d, f"vm_{n}.json")
        cpu = vm.cpu()
        err_all = []
        wall, rss, code, err = timed([binary, "analyze", "--prometheus", log.url if log else vm.url,
                                      "--at", str(end), "--range", "10m", "--format", "json",
                                      "--fail-on", "never",
                                      # An answer for 100,000 targets is ~100 MB: on a busy
                                      # machine it takes longer than the default 10s.
                                      "--timeout", "60s"], out, err_all)
        cpu = vm.cpu() - cpu
        own = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", err_all[0]))
        if log:
            log.report()
        # The data is scraped every 15s: every target's interval must say so, whichever way
        # it was read (raw gaps, or past 20,000 targets the count over the window).
        with open(out) as f:
            found = set(re.findall(r'"interval_seconds": ([0-9.]+)', f.read()))
        os.remove(out)
    finally:
        if log:
            log.stop()
        vm.stop()
        shutil.rmtree(os.path.join(d, f"vm_{n}"), ignore_errors=True)
    m = re.search(r"read (\d+) targets with (\d+) requests", err)
    said = f"{m.group(1)} targets, {m.group(2)} requests, intervals {sorted(found)}" if m else err[-300:]
    return wall, rss, (f"exit {code}, promtune CPU {own:.1f}s, VictoriaMetrics CPU {cpu:.1f}s, "
                       f"load {os.getloadavg()[0]:.1f}, " + said)


def server_cost(a):
    """Issue #24's goal: 10,000 targets and 1M series in server mode, with cost. With
    --runs R, promtune reads the loaded server R times (the load takes minutes); with
    several binaries in --bin (comma-separated), each reads it in turn, R times."""
    n, per = a.cost_targets, a.series_per_target
    with tempfile.TemporaryDirectory() as d:
        vm = Victoria(os.path.join(d, "vm"))
        try:
            end = int(time.time()) // 60 * 60 - 60
            t = time.perf_counter()
            vm.load_cost(n, per, end, a.routes)
            print(f"loaded {n} targets x {per} series = {n * per} series in {time.perf_counter() - t:.0f}s",
                  flush=True)
            log = QueryLog(vm.url) if a.time_queries else None
            try:
                bad = any([read_cost(b, vm, log, end, d) for _ in range(a.runs) for b in a.bin.split(",")])
            finally:
                if log:
                    log.stop()
            return bad
        finally:
            vm.stop()


def read_cost(binary, vm, log, end, d):
    """One timed `analyze --prometheus` of the loaded server (through LOG's proxy, which
    prints each request's time, when given); True when over the goal."""
    out = os.path.join(d, "out.json")
    load = os.getloadavg()
    cmd = [binary, "analyze", "--prometheus", log.url if log else vm.url, "--at", str(end),
           "--range", "10m", "--format", "json", "--fail-on", "never", "--timeout", "120s"]
    cpu = vm.cpu()
    t = time.perf_counter()
    with open(out, "w") as sink:
        p = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M"] + cmd,
                           stdout=sink, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    cpu = vm.cpu() - cpu
    after = os.getloadavg()
    _, user, system, kb = p.stderr.strip().splitlines()[-1].split()[1:]
    print(" ".join(cmd))
    if log:
        log.report()
    if p.returncode != 0:
        print(f"exit {p.returncode}: {p.stderr[-2000:]}", flush=True)
        return True
    with open(out) as f:
        o = json.load(f)
    jobs = o["fleet"]["jobs"]
    series = sum(f["series"] for j in jobs for f in j.get("server_cost", {}).get("families", []))
    labelled = sorted({f["name"] for j in jobs for f in j.get("server_cost", {}).get("families", [])
                       if f.get("labels")})
    per_target = sum(1 for r in o["reports"] if (r.get("cost") or {}).get("families"))
    for note in o["fleet"]["server_cost"]["notes"]:
        print(f"note: {note[:400]}")
    said = re.search(r"read (\d+) targets with (\d+) requests", p.stderr)
    print(f"exit {p.returncode}; {said.group(0) if said else p.stderr[-300:]}")
    print(f"families' series over the jobs: {series} (+ the server's own up and scrape_*); "
          f"labels counted for {labelled}; families per target in {per_target} reports")
    print(f"wall {wall:.1f}s, promtune CPU {float(user) + float(system):.1f}s (user {user}s, system {system}s), "
          f"peak RSS {int(kb) / 1024:.0f} MiB, VictoriaMetrics CPU {cpu:.1f}s; "
          f"load average {load[0]:.1f} before, {after[0]:.1f} after", flush=True)
    return p.returncode != 0 or wall > 30 or int(kb) > 512 * 1024


def fleets(a):
    """The fleet shapes at each size: one run each (a run at 100,000 takes a while)."""
    sizes = [int(x) for x in a.fleet_sizes.split(",") if x]
    vm_sizes = [int(x) for x in (a.fleet_sizes if a.vm_sizes is None else a.vm_sizes).split(",") if x]
    # The fake exporters, built with the profile of the binary measured (release, profiling).
    # (`--fleet-sizes ""` runs the server shape alone, with no build.)
    profile = os.path.basename(os.path.dirname(os.path.abspath(a.bin)))
    if sizes:
        subprocess.run(["cargo", "build", "--profile", profile, "--example", "fleet_server"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bad = 0
    print(f"{'shape':34} {'targets':>8} {'wall':>9} {'peak RSS':>11}  what promtune said")
    with tempfile.TemporaryDirectory() as d:
        for name, run, ns in (("--targets-from, refused", run_refused, sizes),
                              ("--targets-from, served (1 KB)", run_served, sizes),
                              ("--targets-from, jobs, configs", run_jobs,
                               [n // 10 for n in sizes]),
                              ("--prometheus, VictoriaMetrics",
                               lambda b, n, d: run_server(b, n, d, a.time_queries), vm_sizes)):
            prev = None
            for n in ns:
                wall, rss, said = run(a.bin, n, d)
                flag = ""
                if prev and n >= 10 * prev[0] and wall > 2 * (n / prev[0]) * max(prev[1], 0.05):
                    flag = "  <- superlinear"
                    bad += 1
                print(f"{name:34} {n:>8} {wall:8.2f}s {rss:8.1f}MiB  {said}{flag}", flush=True)
                prev = (n, wall)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/promtune")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--fleets", action="store_true", help="run the fleet shapes instead")
    ap.add_argument("--fleet-sizes", default="1000,10000,100000")
    ap.add_argument("--vm-sizes", default=None, help="sizes for --prometheus (default: --fleet-sizes)")
    ap.add_argument("--server-cost", action="store_true", help="run #24's server-mode goal instead")
    ap.add_argument("--cost-targets", type=int, default=10_000)
    ap.add_argument("--series-per-target", type=int, default=100)
    ap.add_argument("--runs", type=int, default=1, help="--server-cost: reads of the loaded server")
    ap.add_argument("--routes", type=int, default=4, help="--server-cost: request series per target")
    ap.add_argument("--time-queries", action="store_true",
                    help="--server-cost, --fleets: time each request promtune makes (through a proxy)")
    a = ap.parse_args()
    if a.server_cost:
        sys.exit(1 if server_cost(a) else 0)
    if a.fleets:
        sys.exit(1 if fleets(a) else 0)
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
