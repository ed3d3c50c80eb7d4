//! `--format html` in a real browser (Debian's Chromium, headless): the page loads with no
//! console message and no network request (its Content-Security-Policy would log one), every
//! chart is drawn, the numbers on the page are the JSON report's, it keeps to its size
//! budget, and a screenshot is taken. For the guide's example, a fleet, and a server range.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::fleet_serve::{self, Behaviour};
use crate::support::{have, json_of, promtune};

/// Size budget per target.
const BUDGET: usize = 300 * 1024;

fn chromium(args: &[&str], page: &Path) -> (String, String) {
    let url = format!("file://{}", page.display());
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(&url)
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The values of `attr="…"` in order.
fn attrs<'a>(dom: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    dom.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &dom[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// Opens `page` in the browser and checks it against `json` (the same run's JSON report).
fn check_in_browser(page: &Path, json: &Value, targets: usize, shot: &Path) {
    let html = fs::read_to_string(page).unwrap();
    assert!(html.len() < BUDGET * targets, "{} bytes", html.len());
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http")
    );
    if !have("chromium", "--version", "chromium") {
        return;
    }
    let (dom, log) = chromium(
        &[
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ],
        page,
    );
    // Console messages (errors, CSP violations of any network request) are logged as CONSOLE.
    assert!(
        !log.contains("CONSOLE") && !log.contains("Refused"),
        "{log}"
    );
    assert!(dom.contains("data-ready=\"1\""), "the script did not run");
    let drawn = attrs(&dom, "data-drawn");
    let shapes = attrs(&dom, "data-shapes");
    assert_eq!(drawn.len(), dom.matches("<svg class=\"chart\"").count());
    assert!(!drawn.is_empty());
    for (d, n) in drawn.iter().zip(&shapes) {
        let (w, h) = d.split_once('x').unwrap();
        assert!(
            w.parse::<u32>().unwrap() > 0 && h.parse::<u32>().unwrap() > 0,
            "{d}"
        );
        assert!(n.parse::<u32>().unwrap() > 0, "a chart with nothing drawn");
    }
    // The numbers shown are the JSON report's: every check's value, in order.
    let want: Vec<f64> = json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["checks"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["value"].as_f64())
        .collect();
    let gauges: Vec<f64> = dom
        .match_indices("data-chart=\"gauge\"")
        .filter_map(|(i, _)| {
            let tag = &dom[i..i + dom[i..].find('>').unwrap()];
            attrs(tag, "data-value").first().map(|v| v.parse().unwrap())
        })
        .collect();
    assert_eq!(gauges, want, "gauges vs JSON");
    let _ = chromium(
        &[
            "--window-size=1100,2600",
            &format!("--screenshot={}", shot.display()),
        ],
        page,
    );
    assert!(
        fs::metadata(shot).map(|m| m.len()).unwrap_or(0) > 10_000,
        "no screenshot"
    );
    // `UPDATE_SCREENSHOTS=1 cargo test html` refreshes the ones the docs show.
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        let name = shot.file_name().unwrap().to_str().unwrap();
        let to = crate::support::fixture(&format!("../docs/img/report-{name}"));
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(shot, to).unwrap();
    }
}

fn both(args: &[&str], dir: &Path, name: &str) -> (std::path::PathBuf, Value) {
    let page = dir.join(format!("{name}.html"));
    let mut a = vec![
        "analyze",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
        "--fail-on",
        "never",
    ];
    a.extend(args);
    let r = promtune(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut j = vec!["analyze", "--format", "json", "--fail-on", "never"];
    j.extend(args);
    (page, json_of(&promtune(&j).stdout))
}

#[test]
fn the_guides_report_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (page, json) = both(&["fixtures/guide_example.prom"], dir.path(), "guide");
    let html = fs::read_to_string(&page).unwrap();
    // The P95 marker sits where histogram_quantile puts it: 0.0095 in (0.005, 0.01], 90% along.
    assert!(
        html.contains("P95 0.009500s lies in (0.005, 0.01]"),
        "{html}"
    );
    let x: f64 = attrs(&html, "data-x")[0].parse().unwrap();
    let bw = 560.0 / 15.0;
    assert!((x - (bw + 0.9 * bw)).abs() < 0.01, "{x}");
    check_in_browser(&page, &json, 1, &dir.path().join("guide.png"));
}

#[test]
fn a_fleets_report_in_a_browser() {
    // Timestamped pages: the HTML run and the JSON run read the same figures.
    let fleet = fleet_serve::start(
        (0..4)
            .map(|i| Behaviour::Fixed {
                bytes: 20_000 + i * 30_000,
            })
            .collect(),
        2,
    );
    let dir = tempfile::tempdir().unwrap();
    let groups = fleet.file_sd_groups(|i| format!(",\"job\":\"j{}\"", i % 2));
    let list = dir.path().join("t.json");
    fs::write(&list, format!("[{}]", groups.join(","))).unwrap();
    let (page, json) = both(
        &["--targets-from", list.to_str().unwrap()],
        dir.path(),
        "fleet",
    );
    let html = fs::read_to_string(&page).unwrap();
    assert!(
        html.find("id=\"fleet\"").unwrap() < html.find("class=\"report\"").unwrap(),
        "the summary first"
    );
    check_in_browser(&page, &json, 4, &dir.path().join("fleet.png"));
}

#[test]
fn a_server_ranges_report_with_trends_in_a_browser() {
    let Some((_h, p)) = crate::server_mode::history_and_prometheus() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (page, json) = both(
        &[
            "--prometheus",
            &p.url,
            "--at",
            crate::server_mode::AT,
            "--job",
            "api",
        ],
        dir.path(),
        "server",
    );
    let html = fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("data-chart=\"trend\"").count(),
        12,
        "four trends for each of three targets"
    );
    assert!(
        html.contains("reaches 1000MB (critical) in 54m"),
        "api-2's leak"
    );
    assert!(html.contains("class=\"projection\""));
    check_in_browser(&page, &json, 3, &dir.path().join("server.png"));
}
