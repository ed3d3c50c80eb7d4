//! `promtune check`'s lint: `--format promtool` against the real promtool on every page,
//! and promtune's own rules through analyze's formats.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{fixture, json_of, promtune, promtune_stdin};

/// Text-format pages in `dir`, recursively (`.prom` and `.txt`, not notes or provenance).
fn pages(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
        let name = entry.file_name().unwrap().to_string_lossy().to_string();
        if entry.is_dir() {
            pages(&entry, out);
        } else if (name.ends_with(".prom") || name.ends_with(".txt"))
            && !["requirements.txt", "source.txt"].contains(&name.as_str())
        {
            out.push(entry);
        }
    }
}

/// Every text-format page of `fixtures/` (captures, exposition, corpus, programs, guide).
fn fixture_pages() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["capture", "exposition", "corpus", "programs"] {
        pages(&fixture(dir), &mut out);
    }
    out.extend([fixture("guide_example.prom"), fixture("guide_after.prom")]);
    out.sort();
    out
}

/// The shared corpus beside the clone, or `None` (after saying so) outside CI.
fn shared_corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing in CI",
        dir.display()
    );
    eprintln!(
        "SKIPPED: {} not found; the shared corpus is checked in CI",
        dir.display()
    );
    None
}

/// (exit code, stdout, stderr) of a command.
fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `--extended` table with rows of equal cardinality sorted (promtool takes them from a
/// Go map, in random order), after checking that cardinalities never grow down the table.
fn table(stdout: &str, who: &str, page: &Path) -> Vec<String> {
    let mut lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    let card = |l: &str| {
        l.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u64>().ok())
    };
    if lines.len() > 2 {
        let body = lines.len() - 1;
        let rows = &mut lines[1..body];
        let cards: Vec<u64> = rows.iter().map(|l| card(l).unwrap()).collect();
        assert!(
            cards.windows(2).all(|w| w[0] >= w[1]),
            "{who} {}: table not sorted by cardinality\n{stdout}",
            page.display()
        );
        rows.sort_by(|a, b| card(b).cmp(&card(a)).then_with(|| a.cmp(b)));
    }
    lines
}

/// promtool and promtune on one page: the same exit code, the same lines on stderr, the
/// same table on stdout. Returns promtool's exit code.
fn same_as_promtool(page: &Path) -> i32 {
    let file = std::fs::File::open(page).unwrap();
    let (code, out, err) = output(
        Command::new("promtool")
            .args(["check", "metrics", "--extended"])
            .stdin(Stdio::from(file)),
    );
    let p = page.to_str().unwrap();
    let ours = promtune(&["check", "--format", "promtool", "--extended", p]);
    assert_eq!(ours.code, code, "{p}: exit code\n{}", ours.stderr);
    assert_eq!(ours.stderr, err, "{p}: stderr");
    assert_eq!(
        table(&ours.stdout, "promtune", page),
        table(&out, "promtool", page),
        "{p}: --extended table"
    );
    code
}

/// Every text-format page in `fixtures/` and the shared corpus gives exactly promtool's
/// lines, exit code and `--extended` table (promtool prints the table only for a page with
/// no lint problem, so tables are compared on those).
#[test]
fn promtool_format_matches_promtool_on_every_page() {
    if crate::promtool::promtool().is_none() {
        return;
    }
    let mut all = fixture_pages();
    if let Some(dir) = shared_corpus() {
        pages(&dir, &mut all);
    }
    assert!(all.len() > 140, "{} pages", all.len());
    let mut codes = [0usize; 4];
    for page in &all {
        let code = same_as_promtool(page);
        codes[usize::try_from(code).unwrap().min(3)] += 1;
    }
    // Every outcome is exercised: clean pages (tables), lint problems, parse errors.
    assert!(codes[0] > 10 && codes[1] > 10 && codes[3] > 50, "{codes:?}");
}

