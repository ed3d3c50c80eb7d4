//! Data never runs (issue #21, §1–4): a page whose job, route and cache names hold quotes,
//! backslashes, newlines, Go-template actions, backticks, terminal escapes and a PromQL
//! break-out. The generated rules are loaded by the real promtool: the break-out never fires
//! and the template text comes out literally. Terminals, Markdown and fleets show the text and
//! nothing acts on it; a target's password is never shown.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

use crate::promtool::{promtool, run};
use crate::server::{serve, Reply};
use crate::support::{have, promtune};

/// A job name that closes its string and selector and ORs in a vector that is always 1, then
/// reopens a selector so the rest still parses: the rule would fire on any data.
const BREAKOUT: &str = r#"x"}[1h]) > 2 or vector(1) or changes(up{job="x"#;
/// Template text that would run PromQL when an alert fires, with a backslash and a backtick.
const TEMPLATE: &str = r#"{{ query "up" }} \ `b`"#;

/// The job: both payloads and a newline.
fn job() -> String {
    format!("{BREAKOUT} {TEMPLATE}\nnext")
}

/// `s` as an exposition label value (text format 0.0.4 escapes).
fn label(s: &str) -> String {
    s.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

/// `s` as a PromQL / series-notation string literal, written here, not by promtune.
fn quoted(s: &str) -> String {
    format!("\"{}\"", label(s))
}

/// The hostile page: a route with terminal escapes (OSC 52 to the clipboard, a screen clear,
/// BEL, CR, an 8-bit CSI), a route with Markdown and HTML, and a cache named like the job.
fn page() -> String {
    let cache = label(&job());
    let md = label("/a|b\n![i](http://e/x.png) <script>x</script> `c` *s*");
    format!(
        "# TYPE http_requests_total counter\n\
         http_requests_total{{handler=\"/metrics\",status=\"200\"}} 100\n\
         http_requests_total{{handler=\"/x\u{1b}]52;c;aGk=\u{7}\r\u{1b}[2J\u{9b}31m\",status=\"404\"}} 3\n\
         http_requests_total{{handler=\"{md}\",status=\"404\"}} 5\n\
         # TYPE app_cache_hits_total counter\napp_cache_hits_total{{cache=\"{cache}\"}} 60\n\
         # TYPE app_cache_misses_total counter\napp_cache_misses_total{{cache=\"{cache}\"}} 40\n\
         # TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 9e8\n\
         # TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1.7e9\n"
    )
}

fn write_page(dir: &Path) -> String {
    let p = dir.join("page.prom");
    fs::write(&p, page()).unwrap();
    p.to_str().unwrap().to_string()
}

/// The generated files for the hostile page, the job named `job`.
fn generate(dir: &Path, job: &str) -> std::path::PathBuf {
    let page = write_page(dir);
    let out = dir.join("out");
    let r = promtune(&[
        "analyze",
        "--scraped-at",
        "2023-11-14T23:00:00Z",
        "--job",
        job,
        "--target",
        "127.0.0.1:9100",
        "--runbook-url",
        "https://wiki.example/runbooks",
        "--write-configs",
        out.to_str().unwrap(),
        &page,
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    out
}

fn rules(out: &Path) -> Vec<Value> {
    let doc: Value =
        serde_yaml::from_str(&fs::read_to_string(out.join("alert-rules.yml")).unwrap()).unwrap();
    doc["groups"][0]["rules"].as_sequence().unwrap().clone()
}

#[test]
fn generated_files_hold_the_data_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let job = job();
    let out = generate(dir.path(), &job);
    // The YAML reads back with the job name whole, in the config and as the rules' group.
    let config: Value =
        serde_yaml::from_str(&fs::read_to_string(out.join("prometheus-optimized.yml")).unwrap())
            .unwrap();
    assert_eq!(
        config["scrape_configs"][0]["job_name"].as_str(),
        Some(&*job)
    );
    let rules = rules(&out);
    assert!(rules.len() >= 3, "{rules:?}");
    // Every header and comment line is still a comment: the newline in the job did not end it.
    for name in [
        "prometheus-optimized.yml",
        "alert-rules.yml",
        "cache-optimization.yml",
    ] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        assert!(
            !text.lines().any(|l| l.starts_with("next")),
            "{name}:\n{text}"
        );
    }
    // The Python module compiles, and its dict has the cache named exactly as on the page.
    if have("python3", "--version", "python3") {
        let py = Command::new("python3")
            .args([
                "-c",
                "import runpy,sys; c=runpy.run_path(sys.argv[1])['CACHE_CONFIG']; print(repr(sorted(c)))",
            ])
            .arg(out.join("cache-optimization.py"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&py.stdout);
        assert!(
            py.status.success(),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        assert!(text.contains("query"), "{text}");
    }
    // The Markdown report opens with a comment that nothing in the data closes.
    let md = fs::read_to_string(out.join("recommendations.md")).unwrap();
    let close = md.find("-->").unwrap();
    assert!(md[..close].matches("<!--").count() == 1 && md[close + 3..].find("-->").is_none());
    let Some(_) = promtool() else { return };
    let (ok, text) = run(&out, &["check", "config", "prometheus-optimized.yml"]);
    assert!(ok, "{text}");
    let (ok, text) = run(&out, &["check", "rules", "alert-rules.yml"]);
    assert!(ok, "{text}");
}

/// One `promtool test rules` case: `series` for 40 minutes, and the alerts expected at 30m.
fn case(series: &[(String, &str)], alert: &str, expected: Vec<Value>) -> Value {
    let input: Vec<Value> = series
        .iter()
        .map(|(s, v)| {
            let mut m = serde_yaml::Mapping::new();
            m.insert("series".into(), s.as_str().into());
            m.insert("values".into(), (*v).into());
            Value::Mapping(m)
        })
        .collect();
    let mut t: Value = serde_yaml::from_str(&format!(
        "{{interval: 1m, alert_rule_test: [{{eval_time: 30m, alertname: {alert}}}]}}"
    ))
    .unwrap();
    t["input_series"] = Value::Sequence(input);
    t["alert_rule_test"][0]["exp_alerts"] = Value::Sequence(expected);
    t
}

#[test]
fn promtool_never_fires_the_breakout_and_prints_templates_literally() {
    let dir = tempfile::tempdir().unwrap();
    let job = job();
    let out = generate(dir.path(), &job);
    let cache = job.clone();
    let sel = |name: &str, extra: &str| format!("{name}{{job={}{extra}}}", quoted(&job));
    let inst = r#",instance="i:1""#;
    // A steady process: its start time never changes, so ProcessRestarting must stay quiet;
    // `up` is there for the break-out to find.
    let steady = vec![
        (sel("process_start_time_seconds", inst), "1700000000+0x40"),
        (sel("up", inst), "1+0x40"),
    ];
    // The cache at 60% hits: past the 70% warning line, short of the 50% critical one.
    let c = format!(",cache={}", quoted(&cache));
    let cache_series = vec![
        (sel("app_cache_hits_total", &c), "0+6x40"),
        (sel("app_cache_misses_total", &c), "0+4x40"),
    ];
    let rules = rules(&out);
    let cache_rule = rules
        .iter()
        .find(|r| r["alert"] == "CacheHitRateLow" && r["labels"]["severity"] == "warning")
        .expect("a cache warning rule");
    assert!(
        cache_rule["labels"]["cache"]
            .as_str()
            .unwrap()
            .contains("{{ \"{{\" }}"),
        "{cache_rule:?}"
    );
    // What Prometheus must print: the job and the cache exactly as the page names them.
    let mut labels = serde_yaml::Mapping::new();
    labels.insert("severity".into(), "warning".into());
    // The job as the page names it, kept by the rule's `by (job)` for Alertmanager to route.
    labels.insert("job".into(), job.as_str().into());
    // The cache's subject is its family and labels, as the exposition writes them.
    let subject = format!("app_cache{{cache={}}}", quoted(&cache));
    labels.insert("cache".into(), subject.as_str().into());
    let mut ann = serde_yaml::Mapping::new();
    for key in ["summary", "description", "runbook_url"] {
        let text = cache_rule["annotations"][key].as_str().unwrap();
        // The rule's own text with its one escape undone: nothing else may change on expansion.
        ann.insert(key.into(), text.replace("{{ \"{{\" }}", "{{").into());
    }
    let description = ann["description"].as_str().unwrap().to_string();
    assert!(
        description.contains(TEMPLATE) && description.contains(BREAKOUT),
        "{description}"
    );
    let mut fired = serde_yaml::Mapping::new();
    fired.insert("exp_labels".into(), Value::Mapping(labels));
    fired.insert("exp_annotations".into(), Value::Mapping(ann));
    let tests = vec![
        case(&steady, "ProcessRestarting", vec![]),
        case(
            &[steady.clone(), cache_series].concat(),
            "CacheHitRateLow",
            vec![Value::Mapping(fired)],
        ),
    ];
    let mut file = serde_yaml::Mapping::new();
    file.insert(
        "rule_files".into(),
        Value::Sequence(vec!["alert-rules.yml".into()]),
    );
    file.insert("evaluation_interval".into(), "1m".into());
    file.insert("tests".into(), Value::Sequence(tests));
    fs::write(out.join("tests.yml"), serde_yaml::to_string(&file).unwrap()).unwrap();
    let Some(_) = promtool() else { return };
    let (ok, text) = run(&out, &["test", "rules", "tests.yml"]);
    assert!(ok && text.contains("SUCCESS"), "{text}");
}

/// The break-out alone, without the template text that would stop an unescaped rule from
/// parsing: unescaped, the restart rule reads `… > 2 or vector(1) or …` and always fires.
#[test]
fn the_breakout_alone_never_fires() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(dir.path(), BREAKOUT);
    let sel = |name: &str| format!("{name}{{job={},instance=\"i:1\"}}", quoted(BREAKOUT));
    let steady = vec![
        (sel("process_start_time_seconds"), "1700000000+0x40"),
        (sel("up"), "1+0x40"),
    ];
    let tests = vec![
        case(&steady, "ProcessRestarting", vec![]),
        case(&steady, "TargetDown", vec![]),
    ];
    let mut file = serde_yaml::Mapping::new();
    file.insert(
        "rule_files".into(),
        Value::Sequence(vec!["alert-rules.yml".into()]),
    );
    file.insert("evaluation_interval".into(), "1m".into());
    file.insert("tests".into(), Value::Sequence(tests));
    fs::write(out.join("tests.yml"), serde_yaml::to_string(&file).unwrap()).unwrap();
    let Some(_) = promtool() else { return };
    let (ok, text) = run(&out, &["test", "rules", "tests.yml"]);
    assert!(ok && text.contains("SUCCESS"), "{text}");
}

/// No control character reaches a terminal but the newline and promtune's own colours.
fn assert_printable(what: &str, text: &str) {
    let mut rest = text.to_string();
    for code in ["32", "33", "31", "90", "93", "0"] {
        rest = rest.replace(&format!("\u{1b}[{code}m"), "");
    }
    let bad: Vec<char> = rest
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in\n{text}");
}

#[test]
fn terminals_see_escapes_never_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path());
    for args in [
        vec!["analyze", "--color", "always", &page],
        vec!["check", &page],
        vec!["compare", &page, &page],
    ] {
        let r = promtune(&args);
        assert!(r.code <= 1, "{args:?}: {}", r.stderr);
        assert_printable(&format!("{args:?} stdout"), &r.stdout);
        assert_printable(&format!("{args:?} stderr"), &r.stderr);
    }
    let r = promtune(&["analyze", "--color", "always", &page]);
    assert!(
        r.stdout.contains(r"/x\x1b]52;c;aGk=\x07\r\x1b[2J\x9b31m"),
        "{}",
        r.stdout
    );
    // A parse error quoting a bad line, and a server's error body, are data too.
    let bad = dir.path().join("bad.prom");
    fs::write(&bad, "metric{a=\"\u{1b}]52;c;aGk=\u{7}\"} x\u{1b}[2J\n").unwrap();
    let r = promtune(&["analyze", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_printable("parse error", &r.stderr);
    let body =
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"\u{1b}]52;c;aGk=\u{7}boom\"}";
    let s = serve(Reply::Respond(400, vec![], body.as_bytes().to_vec()));
    let base = s.url.trim_end_matches("/metrics");
    let r = promtune(&["analyze", "--prometheus", base]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("boom"), "{}", r.stderr);
    assert_printable("server error", &r.stderr);
    let s = serve(Reply::Respond(
        200,
        vec![],
        format!("{}\u{7}", self::page()).into_bytes(),
    ));
    let r = promtune(&["check", &s.url]);
    assert_printable("check of a URL", &r.stderr);
    // On a pty, as a user runs it: the screen is never cleared, the clipboard never written.
    if !have("script", "--version", "bsdutils") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_promtune");
    let out = Command::new("script")
        .args([
            "-qec",
            &format!("{bin} analyze --color auto {page}"),
            "/dev/null",
        ])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(text.contains("\u{1b}[33mwarning\u{1b}[0m"), "{text}");
    assert_printable("pty", &text);
}

#[test]
fn markdown_keeps_every_value_in_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path());
    let r = promtune(&["analyze", "--format", "markdown", &page]);
    assert!(r.code <= 1, "{}", r.stderr);
    let md = r.stdout;
    // Each table row has as many unescaped pipes as its header.
    let pipes = |l: &str| {
        let b = l.as_bytes();
        (0..b.len())
            .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
            .count()
    };
    let mut width = None;
    for l in md.lines() {
        if l.starts_with('|') {
            let n = pipes(l);
            match width {
                None => width = Some(n),
                Some(w) => assert_eq!(n, w, "{l}"),
            }
        } else {
            width = None;
        }
    }
    // Every active character from the data is escaped where it stands.
    for active in ["![", "<script", "</script", "](http", "`c`", "*s*"] {
        let left = md
            .match_indices(active)
            .any(|(i, _)| i == 0 || md.as_bytes()[i - 1] != b'\\');
        assert!(!left, "{active} left active:\n{md}");
    }
    assert!(
        !md.lines()
            .any(|l| l.starts_with("next") || l.starts_with("![")),
        "{md}"
    );
    assert_printable("markdown", &md);
}

#[test]
fn a_targets_password_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(Reply::Respond(
        200,
        vec![],
        "# TYPE up_total counter\nup_total 1\n".into(),
    ));
    let addr = s
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics");
    let sd = dir.path().join("targets.json");
    fs::write(
        &sd,
        format!(r#"[{{"targets": ["scraper:s3cret-pw@{addr}"], "labels": {{"job": "app"}}}}]"#),
    )
    .unwrap();
    for format in ["table", "json", "markdown", "sarif", "html"] {
        let r = promtune(&[
            "analyze",
            "--format",
            format,
            "--targets-from",
            sd.to_str().unwrap(),
        ]);
        assert!(r.code <= 1, "{format}: {}", r.stderr);
        assert!(r.stdout.contains(addr), "{format}: {}", r.stdout);
        assert!(
            !format!("{}{}", r.stdout, r.stderr).contains("s3cret-pw"),
            "{format}"
        );
    }
    // The credentials were used: the request carried them as basic auth.
    let seen = s.requests.lock().unwrap().join("\n").to_ascii_lowercase();
    assert!(seen.contains("authorization: basic"), "{seen}");
}
