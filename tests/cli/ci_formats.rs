//! The CI formats: SARIF checked against the OASIS 2.1.0 schema, JUnit against Jenkins
//! xUnit's junit-10.xsd with xmllint, GitHub annotations escaped so no value can inject a
//! command, and `--output` written as configs are.

use std::fs;

use serde_json::Value;

use crate::support::{fixture, json_of, promtune};

const GUIDE: &str = "fixtures/guide_example.prom";

use crate::support::{junit_xsd, sarif_schema};

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// The 1-based line where `# HELP <family>` or `# TYPE <family>` first appears.
fn family_line(path: &str, family: &str) -> u64 {
    let text = fs::read_to_string(fixture(path.trim_start_matches("fixtures/"))).unwrap();
    text.lines()
        .position(|l| {
            l == format!("# HELP {family}")
                || l.starts_with(&format!("# HELP {family} "))
                || l.starts_with(&format!("# TYPE {family} "))
        })
        .map(|i| i as u64 + 1)
        .unwrap()
}

#[test]
fn sarif_follows_the_oasis_schema_and_points_at_the_series() {
    let v = sarif_schema();
    let r = promtune(&[
        "analyze",
        "--format",
        "sarif",
        GUIDE,
        "fixtures/capture/redis_exporter/metrics.prom",
        "fixtures/nope.prom",
    ]);
    assert_eq!(r.code, 2, "the missing file: {}", r.stderr);
    let log = json_of(&r.stdout);
    assert_eq!(errors(&v, &log), Vec::<String>::new());
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "promtune");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Each rule names its page in promtune's source; no helpUri to an unchecked address.
    for rule in rules {
        assert_eq!(rule.get("helpUri"), None, "{rule}");
        let help = rule["help"]["text"].as_str().unwrap();
        // A detector's page (docs/detectors/), a lint rule's (docs/lint/) or a cost rule's
        // (docs/cost/).
        let page = help
            .split_whitespace()
            .find(|w| {
                ["docs/detectors/", "docs/lint/", "docs/cost/"]
                    .iter()
                    .any(|d| w.starts_with(d))
            })
            .unwrap_or_else(|| panic!("{help}"));
        assert!(fixture(&format!("../{page}")).is_file(), "{help}");
    }
    let results = run["results"].as_array().unwrap();
    let memory = results
        .iter()
        .find(|x| {
            x["ruleId"] == "memory"
                && x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == GUIDE
        })
        .expect("the guide's memory warning");
    assert_eq!(memory["level"], "warning");
    assert_eq!(memory["properties"]["value"], 943718400.0);
    assert_eq!(
        memory["locations"][0]["physicalLocation"]["region"]["startLine"],
        family_line(GUIDE, "process_resident_memory_bytes")
    );
    // Every check at warning or critical in the JSON report is a SARIF result, and only those.
    let json = json_of(&promtune(&["analyze", "--format", "json", GUIDE]).stdout);
    let flagged = json["reports"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "warning" || c["status"] == "critical")
        .count();
    let checks_in_sarif = results
        .iter()
        .filter(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == GUIDE
                && x["properties"]["value"].is_number()
        })
        .count();
    assert_eq!(checks_in_sarif, flagged);
    // The missing file is a tool notification, and the run says it was not all successful.
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("nope.prom"));
    // Not vacuous: a wrong level fails the schema.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "severe".into();
    assert!(!errors(&v, &bad).is_empty());
}

#[test]
fn junit_validates_and_fails_what_fail_on_fails() {
    let dir = tempfile::tempdir().unwrap();
    // A file name full of XML's special characters.
    let odd = dir.path().join("a&b<c>\"'.prom");
    fs::copy(fixture("guide_example.prom"), &odd).unwrap();
    let odd = odd.to_str().unwrap().to_string();
    for (fail_on, failures) in [("warning", 2), ("critical", 0), ("never", 0)] {
        let r = promtune(&[
            "analyze",
            "--format",
            "junit",
            "--fail-on",
            fail_on,
            &odd,
            "fixtures/capture/redis_exporter/metrics.prom",
        ]);
        let xml = r.stdout;
        assert!(
            xml.contains(&format!("failures=\"{failures}\"")),
            "{fail_on}: {xml}"
        );
        // redis_exporter has no request metrics: those checks are skipped, not passed.
        assert!(xml.contains("<skipped message=\"not measurable"), "{xml}");
        assert!(xml.contains("a&amp;b&lt;c&gt;&quot;&apos;.prom"), "{xml}");
        if let Some((ok, msg)) = junit_xsd(&xml) {
            assert!(ok, "{fail_on}: {msg}\n{xml}");
        }
    }
    let r = promtune(&["analyze", "--format", "junit", "fixtures/nope.prom"]);
    assert!(
        r.stdout.contains("errors=\"1\"") && r.stdout.contains("<error message="),
        "{}",
        r.stdout
    );
    if let Some((ok, _)) = junit_xsd(&r.stdout) {
        assert!(ok);
        // Not vacuous: a testcase without a name fails the XSD.
        let (ok, _) = junit_xsd(&r.stdout.replace("name=\"analysis\" ", "")).unwrap();
        assert!(!ok);
    }
}

/// A label value that tries to end the annotation and start another command stays inside its
/// message, escaped as GitHub's toolkit escapes it.
#[test]
fn github_annotations_cannot_be_injected() {
    let dir = tempfile::tempdir().unwrap();
    let page = "# TYPE http_requests_total counter\n\
        http_requests_total{handler=\"/metrics\",code=\"200\",method=\"GET\"} 400\n\
        http_requests_total{handler=\"/x\\n::error file=evil::pwned%0A\",code=\"404\",method=\"GET\"} 9\n\
        http_requests_total{handler=\"/api\",code=\"200\",method=\"GET\"} 10\n\
        # TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1000\n\
        # TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 2000000000\n";
    let file = dir.path().join("odd, name: here.prom");
    fs::write(&file, page).unwrap();
    let r = promtune(&[
        "analyze",
        "--format",
        "github",
        "--scraped-at",
        "7000",
        file.to_str().unwrap(),
    ]);
    assert!(!r.stdout.is_empty());
    for line in r.stdout.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "{line}"
        );
        assert!(
            line.contains("file=") && line.contains("odd%2C name%3A here.prom"),
            "{line}"
        );
    }
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("::error file=evil")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("/x%0A::error file=evil::pwned%250A"),
        "{}",
        r.stdout
    );
    // The memory (2GB) is critical: an error annotation at its family's line (its TYPE line, 7).
    assert!(
        r.stdout
            .contains(",line=7,title=promtune memory::Memory Usage is 1907MB (critical"),
        "{}",
        r.stdout
    );
}

#[test]
fn output_writes_the_format_to_a_file_and_the_table_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.sarif");
    let r = promtune(&[
        "analyze",
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        GUIDE,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Thresholds"), "the table: {}", r.stdout);
    let log: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(errors(&sarif_schema(), &log), Vec::<String>::new());
    // An existing file is kept unless --force.
    fs::write(&out, "keep me").unwrap();
    let r = promtune(&[
        "analyze",
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        GUIDE,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fs::read_to_string(&out).unwrap(), "keep me");
    let r = promtune(&[
        "analyze",
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
        "--force",
        GUIDE,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(fs::read_to_string(&out)
        .unwrap()
        .contains("\"version\": \"2.1.0\""));
}
