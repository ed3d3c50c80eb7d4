//! The cost in every report (issue 24 §1): promtune's samples per scrape against a real
//! Prometheus's `scrape_samples_scraped` for the same pages, and the cardinality section
//! in each format.

use std::path::{Path, PathBuf};

use crate::captures::capture_pages;
use crate::prometheus::{serve_files, Prometheus};
use crate::support::{analyze_json, fixture, json_of, promtune, PATIENCE};

/// Every corpus page, copied under `dir` as `cN.om.txt` when it is OpenMetrics (as promtune
/// reads the file: the name says nothing), else `cN.prom`, so that it is served with that
/// format's content type and Prometheus parses it in the same format.
fn corpus_pages(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| !p.to_string_lossy().ends_with(".md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let text = std::fs::read(&p).unwrap();
            let read = json_of(&analyze_json(&[p.to_str().unwrap()]).stdout);
            let om = read["reports"][0]["format"]
                .as_str()
                .is_some_and(|f| f.starts_with("openmetrics"));
            let name = format!("c{i}.{}", if om { "om.txt" } else { "prom" });
            std::fs::write(dir.join(&name), &text).unwrap();
            (name, p)
        })
        .collect()
}

/// promtune's `cost.series` of the page at `url`, or why promtune could not read it.
fn series_of(url: &str) -> Result<u64, String> {
    let run = analyze_json(&[url]);
    if run.code == 2 {
        return Err(run.stderr);
    }
    let out = json_of(&run.stdout);
    out["reports"][0]["cost"]["series"]
        .as_u64()
        .ok_or_else(|| format!("no cost: {}", run.stdout))
}

/// Every capture page (text and OpenMetrics) and every corpus page, scraped by one real
/// Prometheus: its `scrape_samples_scraped` equals promtune's `reports[0].cost.series`,
/// promtune reading the same bytes over HTTP with the same content type.
#[test]
fn series_equal_prometheus_scrape_samples_scraped() {
    let corpus = tempfile::tempdir().unwrap();
    let mut pages: Vec<(String, String)> = capture_pages()
        .into_iter()
        .map(|(path, ..)| (format!("capture/{path}"), path))
        .collect();
    assert!(pages.iter().any(|p| p.0.ends_with(".om.txt")));
    // The corpus is served from a copy beside the captures' root.
    let root = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(fixture("capture"), root.path().join("capture")).unwrap();
    std::os::unix::fs::symlink(corpus.path(), root.path().join("corpus")).unwrap();
    for (name, original) in corpus_pages(corpus.path()) {
        pages.push((format!("corpus/{name}"), original.display().to_string()));
    }
    let addr = serve_files(root.path().to_path_buf());
    let mut cfg =
        String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n");
    for (i, (path, _)) in pages.iter().enumerate() {
        cfg.push_str(&format!(
            "  - job_name: page{i}\n    metrics_path: /{path}\n    static_configs:\n      - targets: ['{addr}']\n"
        ));
    }
    let Some(prom) = Prometheus::start(&cfg) else {
        return;
    };
    let n = pages.len() as f64;
    prom.wait_until(PATIENCE, |p| {
        p.scalar("count(scrape_samples_scraped)") == Some(n)
    });
    let (mut compared, mut bad, mut unread, mut refused) = (0, Vec::new(), Vec::new(), Vec::new());
    for (i, (path, original)) in pages.iter().enumerate() {
        let job = format!("page{i}");
        let up = prom.scalar(&format!("up{{job=\"{job}\"}}"));
        let theirs = prom.scalar(&format!("scrape_samples_scraped{{job=\"{job}\"}}"));
        let ours = series_of(&format!("http://{addr}/{path}"));
        match (up, ours.clone()) {
            // Prometheus could not scrape it: nothing to compare.
            (Some(u), _) if u != 1.0 => unread.push((original.clone(), ours)),
            (_, Ok(ours)) => {
                compared += 1;
                if theirs != Some(ours as f64) {
                    bad.push(format!(
                        "{original}: Prometheus {theirs:?}, promtune {ours}"
                    ));
                }
            }
            // promtune's parser is stricter than Prometheus 2.42's, which takes a histogram
            // whose buckets are not cumulative: no count to compare.
            (_, Err(e)) if e.contains("below bucket") => refused.push(original.clone()),
            (_, Err(e)) => bad.push(format!(
                "{original}: Prometheus read it, promtune did not: {e}"
            )),
        }
    }
    eprintln!("{compared} pages compared; not scraped by Prometheus: {unread:?}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // Prometheus 2.42 refuses one OpenMetrics page ("expected text in HELP": a `# HELP name`
    // with no text, which promtune reads with a warning): no count to compare there.
    let unread: Vec<&String> = unread.iter().map(|(p, _)| p).collect();
    assert_eq!(unread.len(), 1, "{unread:?}");
    assert!(unread[0].ends_with("java-quarkus/datadog-quarkus-auto-metrics.txt"));
    assert!(compared >= 30, "only {compared} pages compared");
    // The corpus's one invalid page, and only it.
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].ends_with("grafana/datadog-extras-grafana-metrics.txt"));
}

