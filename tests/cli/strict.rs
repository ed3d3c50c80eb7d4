//! Strict values: every field of every file promtune reads is typed, an unknown key is an
//! error, and every number in a flag or a file is finite. Each failure is exit 2 with the
//! file and line (and column, for YAML and JSON).

use std::path::Path;

use crate::support::{fixture, promtune};

const GUIDE: &str = "fixtures/guide_example.prom";

/// A config in which every field is set, one per line: `(line, path, text)`.
const FIELDS: &[(usize, &str, &str)] = &[
    (1, "profile", "profile: default"),
    (2, "", "thresholds:"),
    (3, "", "  memory:"),
    (4, "thresholds.memory.target", "    target: 500MB"),
    (5, "thresholds.memory.warning", "    warning: 700MB"),
    (6, "thresholds.memory.critical", "    critical: 1GB"),
    (7, "", "exporter:"),
    (8, "exporter.requests", "  requests: http_requests_total"),
    (9, "exporter.route_label", "  route_label: handler"),
    (10, "exporter.status_label", "  status_label: code"),
    (11, "exporter.method_label", "  method_label: method"),
    (12, "", "ignore:"),
    (13, "ignore[0].check", "  - check: memory"),
    (14, "ignore[0].subject", "    subject: query_cache"),
    (15, "ignore[0].source", "    source: api"),
    (16, "ignore[0].until", "    until: 2027-03-01"),
    (17, "ignore[0].reason", "    reason: rolling out"),
];

fn config_with(line: usize, replacement: &str) -> String {
    FIELDS
        .iter()
        .map(|(n, _, text)| if *n == line { replacement } else { text })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn analyse_with_config(path: &Path) -> crate::support::Run {
    promtune(&[
        "analyze",
        "--fail-on",
        "never",
        "--config",
        path.to_str().unwrap(),
        GUIDE,
    ])
}

/// Exit 2, and stderr names `file:line:column: path`.
fn refused(r: &crate::support::Run, file: &Path, line: usize, path: &str, what: &str) {
    assert_eq!(r.code, 2, "{what}: {}", r.stderr);
    let place = format!("{}:{line}:", file.display());
    assert!(
        r.stderr.contains(&place) && r.stderr.contains(path),
        "{what}: {place} {path} not in {}",
        r.stderr
    );
}

/// `text` as the config file `f` is refused at `line` with `want`.
fn refuses(f: &Path, text: &str, line: usize, want: &str) {
    std::fs::write(f, text).unwrap();
    refused(&analyse_with_config(f), f, line, want, text);
}

#[test]
fn every_config_field_of_the_wrong_type_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.yaml");
    std::fs::write(&f, config_with(0, "")).unwrap();
    let r = analyse_with_config(&f);
    assert_eq!(r.code, 0, "the full config is valid: {}", r.stderr);
    for (line, path, text) in FIELDS.iter().filter(|f| !f.1.is_empty()) {
        let key = text.split(':').next().unwrap();
        // A list, a mapping, a boolean and a missing value: none is a name, a date or a size
        // (only a limit may be null: it clears the row's limit).
        let limit = path.starts_with("thresholds.");
        for bad in ["[memory]", "{a: 1}", "true", ""] {
            if limit && bad.is_empty() {
                continue;
            }
            let replaced = format!("{key}: {bad}");
            std::fs::write(&f, config_with(*line, &replaced)).unwrap();
            let r = analyse_with_config(&f);
            refused(&r, &f, *line, &format!("{path}: "), &replaced);
            // The column is the value's: where the key's text ends, plus ": ".
            if !bad.is_empty() {
                let column = key.len() + 3;
                assert!(
                    r.stderr
                        .contains(&format!("c.yaml:{line}:{column}: {path}: ")),
                    "{replaced}: {}",
                    r.stderr
                );
            }
        }
    }
    // Containers given a scalar or the other kind of container.
    for (text, line, path) in [
        ("thresholds: 5\n", 1, "thresholds: invalid type: integer"),
        (
            "thresholds: [memory]\n",
            1,
            "thresholds: invalid type: sequence",
        ),
        (
            "thresholds:\n  memory: 1GB\n",
            2,
            "thresholds.memory: invalid type: string",
        ),
        (
            "thresholds:\n  memory: [1GB]\n",
            2,
            "thresholds.memory: invalid type: sequence",
        ),
        (
            "exporter: http_requests_total\n",
            1,
            "exporter: invalid type: string",
        ),
        ("exporter: [a]\n", 1, "exporter: invalid type: sequence"),
        (
            "ignore: {check: memory, reason: x}\n",
            1,
            "ignore: invalid type: map",
        ),
        ("ignore: memory\n", 1, "ignore: invalid type: string"),
        (
            "ignore:\n  - memory\n",
            2,
            "ignore[0]: invalid type: string",
        ),
        (
            "ignore:\n  - [check, memory]\n",
            2,
            "ignore[0]: invalid type: sequence",
        ),
        (
            "- profile: kpi\n",
            1,
            "invalid type: sequence, expected a mapping",
        ),
    ] {
        refuses(&f, text, line, path);
    }
}

