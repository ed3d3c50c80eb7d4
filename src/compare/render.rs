//! A comparison in every output format: a table, Markdown for a pull-request comment, JSON,
//! SARIF, JUnit and GitHub annotations (a regression or an unmet expectation is the finding).

use std::fmt::Write as _;

use serde_json::json;

use super::{Row, Side, Verdict};
use crate::escape::{github, html, markdown, terminal, xml};
use crate::report::Format;

fn value(r: &Row, v: Option<f64>) -> String {
    v.map_or("N/A".into(), |v| r.unit.format(v))
}

fn metric(r: &Row) -> String {
    match &r.subject {
        Some(s) => format!("{} ({s})", r.title),
        None => r.title.clone(),
    }
}

fn cells(r: &Row) -> [String; 6] {
    [
        metric(r),
        value(r, r.before.0),
        value(r, r.after.0),
        r.change
            .map_or("-".into(), |c| format!("{:+.1}%", c * 100.0)),
        r.verdict.as_str().to_string(),
        match r.expected {
            Some((e, met)) => format!(
                "{:+.0}%: {}",
                e * 100.0,
                if met { "met" } else { "not met" }
            ),
            None => "-".into(),
        },
    ]
}

const HEAD: [&str; 6] = ["Metric", "Before", "After", "Change", "Verdict", "Expected"];

/// Why a row fails, if it does.
fn failure(r: &Row) -> Option<String> {
    let what = format!(
        "{}: {} → {}",
        metric(r),
        value(r, r.before.0),
        value(r, r.after.0)
    );
    match (r.verdict, r.expected) {
        (Verdict::Regressed, _) => Some(format!("{what}, regressed")),
        (_, Some((e, false))) => Some(format!("{what}, expected {:+.0}%, not met", e * 100.0)),
        _ => None,
    }
}

/// The comparison in `format`.
pub fn render(format: Format, before: &Side, after: &Side, rows: &[Row]) -> String {
    match format {
        Format::Table | Format::TableColor => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_header(HEAD);
            for r in rows {
                t.add_row(cells(r));
            }
            let text = format!("Before: {}\nAfter:  {}\n{t}\n", before.source, after.source);
            terminal::lines(&text).into_owned()
        }
        // Compare has no charts: its HTML is the Markdown table's rows as an HTML table.
        Format::Html => {
            let mut s = String::from("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>promtune compare</title></head><body><h1>promtune compare</h1><table><tr>");
            for h in HEAD {
                let _ = write!(s, "<th>{h}</th>");
            }
            s.push_str("</tr>");
            for r in rows {
                s.push_str("<tr>");
                for c in cells(r) {
                    let _ = write!(s, "<td>{}</td>", html::text(&c));
                }
                s.push_str("</tr>");
            }
            s.push_str("</table></body></html>\n");
            s
        }
        Format::Markdown => {
            let mut s = format!(
                "## promtune compare\n\nBefore: {}, after: {}.\n\n| {} |\n|{}\n",
                markdown::text(&before.source),
                markdown::text(&after.source),
                HEAD.join(" | "),
                "---|".repeat(HEAD.len())
            );
            for r in rows {
                let c = cells(r).map(|c| markdown::text(&c));
                let _ = writeln!(s, "| {} |", c.join(" | "));
            }
            s
        }
        Format::Json => {
            let wire: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id, "subject": r.subject, "title": r.title,
                        "before": r.before.0, "before_status": r.before.1.map(|s| s.as_str()),
                        "after": r.after.0, "after_status": r.after.1.map(|s| s.as_str()),
                        "change": r.change, "verdict": r.verdict.as_str(),
                        "expected_change": r.expected.map(|e| e.0),
                        "expected_met": r.expected.map(|e| e.1),
                    })
                })
                .collect();
            let mut s = crate::escape::json::pretty(&json!({
                "before": before.source, "after": after.source, "rows": wire,
                "failed": super::failed(rows),
            }));
            s.push('\n');
            s
        }
        Format::Junit(_) => {
            let mut cases = String::new();
            let mut failures = 0;
            for r in rows {
                let _ = write!(
                    cases,
                    "    <testcase name=\"{}\" classname=\"promtune.compare\" time=\"0\"",
                    xml::text(&metric(r))
                );
                match failure(r) {
                    Some(f) => {
                        failures += 1;
                        let _ = write!(
                            cases,
                            ">\n      <failure message=\"{}\" type=\"{}\"/>\n    </testcase>\n",
                            xml::text(&f),
                            r.verdict.as_str()
                        );
                    }
                    None => cases.push_str("/>\n"),
                }
            }
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"promtune compare\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" time=\"0\">\n  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">\n{cases}  </testsuite>\n</testsuites>\n",
                xml::text(&format!("{} → {}", before.source, after.source)),
                n = rows.len()
            )
        }
        Format::Github => rows
            .iter()
            .filter_map(|r| {
                failure(r).map(|f| {
                    format!(
                        "::error title=promtune compare {}::{}\n",
                        r.id,
                        github::data(&f)
                    )
                })
            })
            .collect(),
        Format::Sarif => {
            let results: Vec<_> = rows
                .iter()
                .filter_map(|r| {
                    failure(r).map(|f| {
                        json!({
                            "ruleId": r.id, "level": "error", "message": {"text": f},
                            "locations": [{"physicalLocation": {"artifactLocation": {"uri": after.source}}}],
                            "properties": {"before": r.before.0, "after": r.after.0, "change": r.change},
                        })
                    })
                })
                .collect();
            let mut s = crate::escape::json::pretty(&json!({
                "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": "promtune", "version": env!("CARGO_PKG_VERSION")}}, "results": results}],
            }));
            s.push('\n');
            s
        }
    }
}

/// Several comparisons (one per target of a server's two ranges) as one output.
pub fn render_many(format: Format, pairs: &[(Side, Side, Vec<Row>)]) -> String {
    match format {
        Format::Json | Format::Sarif => {
            let parsed: Vec<serde_json::Value> = pairs
                .iter()
                .map(|(b, a, rows)| {
                    serde_json::from_str(&render(format, b, a, rows)).unwrap_or_default()
                })
                .collect();
            let doc = if format == Format::Json {
                json!({
                    "comparisons": parsed,
                    "failed": pairs.iter().any(|p| super::failed(&p.2)),
                })
            } else {
                let mut first = parsed.first().cloned().unwrap_or_default();
                let results: Vec<serde_json::Value> = parsed
                    .iter()
                    .flat_map(|p| {
                        p["runs"][0]["results"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
                first["runs"][0]["results"] = json!(results);
                first
            };
            let mut s = crate::escape::json::pretty(&doc);
            s.push('\n');
            s
        }
        Format::Junit(_) => {
            let suites: Vec<String> = pairs
                .iter()
                .map(|(b, a, rows)| {
                    let x = render(format, b, a, rows);
                    let start = x.find("  <testsuite ").unwrap_or(0);
                    let end = x.rfind("</testsuites>").unwrap_or(x.len());
                    x[start..end].to_string()
                })
                .collect();
            let failures: usize = pairs
                .iter()
                .map(|p| p.2.iter().filter(|r| failure(r).is_some()).count())
                .sum();
            let tests: usize = pairs.iter().map(|p| p.2.len()).sum();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"promtune compare\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">\n{}</testsuites>\n",
                suites.concat()
            )
        }
        _ => pairs
            .iter()
            .map(|(b, a, rows)| render(format, b, a, rows))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
