//! `fixtures/programs/`: real pages of 106 distinct programs, each with an `expect.json` written
//! by reading the page (never from promtune's output). Every memory, CPU and start-time figure
//! promtune reports must come from the series the expectation names, or be unknown: never from
//! another series or another process. How many programs have each role recognised may grow,
//! never fall: the floors below are the counts measured when the rules were written, and
//! `docs/exporters.md` reports them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{analyze_json, check_row, json_folders, json_of};

/// One program's expectations for the process figures.
pub(crate) struct Program {
    /// The folder's name.
    pub(crate) name: String,
    /// The page.
    pub(crate) page: PathBuf,
    /// `exporter`, `service_native` or `instrumented_app`.
    pub(crate) kind: String,
    /// The whole `expect.json`.
    pub(crate) expect: Value,
}

/// Every program, sorted by folder: its page is `metrics.prom`, `metrics.om.txt`, or the path
/// `source.txt` names under the repository.
pub(crate) fn programs() -> Vec<Program> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    json_folders("programs", "expect.json")
        .into_iter()
        .map(|(dir, expect)| {
            let page = ["metrics.prom", "metrics.om.txt"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.is_file())
                .unwrap_or_else(|| {
                    let src = std::fs::read_to_string(dir.join("source.txt"))
                        .unwrap_or_else(|e| panic!("{}: no page: {e}", dir.display()));
                    root.join(src.trim())
                });
            Program {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                page,
                kind: expect["kind"].as_str().unwrap().to_string(),
                expect,
            }
        })
        .collect()
}

/// The series a note says a figure came from: its leading names, joined by ` + ` when several
/// are added (`redis_cpu_sys_seconds_total + redis_cpu_user_seconds_total: …`).
pub(crate) fn leading_series(note: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = note;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let name = rest[..end].trim_end_matches(':');
        if name.is_empty() || !name.contains('_') {
            break;
        }
        out.push(name.to_string());
        match rest[end..].strip_prefix(" + ") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// The names an expectation allows for `role`: its series, and any named in its note (the
/// second half of a sum).
pub(crate) fn allowed(expect: &Value) -> (Option<String>, Vec<String>) {
    let series = expect["series"].as_str().map(str::to_string);
    let mut names: Vec<String> = expect["note"]
        .as_str()
        .unwrap_or("")
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.contains('_'))
        .map(str::to_string)
        .collect();
    names.extend(series.clone());
    (series, names)
}

/// What promtune gave for one role of one program.
enum Given {
    /// A value, from these series.
    Figure(Vec<String>),
    /// No value.
    Unknown,
}

/// The floors: programs with each role recognised (the value from the expected series), as
/// measured with the rules of #23. Raise them when a rule improves; never lower them.
const FLOOR: [(&str, usize); 4] = [
    ("memory", 50),
    ("cpu", 47),
    ("start_time", 56),
    ("exporter_process", 14),
];

#[test]
fn every_figure_comes_from_the_expected_series_or_is_unknown() {
    let programs = programs();
    assert!(programs.len() >= 100, "{}", programs.len());
    let mut recognised = std::collections::BTreeMap::<&str, usize>::new();
    let mut wrong = Vec::new();
    let mut unread = 0;
    for p in &programs {
        let page = p.page.to_string_lossy();
        // A scrape time after every start time on the pages, so that CPU has an uptime.
        let run = analyze_json(&["--scraped-at", "4102444800", &page]);
        let report = json_of(&run.stdout)["reports"][0].clone();
        if !report["error"].is_null() {
            // Pages the parser rejects give no figure at all: nothing to compare.
            assert_eq!(run.code, 2, "{}: {}", p.name, run.stderr);
            assert!(report["checks"].as_array().is_none_or(|c| c.is_empty()));
            unread += 1;
            continue;
        }
        let figure = |value: &Value, note: &str| match value.is_null() {
            true => Given::Unknown,
            false => Given::Figure(leading_series(note)),
        };
        let memory = check_row(&report, "memory", None);
        let cpu = check_row(&report, "cpu", None);
        let source = report["uptime_source"].as_str().unwrap();
        let given = [
            (
                "memory",
                figure(&memory["value"], memory["note"].as_str().unwrap()),
            ),
            ("cpu", figure(&cpu["value"], cpu["note"].as_str().unwrap())),
            // A rate dated by its counter's creation is no process's start time.
            (
                "start_time",
                if source.contains("creation time") {
                    Given::Unknown
                } else {
                    figure(&report["uptime_seconds"], source)
                },
            ),
        ];
        for (role, given) in given {
            let (series, names) = allowed(&p.expect[role]);
            let Given::Figure(used) = given else {
                continue;
            };
            let right = series.as_ref().is_some_and(|s| used.contains(s))
                && used.iter().all(|u| names.contains(u));
            if right {
                *recognised.entry(role).or_default() += 1;
            } else {
                wrong.push(format!(
                    "{} {role}: from {used:?}, expected {series:?}",
                    p.name
                ));
            }
        }
        // The exporter's own process named as such: the note says whose plain process_* is.
        let note = memory["note"].as_str().unwrap();
        let taken =
            note.contains("process_resident_memory_bytes (") && note.contains("own process, not");
        if p.expect["exporter_process"] == true && taken {
            *recognised.entry("exporter_process").or_default() += 1;
        }
        if p.kind == "instrumented_app" && taken {
            wrong.push(format!("{}: an app taken for an exporter: {note}", p.name));
        }
    }
    assert!(
        wrong.is_empty(),
        "figures from the wrong series or process:\n{}",
        wrong.join("\n")
    );
    assert!(unread <= 5, "{unread} pages no longer parse");
    for (role, floor) in FLOOR {
        let n = recognised.get(role).copied().unwrap_or(0);
        assert!(n >= floor, "{role}: {n} programs recognised, below {floor}");
    }
    eprintln!(
        "recognised of {}: {recognised:?}; unread: {unread}",
        programs.len()
    );
}

#[test]
fn leading_series_reads_the_notes() {
    assert_eq!(
        leading_series("redis_cpu_sys_seconds_total + redis_cpu_user_seconds_total: 3 CPU seconds"),
        [
            "redis_cpu_sys_seconds_total",
            "redis_cpu_user_seconds_total"
        ]
    );
    assert_eq!(
        leading_series("bind_process_start_time_seconds and --scraped-at"),
        ["bind_process_start_time_seconds"]
    );
    assert_eq!(
        leading_series("process_resident_memory_bytes (resident set size)"),
        ["process_resident_memory_bytes"]
    );
    assert!(leading_series("the bind service's memory is unknown: …").is_empty());
    assert!(leading_series("no start time in the exposition").is_empty());
}
