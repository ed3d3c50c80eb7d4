//! Helpers: paths into `fixtures/`, and running the built binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// How long a test waits for anything that should be quick: a process to start, a timeout
/// to fire, a run to end. CI's two cores may be busy with other builds, so no test may pass
/// only when something finishes within a tight deadline; this bound only catches a hang.
pub(crate) const PATIENCE: Duration = Duration::from_secs(120);

/// How long a hanging test server hangs: far past `PATIENCE`, so that an answer that
/// arrives at all arrives because promtune's own timeout fired.
pub(crate) const FOREVER: Duration = Duration::from_secs(3600);

/// Absolute path of a file under `fixtures/`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Every folder under `fixtures/<dir>` that holds `file`, with that JSON file parsed, sorted.
pub(crate) fn json_folders(dir: &str, file: &str) -> Vec<(PathBuf, serde_json::Value)> {
    let mut out: Vec<(PathBuf, serde_json::Value)> = std::fs::read_dir(fixture(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join(file).is_file())
        .map(|p| {
            let text = std::fs::read_to_string(p.join(file)).unwrap();
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", p.join(file).display()));
            (p, json)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every real exposition under `fixtures/`: the guide's example, the captures in
/// `exposition/` and the corpus (one of which is invalid on purpose), sorted.
pub(crate) fn real_fixtures() -> Vec<PathBuf> {
    let mut files = vec![fixture("guide_example.prom")];
    for dir in ["exposition", "corpus"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                files.extend(
                    std::fs::read_dir(&p)
                        .unwrap()
                        .map(|e| e.unwrap().path())
                        .filter(|p| !p.to_string_lossy().ends_with(".md")),
                );
            } else if p.extension().is_some_and(|e| e == "prom") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The JSON that `--format json` printed.
pub(crate) fn json_of(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The row of check `id` (for `subject`, when the check has several) in one JSON report.
pub(crate) fn check_row<'a>(
    report: &'a serde_json::Value,
    id: &str,
    subject: Option<&str>,
) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id && c["subject"].as_str() == subject)
        .unwrap_or_else(|| panic!("no check {id} {subject:?}"))
}

/// The pattern `id` in one JSON report.
pub(crate) fn pattern_row<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no pattern {id}"))
}

/// Runs `analyze --format json --fail-on never ARGS…`.
pub(crate) fn analyze_json(args: &[&str]) -> Run {
    promtune(&[&["analyze", "--format", "json", "--fail-on", "never"], args].concat())
}

/// Runs `analyze --format json --fail-on never` on one source with a fixed scrape time;
/// returns its report.
pub(crate) fn report_at(source: &str, scraped_at: &str) -> serde_json::Value {
    let r = analyze_json(&["--scraped-at", scraped_at, source]);
    assert_eq!(r.code, 0, "{source}: {}", r.stderr);
    json_of(&r.stdout)["reports"][0].clone()
}

/// Whether the external `tool` runs (`tool ARG` succeeds). Missing on a laptop: says so and
/// skips; missing in CI (`CI` set): fails, since `.ci/run` must install it.
pub(crate) fn have(tool: &str, arg: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is missing in CI: .ci/run must install Debian's {package} package"
        );
        eprintln!("SKIPPED: {tool} not found (apt-get install {package}); this test runs in CI");
    }
    found
}

/// What a run of the binary produced.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The built binary with `args`, from the repository root, in a clean environment.
pub(crate) fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_promtune"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("PROMTUNE_INPUT_FORMAT")
        .env_remove("PROMTUNE_CONFIG")
        .env_remove("PROMTUNE_PROFILE")
        .env_remove("PROMTUNE_THRESHOLDS")
        .env_remove("PROMTUNE_FAIL_ON")
        .env_remove("PROMTUNE_BEARER_TOKEN")
        .env_remove("PROMTUNE_BASIC_AUTH_PASSWORD");
    c
}

/// Runs promtune with `args` from the repository root.
pub(crate) fn promtune(args: &[&str]) -> Run {
    finish(
        command(args)
            .stdin(Stdio::null())
            .output()
            .expect("run promtune"),
    )
}

/// Runs promtune with `args`, feeding `input` on standard input.
pub(crate) fn promtune_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn promtune");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait promtune");
    let _ = writer.join();
    finish(out)
}

/// The fleet summary's rows as `job/instance`, in their order.
pub(crate) fn fleet_ranking(out: &serde_json::Value) -> Vec<String> {
    out["fleet"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["target"]["job"].as_str().unwrap(),
                r["target"]["instance"].as_str().unwrap()
            )
        })
        .collect()
}

/// The OASIS SARIF 2.1.0 schema (`fixtures/sarif/`).
pub(crate) fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixture("sarif/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("a JSON Schema")
}

/// Whether `xml` follows Jenkins xUnit's junit-10.xsd, by xmllint: `None` where xmllint is
/// missing (see [`have`]), else `(valid, xmllint's messages)`.
pub(crate) fn junit_xsd(xml: &str) -> Option<(bool, String)> {
    if !have("xmllint", "--version", "libxml2-utils") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("junit.xml");
    std::fs::write(&f, xml).unwrap();
    let o = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(fixture("junit/junit-10.xsd"))
        .arg(&f)
        .output()
        .unwrap();
    Some((
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    ))
}

/// Writes the record `promtune scrape` would have written beside `page` (docs/sources.md):
/// fetched at `at` (RFC 3339), with the page's size and its SHA-256 as `sha256sum` prints it.
pub(crate) fn write_record(page: &Path, at: &str, content_type: Option<&str>) {
    let out = Command::new("sha256sum").arg(page).output().unwrap();
    assert!(out.status.success(), "sha256sum {}", page.display());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let sha = stdout.split_whitespace().next().unwrap();
    let record = serde_json::json!({
        "promtune_scrape": 1,
        "url": "http://localhost:8000/metrics",
        "scraped_at": at,
        "content_type": content_type,
        "bytes": std::fs::metadata(page).unwrap().len(),
        "sha256": sha,
    });
    let mut name = page.as_os_str().to_os_string();
    name.push(".promtune.json");
    std::fs::write(name, record.to_string()).unwrap();
}