#[test]
fn unknown_and_repeated_keys_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.yaml");
    for (line, text, want) in [
        (
            1,
            "profle: kpi\n",
            "unknown key \"profle\" (expected one of: profile, thresholds, exporter, ignore)",
        ),
        (
            2,
            "thresholds:\n  memroy: {warning: 1GB}\n",
            "thresholds: unknown check \"memroy\"",
        ),
        (
            3,
            "thresholds:\n  memory:\n    warn: 1GB\n",
            "thresholds.memory: unknown key \"warn\" (expected one of: target, warning, critical)",
        ),
        (
            2,
            "exporter:\n  request: x\n",
            "exporter: unknown key \"request\"",
        ),
        (
            4,
            "ignore:\n  - check: memory\n    reason: x\n    util: 2020-01-01\n",
            "ignore[0]: unknown key \"util\"",
        ),
        (
            4,
            "ignore:\n  - check: memory\n    reason: x\n    check: cpu\n",
            "ignore[0]: \"check\" is given twice",
        ),
        (
            2,
            "ignore:\n  - reason: x\n",
            "ignore[0]: `check` is missing",
        ),
    ] {
        refuses(&f, text, line, want);
    }
    // The thresholds file takes only its own keys.
    let t = dir.path().join("t.yaml");
    std::fs::write(&t, "thresholds: {}\nignore: []\n").unwrap();
    let r = promtune(&["analyze", "--thresholds", t.to_str().unwrap(), GUIDE]);
    refused(
        &r,
        &t,
        2,
        "unknown key \"ignore\" (expected one of: profile, thresholds)",
        "ignore",
    );
}

/// The bypass the review found: a list `until` read as no `until`, so the suppression never
/// ended. Now it is refused; a real date past its day stops suppressing.
#[test]
fn a_list_until_cannot_make_a_suppression_last_forever() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.yaml");
    std::fs::write(
        &f,
        "ignore:\n  - check: memory\n    until: [2020-01-01]\n    reason: x\n",
    )
    .unwrap();
    let r = analyse_with_config(&f);
    refused(
        &r,
        &f,
        3,
        "ignore[0].until: invalid type: sequence, expected a date",
        "until",
    );
    std::fs::write(
        &f,
        "ignore:\n  - check: memory\n    until: 2020-01-01\n    reason: x\n",
    )
    .unwrap();
    let r = analyse_with_config(&f);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("the suppression of memory ended on 2020-01-01"),
        "{}",
        r.stdout
    );
}

