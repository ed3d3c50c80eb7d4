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
    // The cardinality chart's bars are the JSON report's largest families, in order.
    let want: Vec<u64> = json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let fams = r["cost"]["families"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            fams.into_iter()
                .take(10)
                .map(|f| f["series"].as_u64().unwrap())
        })
        .collect();
    let bars: Vec<u64> = attrs(&dom, "data-series")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(bars, want, "cardinality bars vs JSON");
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

/// The guide's page with figures at f64's ends: request counters whose sum passes f64's range,
/// resident memory at f64::MAX, latency buckets of 1e-300 and near 1e308, a negative gauge
/// and zero cache traffic.
fn extreme_page() -> String {
    let guide = fs::read_to_string(crate::support::fixture("guide_example.prom")).unwrap();
    let value = |line: &str, v: &str| {
        let (series, rest) = line
            .rsplit_once("} ")
            .unwrap_or_else(|| line.split_once(' ').unwrap());
        let stamp = rest.split_once(' ').map(|r| r.1).unwrap_or("");
        let sep = if line.contains('}') { "} " } else { " " };
        format!("{series}{sep}{v} {stamp}")
    };
    guide
        .lines()
        .map(|l| {
            let v = if l.starts_with("http_requests_total")
                || l.starts_with("embedding_cache_") && l.contains("_total")
            {
                "1.7e308"
            } else if l.starts_with("process_resident_memory_bytes") {
                "1.7976931348623157e308"
            } else if l.starts_with("process_cpu_seconds_total") {
                "1e-300"
            } else if l.starts_with("process_open_fds") {
                "-5"
            } else if l.starts_with("query_cache_") && l.contains("_total") {
                "0"
            } else if l.contains("le=\"0.005\"") {
                "1e-300"
            } else if l.contains("le=\"0.01\"") {
                "1e300"
            } else if l.starts_with("http_request_duration_seconds_") && !l.starts_with('#') {
                "1.7e308"
            } else {
                return l.to_string();
            };
            value(l, v)
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Sums past f64's range draw: no SVG attribute is `NaN` or infinite, the bar's segments
/// fill it, the values are printed, and the JSON report still follows its schema.
#[test]
fn extreme_values_draw_with_finite_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("extreme.prom");
    fs::write(&prom, extreme_page()).unwrap();
    let (page, json) = both(&[prom.to_str().unwrap()], dir.path(), "extreme");
    let html = fs::read_to_string(&page).unwrap();
    let charts: Vec<&str> = html
        .split("<svg")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").unwrap()])
        .collect();
    assert!(charts.len() >= 8, "{} charts", charts.len());
    for chart in &charts {
        for tag in chart.split('<') {
            let tag = tag.split('>').next().unwrap();
            for (_, v) in tag.match_indices("=\"").map(|(i, _)| {
                let rest = &tag[i + 2..];
                (i, &rest[..rest.find('"').unwrap()])
            }) {
                let low = v.to_ascii_lowercase();
                assert!(!low.contains("nan") && !low.contains("inf"), "<{tag}>");
            }
        }
    }
    // The request mix: four segments side by side, filling the bar.
    let mix = charts
        .iter()
        .find(|c| c.contains("data-chart=\"mix\""))
        .unwrap();
    let widths: f64 = attrs(mix, "width")[1..]
        .iter()
        .map(|w| w.parse::<f64>().unwrap())
        .sum();
    assert!((widths - 560.0).abs() < 0.1, "{widths}");
    assert!(mix.contains(&format!("<title>metrics scrapes: {}</title>", 1.7e308)));
    // Memory at f64::MAX: its gauge says so, and its marker is at the bar's end.
    let memory = charts
        .iter()
        .find(|c| c.contains("data-check=\"memory\""))
        .unwrap();
    let v: f64 = attrs(memory, "data-value")[0].parse().unwrap();
    assert_eq!(v, f64::MAX);
    // Buckets of 1e-300 and 1e300 beside ones of 1.7e308: printed as they are.
    let latency = charts
        .iter()
        .find(|c| c.contains("data-chart=\"latency\""))
        .unwrap();
    for (le, count) in [
        ("0, 0.005", 1e-300),
        ("0.005, 0.01", 1e300 - 1e-300),
        ("0.01, 0.025", 1.7e308 - 1e300),
    ] {
        let title = format!("<title>({le}]: ");
        let at = latency.find(&title).unwrap() + title.len();
        let shown: f64 = latency[at..at + latency[at..].find('<').unwrap()]
            .parse()
            .unwrap();
        assert_eq!(shown, count, "le {le}");
    }
    // serde_json writes a non-finite figure as null, which the schema allows (unknown).
    let v = crate::formats::schema();
    let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    check_in_browser(&page, &json, 1, &dir.path().join("extreme.png"));
}

/// A request kind the page does not record (no route label: scrapes and health checks cannot
/// be told) is "not recorded" in the HTML mix, as the table's N/A, never 0 (issue #22 §9);
/// the 404s, which the status label does record, are counted.
#[test]
fn the_mix_says_not_recorded_where_the_table_says_na() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("page.prom");
    std::fs::write(
        &p,
        "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 10\nhttp_requests_total{code=\"404\"} 2\n",
    )
    .unwrap();
    let page = p.to_str().unwrap();
    let table = promtune(&["analyze", "--scraped-at", "2026-01-01T00:00:00Z", page]);
    let row = |name: &str| {
        table
            .stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}: {}", table.stdout))
            .to_string()
    };
    assert!(row("metrics_scrapes").contains("N/A"), "{}", table.stdout);
    let html = promtune(&["analyze", "--format", "html", page]).stdout;
    for kind in ["metrics", "health"] {
        assert!(
            html.contains(&format!("data-mix=\"{kind}\">not recorded</td>")),
            "{kind}: {html}"
        );
    }
    assert!(
        html.contains("data-mix=\"notfound\" data-value=\"2\">2</td>"),
        "{html}"
    );
}
