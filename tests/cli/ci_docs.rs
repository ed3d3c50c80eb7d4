//! The pipelines in `docs/ci/` run: every `promtune` command of the GitHub Actions workflow and
//! the GitLab CI job, as written, on fixtures laid out as they expect, and what they write is
//! checked (SARIF against its schema, JUnit with xmllint, the Markdown comparison).

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

use crate::support::fixture;

/// The `promtune …` lines of a CI file's `run:` and `script:` entries.
fn commands(file: &str) -> Vec<String> {
    let doc: Value =
        serde_yaml::from_str(&fs::read_to_string(fixture(&format!("../docs/ci/{file}"))).unwrap())
            .unwrap();
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Mapping(m) => {
                for (k, v) in m {
                    if matches!(k.as_str(), Some("run" | "script")) {
                        for s in v.as_sequence().cloned().unwrap_or_else(|| vec![v.clone()]) {
                            if let Some(line) = s.as_str().filter(|l| l.starts_with("promtune ")) {
                                out.push(line.to_string());
                            }
                        }
                    } else {
                        walk(v, out);
                    }
                }
            }
            Value::Sequence(s) => s.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&doc, &mut out);
    out
}

fn run(dir: &Path, line: &str) -> (i32, String) {
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let o = Command::new(env!("CARGO_BIN_EXE_promtune"))
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn xmllint_ok(file: &Path) {
    if let Some((ok, msg)) = crate::support::junit_xsd(&fs::read_to_string(file).unwrap()) {
        assert!(ok, "{}: {msg}", file.display());
    }
}

#[test]
fn the_documented_pipelines_run_and_write_what_they_promise() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("scrapes")).unwrap();
    fs::create_dir_all(d.join("ci")).unwrap();
    // Saved as the workflow's header says, with `promtune scrape`, from pages without sample
    // timestamps: only the records date them (a checkout resets modification times).
    for (page, name) in [
        ("guide_example.prom", "scrapes/main.prom"),
        ("guide_after.prom", "scrapes/app.prom"),
    ] {
        let text = fs::read_to_string(fixture(page)).unwrap();
        let unstamped: String = text
            .lines()
            .map(|l| match l.rsplit_once(' ') {
                Some((rest, ts)) if !l.starts_with('#') && ts.len() == 13 => format!("{rest}\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        assert!(!unstamped.contains(" 1757324310000"), "{unstamped}");
        let s = crate::server::serve(crate::server::Reply::Respond(
            200,
            vec![("Content-Type".into(), "text/plain; version=0.0.4".into())],
            unstamped.into_bytes(),
        ));
        let (code, err) = run(d, &format!("promtune scrape {} -o {name}", s.url));
        assert_eq!(code, 0, "{err}");
        assert!(d.join(format!("{name}.promtune.json")).is_file());
    }
    // As the workflow's header says the baseline is made.
    let (code, err) = run(
        d,
        "promtune baseline write ci/promtune-baseline.json scrapes/app.prom",
    );
    assert_eq!(code, 0, "{err}");
    let github = commands("github-actions.yml");
    let gitlab = commands("gitlab-ci.yml");
    assert_eq!(
        (github.len(), gitlab.len()),
        (3, 2),
        "{github:?} {gitlab:?}"
    );
    for line in github.iter().chain(&gitlab) {
        let (code, err) = run(d, line);
        assert_eq!(code, 0, "{line}: {err}");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("promtune.sarif")).unwrap()).unwrap();
    assert!(crate::support::sarif_schema().is_valid(&sarif));
    let md = fs::read_to_string(d.join("compare.md")).unwrap();
    assert!(
        md.contains("| Memory Usage | 900MB | 480MB | -46.7% | improved | -10%: met |"),
        "{md}"
    );
    for f in ["promtune-junit.xml", "compare-junit.xml"] {
        assert!(fs::read_to_string(d.join(f))
            .unwrap()
            .contains("<testsuites"));
        xmllint_ok(&d.join(f));
    }
}