#[test]
fn non_finite_thresholds_are_refused_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.yaml");
    for v in [
        ".nan",
        ".inf",
        "-.inf",
        "NaN",
        "inf",
        "1e400",
        "1e308GB",
        "\"NaN MB\"",
    ] {
        std::fs::write(&t, format!("thresholds:\n  memory:\n    warning: {v}\n")).unwrap();
        let r = promtune(&["analyze", "--thresholds", t.to_str().unwrap(), GUIDE]);
        refused(
            &r,
            &t,
            3,
            "thresholds.memory.warning: expected a size such as 800MB",
            v,
        );
    }
}

#[test]
fn a_baseline_of_the_wrong_shape_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    for (text, line, want) in [
        ("{\"promtune_baseline\": 1, \"findings\": [{\"check\": \"memory\", \"status\": [\"critical\"]}]}", 1, "invalid type: sequence"),
        ("{\"promtune_baseline\": 1,\n \"findings\": [\n {\"check\": \"memory\", \"status\": \"critical\", \"subject\": {}}]}", 3, "invalid type: map"),
        ("{\"promtune_baseline\": 1,\n \"findings\": [\n {\"check\": [\"memory\"], \"status\": \"critical\"}]}", 3, "invalid type: sequence"),
        ("{\"promtune_baseline\": 1,\n \"findings\": [\n {\"check\": \"memory\", \"status\": \"bad\"}]}", 3, "unknown status \"bad\""),
        ("{\"promtune_baseline\": 1,\n \"findings\": [\n {\"check\": \"memory\", \"status\": \"ok\", \"sourc\": \"x\"}]}", 3, "unknown field `sourc`"),
        ("{\"promtune_baseline\": 1,\n \"findings\": {}}", 2, "invalid type: map"),
    ] {
        std::fs::write(&b, text).unwrap();
        let r = promtune(&["analyze", "--baseline", b.to_str().unwrap(), GUIDE]);
        refused(&r, &b, line, want, text);
    }
}

#[test]
fn non_finite_numbers_in_flags_are_refused() {
    let after = fixture("guide_after.prom");
    let after = after.to_str().unwrap();
    for (flag, value, want) in [
        ("--expect", "memory=NaN%", "is not a finite percentage"),
        ("--expect", "memory=inf%", "is not a finite percentage"),
        ("--expect", "memory=-1e309%", "is not a finite percentage"),
        ("--tolerance", "NaN%", "expected a finite percentage"),
        ("--tolerance", "inf%", "expected a finite percentage"),
        ("--tolerance", "1e400%", "expected a finite percentage"),
    ] {
        let r = promtune(&["compare", flag, value, GUIDE, after]);
        assert_eq!(r.code, 2, "{flag} {value}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{flag} {value}: {}", r.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("expect.txt");
    // An --expect-file names the line of a bad number or an unknown check.
    for (text, want) in [
        (
            "# expected\nmemory=-40%\ncpu=NaN%\n",
            ":3: --expect \"cpu=NaN%\"",
        ),
        (
            "memory=-40%\n\nmemroy=-40%\n",
            ":3: --expect \"memroy\": unknown check",
        ),
    ] {
        std::fs::write(&e, text).unwrap();
        let r = promtune(&[
            "compare",
            "--expect-file",
            e.to_str().unwrap(),
            GUIDE,
            after,
        ]);
        let want = format!("{}{want}", e.display());
        assert!(
            r.code == 2 && r.stderr.contains(&want),
            "{want}: {}",
            r.stderr
        );
    }
    // Times: unix seconds must be finite and before year 10000.
    for (flag, value) in [
        ("--scraped-at", "NaN"),
        ("--scraped-at", "inf"),
        ("--scraped-at", "1e400"),
        ("--scraped-at", "1e300"),
        ("--now", "-1e400"),
    ] {
        let r = promtune(&["analyze", &format!("{flag}={value}"), GUIDE]);
        assert_eq!(r.code, 2, "{flag} {value}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{value:?}")),
            "{flag} {value}: {}",
            r.stderr
        );
    }
}