/// One page that trips every promtool rule, several times where promtool repeats itself:
/// prefixed units, `_total` on a gauge, reserved suffixes and labels per series, every
/// type's name (untyped families too), colons, camelCase labels per series, several
/// abbreviations in one name.
#[test]
fn every_promtool_rule_matches_promtool() {
    if crate::promtool::promtool().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("rules.prom");
    std::fs::write(
        &page,
        "# TYPE foo_milliseconds counter\nfoo_milliseconds{aB=\"1\",cD=\"2\"} 1\nfoo_milliseconds{aB=\"2\"} 1\n\
         # HELP bar_total x\n# TYPE bar_total gauge\nbar_total 1\n\
         # HELP h_count x\n# TYPE h_count histogram\nh_count_bucket{le=\"1\",quantile=\"0.5\"} 1\nh_count_bucket{le=\"+Inf\",quantile=\"0.5\"} 1\nh_count_sum{quantile=\"0.5\"} 1\nh_count_count{quantile=\"0.5\"} 1\n\
         # HELP g_counter x\n# TYPE g_counter gauge\ng_counter{le=\"1\",quantile=\"2\"} 1\ng_counter{le=\"2\",quantile=\"2\"} 1\n\
         # HELP s_bucket x\n# TYPE s_bucket summary\ns_bucket{le=\"1\",quantile=\"0.5\"} 1\n\
         # HELP x_gauge_histogram x\n# TYPE x_gauge_histogram gauge\nx_gauge_histogram 1\n\
         # HELP u_summary_total untyped\nu_summary_total{le=\"1\"} 1\n\
         # HELP a:b_ms_sec_kb x\n# TYPE a:b_ms_sec_kb untyped\na:b_ms_sec_kb 1\n\
         # HELP fooBar_kilograms_total x\n# TYPE fooBar_kilograms_total counter\nfooBar_kilograms_total 1\n\
         # HELP d_hours x\n# TYPE d_hours gauge\nd_hours 1\n\
         # HELP empty_family x\n# TYPE empty_family gauge\n",
    )
    .unwrap();
    assert_eq!(same_as_promtool(&page), 3);
}

/// Pages promtool cannot parse: promtune stops at the same line with exit 1. Where the
/// line's syntax is wrong, the message is promtune's own lexer's, not Go's (the docs list
/// this difference); Go's grouping errors have Go's words.
#[test]
fn unparseable_pages_stop_at_promtools_line() {
    if crate::promtool::promtool().is_none() {
        return;
    }
    let mut all = Vec::new();
    pages(&fixture("conformance/prometheus"), &mut all);
    for entry in
        std::fs::read_dir(fixture("conformance/prometheus/common/expfmt/fuzz/corpus")).unwrap()
    {
        all.push(entry.unwrap().path());
    }
    let prefix = |s: &str| s.split(": ").take(2).collect::<Vec<_>>().join(": ");
    let mut errors = 0;
    for page in &all {
        let file = std::fs::File::open(page).unwrap();
        let (code, _, err) = output(
            Command::new("promtool")
                .args(["check", "metrics"])
                .stdin(Stdio::from(file)),
        );
        let p = page.to_str().unwrap();
        let ours = promtune(&["check", "--format", "promtool", p]);
        assert_eq!(ours.code, code, "{p}\n{}\n{err}", ours.stderr);
        if code == 1 {
            errors += 1;
            assert_eq!(prefix(&ours.stderr), prefix(&err), "{p}");
        } else {
            assert_eq!(ours.stderr, err, "{p}");
        }
    }
    assert!(errors >= 20, "{errors} unparseable pages");
}

