//! Generated PromQL names series that exist (issue #22 §1): a real Prometheus scrapes every
//! capture page, served with its format's Content-Type (OpenMetrics where the capture has an
//! OpenMetrics page), and every vector selector of every generated rule and dashboard query
//! must select series there. Prometheus, not promtune, says which names it stores.

use std::path::Path;

use serde_json::Value;

use crate::captures::capture_pages;
use crate::prometheus::{serve_files, Prometheus};
use crate::support::{fixture, promtune, PATIENCE};

/// The keywords followed by a parenthesised list of label names.
const GROUPING: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// The other words of PromQL that are neither functions nor metric names.
const KEYWORDS: &[&str] = &["bool", "and", "or", "unless", "offset", "inf", "nan"];

/// The index just past the string literal opening at `i`.
fn past_string(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() && b[j] != quote {
        j += if b[j] == b'\\' { 2 } else { 1 };
    }
    j + 1
}

/// The index just past the first `close` at or after `i`, outside string literals.
fn past(b: &[u8], mut i: usize, close: u8) -> usize {
    while i < b.len() && b[i] != close {
        i = if matches!(b[i], b'"' | b'\'' | b'`') {
            past_string(b, i)
        } else {
            i + 1
        };
    }
    i + 1
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

/// Every vector selector of a PromQL expression (`name`, `name{…}` or `{…}`), as written. A
/// small scanner, enough for what promtune writes: strings, ranges and numbers are skipped,
/// an identifier before `(` is a function, label lists after `by`/`on`/… are not names.
pub(crate) fn vector_selectors(expr: &str) -> Vec<String> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut labels_next = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'"' | b'\'' | b'`') {
            i = past_string(b, i);
        } else if c == b'[' {
            i = past(b, i, b']');
        } else if c == b'(' && labels_next {
            i = past(b, i, b')');
            labels_next = false;
        } else if c == b'{' {
            let end = past(b, i, b'}').min(b.len());
            out.push(expr[i..end].to_string());
            i = end;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            // 0.95, 1e-9, 838860800, 5m.
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || (matches!(b[i], b'+' | b'-') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
        } else if ident_start(c) {
            let start = i;
            while i < b.len() && (ident_start(b[i]) || b[i].is_ascii_digit()) {
                i += 1;
            }
            let word = &expr[start..i];
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if GROUPING.contains(&word) || KEYWORDS.contains(&word) {
                labels_next = GROUPING.contains(&word);
            } else if b.get(j) == Some(&b'(')
                || expr[j..].starts_with("by ")
                || expr[j..].starts_with("without ")
            {
                // A function call, or an aggregation with its grouping first.
            } else if b.get(j) == Some(&b'{') {
                let end = past(b, j, b'}').min(b.len());
                out.push(expr[start..end].to_string());
                i = end;
            } else {
                out.push(word.to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// A dashboard's or rule's expression with Grafana's variables filled in as Grafana would.
pub(crate) fn filled(expr: &str, job: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$instance", ".+")
        .replace("$job", job)
}

/// Every query promtune wrote into `dir`: `(file, expression)` for each alert and recording
/// rule of `alert-rules.yml` and each panel target of `grafana-dashboard.json`.
pub(crate) fn generated_queries(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let rules: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("alert-rules.yml")).unwrap())
            .unwrap();
    for g in rules["groups"].as_sequence().unwrap() {
        for r in g["rules"].as_sequence().unwrap() {
            let name = r["alert"].as_str().unwrap_or("record");
            out.push((
                format!("alert-rules.yml {name}"),
                r["expr"].as_str().unwrap().to_string(),
            ));
        }
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("grafana-dashboard.json")) {
        let dash: Value = serde_json::from_str(&text).unwrap();
        for p in dash["panels"].as_array().unwrap() {
            for t in p["targets"].as_array().into_iter().flatten() {
                out.push((
                    format!("grafana-dashboard.json {}", p["title"]),
                    t["expr"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

/// The values the error-rate check selects 5xx responses by (`=~"5.."`, `=~"5[xX][xX]"`,
/// `="5"`, `="SERVER_ERROR"`).
const ERROR_CLASSES: &[&str] = &["\"5..\"", "\"5[xX][xX]\"", "\"5\"", "\"SERVER_ERROR\""];

/// `sel` without its 5xx matcher: a request counter exists before its first 5xx, when the
/// 5xx selector rightly selects nothing (the query then reads 0, which the dashboard check
/// asks of the whole query).
fn without_error_class(sel: &str) -> String {
    let Some(open) = sel.find('{') else {
        return sel.to_string();
    };
    let inner = sel[open + 1..].trim_end_matches('}');
    let kept: Vec<&str> = inner
        .split(',')
        .filter(|m| !ERROR_CLASSES.iter().any(|c| m.ends_with(c)))
        .collect();
    format!("{}{{{}}}", &sel[..open], kept.join(","))
}

/// The selectors of `queries` that select no series in `prom`, and the dashboard queries
/// that return nothing (an empty panel), as messages; and how many were checked.
pub(crate) fn empty_selectors(
    prom: &Prometheus,
    what: &str,
    job: &str,
    queries: &[(String, String)],
) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut bad = Vec::new();
    for (file, expr) in queries {
        let expr = filled(expr, job);
        for sel in vector_selectors(&expr) {
            checked += 1;
            if prom
                .query(&format!("count({})", without_error_class(&sel)))
                .is_empty()
            {
                bad.push(format!("{what}: {file}: {sel} selects nothing (in {expr})"));
            }
        }
        if file.starts_with("grafana-dashboard.json") && prom.query(&expr).is_empty() {
            bad.push(format!("{what}: {file}: {expr} returns nothing"));
        }
    }
    (checked, bad)
}

#[test]
fn scanner_finds_the_selectors() {
    assert_eq!(
        vector_selectors(
            "(histogram_quantile(0.95, sum by (le, job) (rate(a_bucket{job=\"x{\",le!=\"1\"}[2m])))) > 1e-9"
        ),
        ["a_bucket{job=\"x{\",le!=\"1\"}"]
    );
    assert_eq!(
        vector_selectors(
            "sum(rate({__name__=\"a.b\"}[5m])) / up == 0 and on (instance) b offset 5m"
        ),
        ["{__name__=\"a.b\"}", "up", "b"]
    );
    assert_eq!(vector_selectors("(sum(x) or vector(0)) * 1e-9"), ["x"]);
    assert_eq!(
        without_error_class("a{job=\"j\",code=~\"5..\"}"),
        "a{job=\"j\"}"
    );
    assert_eq!(without_error_class("a{x=\"5s\"}"), "a{x=\"5s\"}");
}

/// Captures whose program, asked for OpenMetrics, answers in the text format: only their
/// text page exists (each README says what was asked and what came back).
const TEXT_ONLY: &[(&str, &str)] = &[
    (
        "alertmanager",
        "Debian's Alertmanager 0.25 answers text/plain; version=0.0.4",
    ),
    (
        "axum_prometheus",
        "the app's route returns metrics-exporter-prometheus 0.18.3's text render() as text/plain",
    ),
    (
        "django_prometheus",
        "ExportToDjangoView never reads the Accept header",
    ),
    (
        "fastify_metrics",
        "fastify-metrics 13.2.1 sends prom-client's registry contentType, text by default",
    ),
    (
        "haproxy",
        "HAProxy 2.6.12's prometheus-exporter service answers text/plain; version=0.0.4",
    ),
    (
        "mysqld_exporter",
        "Debian's mysqld_exporter 0.14.0 answers text/plain; version=0.0.4",
    ),
    (
        "nginx",
        "Debian's nginx-prometheus-exporter 0.11.0 answers text/plain; version=0.0.4",
    ),
    (
        "postgres_exporter",
        "Debian's postgres_exporter 0.11.1 answers text/plain; version=0.0.4",
    ),
    (
        "prometheus_server",
        "Debian's Prometheus 2.42 answers text/plain; version=0.0.4 on its own /metrics",
    ),
    (
        "pushgateway",
        "Debian's Pushgateway 1.5.1 answers text/plain; version=0.0.4",
    ),
    (
        "redis_exporter",
        "Debian's redis_exporter 1.45.0 answers text/plain; version=0.0.4",
    ),
    (
        "ruby_rack",
        "client-mmap 0.16.2's Rack Exporter: 406 to OpenMetrics alone, text to Prometheus's Accept",
    ),
    (
        "starlette_exporter",
        "handle_metrics never reads the Accept header (handle_openmetrics is another handler)",
    ),
    (
        "varnish_exporter",
        "Debian's prometheus-varnish-exporter 1.6.1 answers text/plain; version=0.0.4",
    ),
];

/// Each capture has its OpenMetrics answer as a page, or is listed above with the reason it
/// has none: a new capture cannot leave OpenMetrics out silently.
#[test]
fn every_capture_has_its_openmetrics_page_or_says_why_not() {
    let pages = capture_pages();
    let mut captures: Vec<&str> = pages
        .iter()
        .map(|p| p.0.split('/').next().unwrap())
        .collect();
    captures.dedup();
    for c in captures {
        let om = pages
            .iter()
            .any(|p| p.0.starts_with(&format!("{c}/")) && p.0.ends_with(".om.txt"));
        let text_only = TEXT_ONLY.iter().any(|(t, _)| *t == c);
        assert!(
            om != text_only,
            "{c}: OpenMetrics page {om}, listed as text-only {text_only}"
        );
        if text_only {
            let readme =
                std::fs::read_to_string(fixture(&format!("capture/{c}/README.md"))).unwrap();
            assert!(
                readme.contains("does not answer in OpenMetrics"),
                "{c}: README says nothing"
            );
        }
    }
    for (c, why) in TEXT_ONLY {
        eprintln!("{c}: text only: {why}");
    }
}

/// Every capture page, in its own format, scraped by a real Prometheus: every selector of
/// the rules and dashboard promtune writes for it selects series.
#[test]
fn generated_selectors_select_series_prometheus_stores() {
    let pages: Vec<(String, String)> = capture_pages()
        .into_iter()
        .enumerate()
        .map(|(i, (path, ..))| (path, format!("page{i}")))
        .collect();
    assert!(
        pages.iter().any(|p| p.0.ends_with(".om.txt")),
        "no OpenMetrics page among the captures"
    );
    let addr = serve_files(fixture("capture"));
    let mut cfg =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for (path, job) in &pages {
        cfg.push_str(&format!(
            "  - job_name: {job}\n    metrics_path: /{path}\n    static_configs:\n      - targets: ['{addr}']\n"
        ));
    }
    let Some(prom) = Prometheus::start(&cfg) else {
        return;
    };
    let n = pages.len() as f64;
    // Two scrapes of every page, so that `rate()` has its two samples.
    prom.wait_until(PATIENCE, |p| {
        p.scalar("count(count_over_time(up[1m]) >= 2 and up == 1)") == Some(n)
    });
    let (mut checked, mut bad) = (0, Vec::new());
    for (path, job) in &pages {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("http://{addr}/{path}");
        let run = promtune(&[
            "analyze",
            &url,
            "--write-configs",
            dir.path().to_str().unwrap(),
            "--job",
            job,
        ]);
        assert!(run.code == 0 || run.code == 1, "{path}: {}", run.stderr);
        let queries = generated_queries(dir.path());
        let (c, b) = empty_selectors(&prom, path, job, &queries);
        checked += c;
        bad.extend(b);
    }
    eprintln!("{checked} selectors of {} pages checked", pages.len());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(checked >= 100, "only {checked} selectors checked");
}