/// The Flask capture's raw paths lead the report: the recommendation names the family, the
/// label and examples; the section and the CI formats say the same.
#[test]
fn a_raw_path_label_leads_the_report() {
    let page = "fixtures/capture/flask_exporter/metrics.prom";
    let out = json_of(&analyze_json(&[page]).stdout);
    let r = &out["reports"][0];
    let first = &r["recommendations"][0];
    assert_eq!(first["id"], "cardinality", "{first}");
    assert_eq!(first["impact"], "HIGH");
    let action = first["action"].as_str().unwrap();
    assert!(
        action.contains("flask_http_request_duration_seconds")
            && action.contains("\"path\"")
            && action.contains("/items/"),
        "{action}"
    );
    let fam = &r["cost"]["families"][0];
    assert_eq!(fam["name"], "flask_http_request_duration_seconds");
    let path = fam["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "path")
        .unwrap();
    assert_eq!(path["distinct"], 14);
    assert_eq!(path["suspect"]["kind"], "raw_path");
    // `le` and `status` are bounded.
    for l in fam["labels"].as_array().unwrap() {
        if l["name"] != "path" {
            assert!(l["suspect"].is_null(), "{l}");
        }
    }
    for format in ["table", "markdown"] {
        let run = promtune(&["analyze", "--format", format, page]);
        assert!(run.stdout.contains("Cardinality"), "{format}");
        assert!(run.stdout.contains("raw URL paths with IDs"), "{format}");
    }
    let sarif = json_of(&promtune(&["analyze", "--format", "sarif", page]).stdout);
    let hit = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == "cardinality_suspect_label")
        .expect("a suspect label finding");
    let text = std::fs::read_to_string(page).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("# HELP flask_http_request_duration_seconds "))
        .unwrap() as u64
        + 1;
    assert_eq!(
        hit["locations"][0]["physicalLocation"]["region"]["startLine"],
        line
    );
}

/// Two scrapes (`--previous`): the cost is the later page's, which has grown a series; the
/// two `_created` gauges of the text format count with their families.
#[test]
fn two_scrapes_cost_the_later_page() {
    let dir = tempfile::tempdir().unwrap();
    // Sample timestamps date each page, a minute apart.
    let page = |paths: &[&str], ms: u64| {
        let mut s = String::from("# TYPE app_requests_total counter\n");
        for p in paths {
            s.push_str(&format!("app_requests_total{{path=\"{p}\"}} 1 {ms}\n"));
        }
        s.push_str("# TYPE app_requests_created gauge\napp_requests_created 1.7e9\n");
        s.push_str("# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1.7e9\n");
        s
    };
    let (a, b) = (dir.path().join("a.prom"), dir.path().join("b.prom"));
    std::fs::write(&a, page(&["/a"], 1_700_000_000_000)).unwrap();
    std::fs::write(&b, page(&["/a", "/b"], 1_700_000_060_000)).unwrap();
    let run = analyze_json(&["--previous", a.to_str().unwrap(), b.to_str().unwrap()]);
    let out = json_of(&run.stdout);
    let cost = &out["reports"][0]["cost"];
    assert_eq!(cost["series"], 4, "{}", run.stderr);
    assert_eq!(cost["families"][0]["name"], "app_requests_total");
    assert_eq!(cost["families"][0]["series"], 3);
    assert_eq!(cost["families"][0]["labels"][0]["distinct"], 2);
    assert!(cost["interval"]["seconds"].is_null());
    assert!(cost["samples_per_day"].is_null());
}

/// Examples of suspect values are data from the page: a terminal escape, HTML, Markdown and
/// a newline in them act nowhere.
#[test]
fn suspect_examples_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let values = [
        "/items/1/\u{1b}[2J\u{7}",
        "/items/2/<script>alert(1)</script>",
        "/items/3/|x](http://e/x.png)`c`",
        "/items/4/\\nnext",
        "/items/5/\u{9b}31m",
    ];
    let mut page = String::from("# TYPE req_total counter\n");
    for v in values {
        let v = v.replace('"', "\\\"");
        page.push_str(&format!("req_total{{path=\"{v}\"}} 1\n"));
    }
    let file = dir.path().join("hostile.prom");
    std::fs::write(&file, page).unwrap();
    let file = file.to_str().unwrap();
    let out = json_of(&analyze_json(&[file]).stdout);
    let label = &out["reports"][0]["cost"]["families"][0]["labels"][0];
    assert_eq!(label["suspect"]["kind"], "raw_path", "{label}");
    let run = |format: &str| {
        let r = promtune(&["analyze", "--format", format, "--color", "never", file]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        r.stdout
    };
    let table = run("table");
    assert!(table.contains("suspect label \"path\""), "{table}");
    assert!(
        !table.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the terminal"
    );
    let md = run("markdown");
    assert!(md.contains("Suspect label"), "{md}");
    // Markdown shows the tag as text: every `<` of it escaped.
    assert!(
        md.match_indices("<script>")
            .all(|(i, _)| md[..i].ends_with('\\')),
        "{md}"
    );
    let html = run("html");
    assert!(html.contains("Suspect label") && !html.contains("<script>alert"));
    let gh = run("github");
    let annotations: Vec<&str> = gh
        .lines()
        .filter(|l| l.contains("cardinality_suspect_label"))
        .collect();
    assert_eq!(annotations.len(), 1, "{gh}");
    assert!(annotations[0].starts_with("::"), "{gh}");
}