/// `--lint none` alone validates only (promtune's formats: a page full of lint problems is
/// clean, a broken one still fails); in promtool's format it is promtool's refusal.
#[test]
fn lint_none_validates_only_and_extended_follows_the_summary() {
    let page = b"# TYPE latency_ms gauge\nlatency_ms{fooBar=\"1\"} 1\n";
    let r = promtune_stdin(&["check", "--fail-on", "warning", "-"], page);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = promtune_stdin(
        &["check", "--lint", "none", "--fail-on", "warning", "-"],
        page,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("valid prometheus text"), "{}", r.stdout);
    assert!(!r.stdout.contains("lint:"), "{}", r.stdout);
    let r = promtune_stdin(&["check", "--lint", "none", "-"], b"a{ 1\n");
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let r = promtune_stdin(
        &["check", "--format", "promtool", "--lint", "none", "-"],
        page,
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert!(
        r.stderr
            .starts_with("error: at least one of --extended or linting must be enabled\n"),
        "{}",
        r.stderr
    );
    let r = promtune_stdin(
        &[
            "check",
            "--format",
            "promtool",
            "--lint",
            "none",
            "--extended",
            "-",
        ],
        b"# TYPE a counter\na{x=\"1\"} 1\na{x=\"2\"} 1\nb 1\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "Metric    Cardinality    Percentage    \n\
         a         2              66.67%        \n\
         b         1              33.33%        \n\
         Total     3              100%          \n"
    );
}

/// promtune's own rules on an OpenMetrics page: a unit in the name without `# UNIT`, IDs
/// and raw paths in a label, a family past `--max-family-series`; all are warnings, listed
/// under the summary, failing only with `--fail-on warning`.
#[test]
fn openmetrics_pages_get_promtunes_own_rules() {
    let mut page = String::from(
        "# TYPE req_seconds histogram\n# HELP req_seconds Latency.\n\
         req_seconds_bucket{le=\"+Inf\"} 1\nreq_seconds_count 1\nreq_seconds_sum 1\n\
         # TYPE hits counter\n# HELP hits Hits.\n",
    );
    for i in 0..6 {
        page.push_str(&format!(
            "hits_total{{path=\"/users/{}/orders\"}} 1\n",
            1000 + i
        ));
    }
    page.push_str("# EOF\n");
    let r = promtune_stdin(&["check", "--max-family-series", "5", "-"], page.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("valid openmetrics 1.0"), "{}", r.stdout);
    assert!(r.stdout.contains("  lint: 3 findings\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains("1: req_seconds: the name ends in the unit \"seconds\" but there is no \"# UNIT req_seconds seconds\" line [unit_consistency]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("6: hits: label \"path\": 6 of its 6 distinct values look like raw URL paths with IDs (such as \"/users/1000/orders\"): each one is a series [unbounded_label]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("6: hits: 6 series in one scrape, over the limit of 5 [family_series]"),
        "{}",
        r.stdout
    );
    let r = promtune_stdin(&["check", "--fail-on", "warning", "-"], page.as_bytes());
    assert_eq!(r.code, 1, "{}", r.stdout);
}

/// Findings through SARIF (located at the family's line, with the rule id), JSON, and
/// waived by `ignore:` and a baseline.
#[test]
fn findings_go_through_analyzes_formats_and_waivers() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.prom");
    std::fs::write(
        &page,
        "# HELP ok_total fine\n# TYPE ok_total counter\nok_total 1\n# TYPE latency_ms gauge\nlatency_ms 1\n",
    )
    .unwrap();
    let p = page.to_str().unwrap();
    let r = promtune(&["check", "--format", "sarif", p]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sarif = json_of(&r.stdout);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|x| x["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["unit_abbreviations", "help_text"], "{}", r.stdout);
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(results[1]["message"]["text"], "latency_ms: no help text");
    let index = results[1]["ruleIndex"].as_u64().unwrap() as usize;
    let rule = &sarif["runs"][0]["tool"]["driver"]["rules"][index];
    assert_eq!(rule["id"], "help_text");
    // The rule names its page in promtune's source (no helpUri to an unchecked address).
    assert!(rule["help"]["text"]
        .as_str()
        .unwrap()
        .contains("docs/lint/help_text.md"));
    let r = promtune(&["check", "--format", "json", "--fail-on", "warning", p]);
    assert_eq!(r.code, 1);
    let checks = &json_of(&r.stdout)["reports"][0]["checks"];
    assert_eq!(checks.as_array().unwrap().len(), 2, "{}", r.stdout);

    let config = dir.path().join("promtune.yml");
    std::fs::write(
        &config,
        "ignore:\n  - check: help_text\n    subject: latency_ms\n    reason: legacy\n  - check: unit_abbreviations\n    reason: renamed next release\n",
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let r = promtune(&[
        "check",
        "--format",
        "github",
        "--fail-on",
        "warning",
        "--config",
        c,
        p,
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("::notice "), "{}", r.stdout);
}

/// Every lint rule has its page, listed in the README's table.
#[test]
fn every_rule_has_a_docs_page() {
    let readme = std::fs::read_to_string(fixture("../docs/lint/README.md")).unwrap();
    for id in promtune::check::registry().iter().map(|r| r.id()) {
        let page = fixture(&format!("../docs/lint/{id}.md"));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("{id}: no page"));
        assert!(text.starts_with(&format!("# {id}\n")), "{id}");
        assert!(
            readme.contains(&format!("[{id}]({id}.md)")),
            "{id} not in README"
        );
    }
}

/// `baseline write` records a page's lint findings, and `check --baseline` waives exactly
/// those: a finding the baseline does not hold (a new family, or the same rule on another
/// family) still fails `--fail-on warning`.
#[test]
fn a_baseline_holds_exactly_the_recorded_lint_findings() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.prom");
    let before = "# HELP ok_total fine\n# TYPE ok_total counter\nok_total 1\n# TYPE latency_ms gauge\nlatency_ms 1\n";
    std::fs::write(&page, before).unwrap();
    let (p, base) = (page.to_str().unwrap(), dir.path().join("baseline.json"));
    let b = base.to_str().unwrap();
    let r = promtune(&["baseline", "write", b, p]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("(2 findings)"), "{}", r.stderr);
    let written = json_of(&std::fs::read_to_string(&base).unwrap());
    let mut recorded: Vec<(String, String)> = written["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["source"], p);
            (f["check"].to_string(), f["subject"].to_string())
        })
        .collect();
    recorded.sort();
    assert_eq!(
        recorded,
        [
            ("\"help_text\"".into(), "\"latency_ms\"".into()),
            ("\"unit_abbreviations\"".into(), "\"latency_ms\"".into())
        ]
    );
    let check = || {
        promtune(&[
            "check",
            "--format",
            "json",
            "--fail-on",
            "warning",
            "--baseline",
            b,
            p,
        ])
    };
    // Unchanged: both findings shown, both waived by the baseline, exit 0.
    let r = check();
    assert_eq!(r.code, 0, "{}", r.stdout);
    let waived = |out: &Value| -> Vec<(String, String, bool)> {
        let mut v: Vec<_> = out["reports"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_string(),
                    c["subject"].as_str().unwrap().to_string(),
                    c["waived"]["kind"] == "baseline",
                )
            })
            .collect();
        v.sort();
        v
    };
    let held = |id: &str, s: &str, w: bool| (id.to_string(), s.to_string(), w);
    assert_eq!(
        waived(&json_of(&r.stdout)),
        [
            held("help_text", "latency_ms", true),
            held("unit_abbreviations", "latency_ms", true)
        ]
    );
    // A new family with the same rule's finding: only it counts, exit 1.
    std::fs::write(&page, format!("{before}# TYPE size_kb gauge\nsize_kb 1\n")).unwrap();
    let r = check();
    assert_eq!(r.code, 1, "{}", r.stdout);
    let out = json_of(&r.stdout);
    assert_eq!(
        waived(&out),
        [
            held("help_text", "latency_ms", true),
            held("help_text", "size_kb", false),
            held("unit_abbreviations", "latency_ms", true),
            held("unit_abbreviations", "size_kb", false)
        ],
        "{}",
        r.stdout
    );
    // Without the baseline the unchanged page fails too.
    std::fs::write(&page, before).unwrap();
    let r = promtune(&["check", "--fail-on", "warning", p]);
    assert_eq!(r.code, 1, "{}", r.stdout);
}
