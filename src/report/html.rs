//! `--format html`: one self-contained page (no network at all: a Content-Security-Policy
//! forbids it), the fleet summary first when there are several targets, then per target the
//! request mix, a gauge per check, the latency histogram with its P95, trends, and the
//! recommendations. Light and dark follow `prefers-color-scheme`; the page prints.

use std::fmt::Write as _;

use super::scale;
use super::svg::{self, esc};
use super::{Fleet, Renderer, Report};

/// Renders the HTML report.
pub(crate) struct HtmlRenderer;

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1a1a1a;--muted:#555;--line:#ccc;--ok:#0072B2;--off:#F0E442;--warn:#E69F00;--crit:#D55E00;--bar:#56B4E9;--none:#ddd}
@media (prefers-color-scheme: dark){:root{--bg:#111;--fg:#eee;--muted:#aaa;--line:#444;--none:#333}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#333}section,figure{break-inside:avoid}}
body{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:62em;padding:0 1em}
h1,h2,h3{line-height:1.2}h2{border-top:2px solid var(--line);padding-top:.8em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid var(--line);padding:.25em .6em;text-align:left;vertical-align:middle}
.muted,figcaption{color:var(--muted)}figure{margin:1em 0}pre{background:var(--none);padding:.6em;overflow-x:auto}
.status{font-weight:600;padding:.1em .4em;border-radius:.3em}
.s-ok{background:var(--ok);color:#fff}.s-off{background:var(--off);color:#000}.s-warn{background:var(--warn);color:#000}.s-crit{background:var(--crit);color:#fff}.s-unknown{background:var(--none);color:var(--fg)}
.band-ok{fill:var(--ok)}.band-off{fill:var(--off)}.band-warn{fill:var(--warn)}.band-crit{fill:var(--crit)}.band-none{fill:var(--none)}
.marker{stroke:var(--fg);fill:var(--fg);stroke-width:2}
.mix-metrics{fill:#0072B2}.mix-health{fill:#E69F00}.mix-notfound{fill:#D55E00}.mix-other{fill:#009E73}
.bar{fill:var(--bar)}.tick{font-size:10px;fill:var(--fg);text-anchor:middle}
.p95{stroke:var(--crit);stroke-width:3}.target{stroke:var(--ok);stroke-width:2;stroke-dasharray:6 3}
.series{fill:none;stroke:var(--ok);stroke-width:2}.projection{stroke:var(--crit);stroke-width:2;stroke-dasharray:5 4}
.limit-warning{stroke:var(--warn);stroke-dasharray:4 3}.limit-critical{stroke:var(--crit);stroke-dasharray:4 3}
.axis{font-size:9px;fill:var(--muted)}.axis.end{text-anchor:end}svg.chart{max-width:100%;height:auto;display:block}svg.chart[data-chart=gauge]{width:16em;min-width:10em}
"#;

/// Marks each chart with its drawn size and shapes, so that a browser test can read them.
const SCRIPT: &str = "for(const s of document.querySelectorAll('svg.chart')){const b=s.getBoundingClientRect();s.setAttribute('data-drawn',Math.round(b.width)+'x'+Math.round(b.height));let n=0;for(const e of s.querySelectorAll('rect,line,polyline,polygon,path')){const r=e.getBoundingClientRect();if(r.width>0||r.height>0)n++;}s.setAttribute('data-shapes',n);}document.body.setAttribute('data-ready','1');";

fn table<const N: usize>(out: &mut String, head: [&str; N], rows: &[[String; N]]) {
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn fleet_section(out: &mut String, f: &Fleet) {
    let _ = write!(
        out,
        "<section id=\"fleet\"><h2>Fleet: {}</h2><p class=\"muted\">{}, ranked by the ingest the recommended 30s scrape interval saves.</p>",
        crate::plural::n(f.rows.len() as u64, "target"),
        esc(&f.span())
    );
    table(
        out,
        [
            "Job", "Instance", "Metrics", "Health", "Worst", "Ingest", "Saves",
        ],
        &f.table_rows(),
    );
    table(out, super::fleet::JOB_HEAD, &f.job_rows());
    let drops = f.drop_lines();
    if !drops.is_empty() {
        out.push_str("<h3>Drop rules per job, most series saved first</h3><ul>");
        for line in drops {
            let _ = write!(out, "<li>{}</li>", esc(&line));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

fn mix_figure(out: &mut String, r: &Report) {
    let Some(t) = &r.traffic else { return };
    let total = t.total();
    let get = |id: &str| {
        r.patterns
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| p.requests)
    };
    let (m, h, n) = (
        get("metrics_scrapes"),
        get("health_checks"),
        get("not_found"),
    );
    let known = |v: Option<f64>| v.unwrap_or(0.0);
    let rest = (total - known(m) - known(h) - known(n)).max(0.0);
    // A kind the exposition does not record is "not recorded", as the table's N/A, not 0.
    let shown = [m, h, n, Some(rest)];
    let parts = [
        ("metrics", "metrics scrapes", known(m)),
        ("health", "health checks", known(h)),
        ("notfound", "404s", known(n)),
        ("other", "everything else", rest),
    ];
    out.push_str("<figure><figcaption>Request mix: where the requests went</figcaption>");
    out.push_str(&svg::mix(&parts, total));
    out.push_str("<table class=\"legend\"><tbody>");
    let values: Vec<f64> = parts.iter().map(|p| p.2).collect();
    for (((key, label, _), share), v) in parts.into_iter().zip(scale::shares(&values)).zip(shown) {
        let (count, share) = match v {
            Some(v) => (crate::detect::count(v), format!("{:.1}%", share * 100.0)),
            None => ("not recorded".to_string(), "N/A".to_string()),
        };
        let _ = write!(
            out,
            "<tr><td><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect class=\"mix-{key}\" width=\"12\" height=\"12\"/></svg> {label}</td><td data-mix=\"{key}\"{}>{count}</td><td>{share}</td></tr>",
            scale::data("data-value", v),
        );
    }
    out.push_str("</tbody></table></figure>");
}

fn checks_table(out: &mut String, r: &Report) {
    out.push_str("<h3>Thresholds</h3><table><thead><tr><th scope=\"col\">Metric</th><th scope=\"col\">Current</th><th scope=\"col\">Target</th><th scope=\"col\">Warning</th><th scope=\"col\">Critical</th><th scope=\"col\">Status</th><th scope=\"col\">Against the bands</th></tr></thead><tbody>");
    for (c, row) in r.checks.iter().zip(r.check_rows()) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"status s-{}\">{}</span></td><td>{}</td></tr>",
            esc(&row[0]),
            esc(&row[1]),
            esc(&row[2]),
            esc(&row[3]),
            esc(&row[4]),
            svg::class(c.status),
            esc(&row[5]),
            svg::gauge(c)
        );
    }
    out.push_str("</tbody></table>");
}

fn latency_figure(out: &mut String, r: &Report) {
    let Some((family, buckets)) = &r.latency else {
        return;
    };
    let check = r
        .checks
        .iter()
        .find(|c| c.measurement.check == "p95_latency");
    let p95 = check.and_then(|c| c.measurement.value);
    let target = check.and_then(|c| c.rule.target);
    let where_ = p95
        .and_then(|p| {
            let i = buckets.iter().position(|b| p <= b.0)?;
            let lower = if i == 0 { 0.0 } else { buckets[i - 1].0 };
            Some(format!(
                "P95 {p:.6}s lies in ({lower}, {}]",
                crate::model::le_text(buckets[i].0)
            ))
        })
        .unwrap_or_else(|| "no P95".into());
    let _ = write!(
        out,
        "<figure><figcaption>Latency: {} by bucket. {}{}. The solid line is the P95, placed inside its bucket as histogram_quantile interpolates; the dashed line is the target.</figcaption>{}</figure>",
        esc(family),
        esc(&where_),
        target.map(|t| format!("; target < {t}s")).unwrap_or_default(),
        svg::latency(buckets, p95, target)
    );
}

fn trends(out: &mut String, r: &Report) {
    if r.trends.is_empty() {
        return;
    }
    out.push_str("<h3>Trends over the range</h3>");
    for t in &r.trends {
        let rule = r
            .checks
            .iter()
            .find(|c| c.measurement.check == t.check)
            .map(|c| &c.rule);
        let limits: Vec<(f64, &str)> = rule
            .map(|r| {
                [(r.warning, "warning"), (r.critical, "critical")]
                    .into_iter()
                    .filter_map(|(v, k)| v.map(|v| (v, k)))
                    .collect()
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "<figure><figcaption>{}</figcaption>{}</figure>",
            esc(&t.describe()),
            svg::trend(&t.title, &t.points, &limits, t.reaches, &|v| t
                .unit
                .format(v))
        );
    }
}

fn cardinality(out: &mut String, r: &Report) {
    let Some(c) = &r.cost else { return };
    let _ = write!(
        out,
        "<h3>Cardinality</h3><figure><figcaption>{}</figcaption>{}</figure>",
        esc(&super::cost::summary(c)),
        super::cost_chart::families(c, super::cost::TOP)
    );
    table(out, super::cost::HEAD, &super::cost::family_rows(c));
    let suspects = super::cost::suspect_lines(c);
    if !suspects.is_empty() {
        out.push_str("<ul>");
        for line in suspects {
            let _ = write!(out, "<li>Suspect {}</li>", esc(&line));
        }
        out.push_str("</ul>");
    }
}

fn recommendations(out: &mut String, r: &Report) {
    out.push_str("<h3>Recommendations</h3>");
    if r.recommendations.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&r.no_recommendation()));
        return;
    }
    out.push_str("<ol>");
    for rec in &r.recommendations {
        let _ = write!(
            out,
            "<li><strong>[{}]</strong> {}<br><span class=\"muted\">Expected:</span> {}<br><span class=\"muted\">Evidence:</span> {}",
            rec.impact,
            esc(&rec.action),
            esc(&rec.expected),
            esc(&rec.evidence)
        );
        if rec.id == "scrape_interval" {
            out.push_str("<pre>scrape_interval: 30s\nscrape_timeout: 10s</pre>");
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
}

impl Renderer for HtmlRenderer {
    fn render(&self, reports: &[Report], fleet: Option<&Fleet>) -> String {
        let mut out = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\"><title>promtune report</title><style>{STYLE}</style></head><body><header><h1>promtune report</h1><p class=\"muted\">promtune {}, {} source{}</p></header><main>",
            env!("CARGO_PKG_VERSION"),
            reports.len(),
            if reports.len() == 1 { "" } else { "s" }
        );
        if let Some(f) = fleet {
            fleet_section(&mut out, f);
        }
        for (i, r) in reports.iter().enumerate() {
            let _ = write!(
                out,
                "<section class=\"report\" id=\"r{i}\"><h2>{}</h2><ul class=\"muted\">",
                esc(&r.source)
            );
            for line in r.header().iter().skip(1) {
                let _ = write!(out, "<li>{}</li>", esc(line));
            }
            out.push_str("</ul>");
            if let Some(e) = &r.error {
                let _ = write!(out, "<p><strong>Error:</strong> {}</p></section>", esc(e));
                continue;
            }
            mix_figure(&mut out, r);
            checks_table(&mut out, r);
            latency_figure(&mut out, r);
            trends(&mut out, r);
            recommendations(&mut out, r);
            cardinality(&mut out, r);
            out.push_str("<details><summary>How each figure was measured</summary><ul>");
            for n in r.notes() {
                let _ = write!(out, "<li>{}</li>", esc(&n));
            }
            out.push_str("</ul></details></section>");
        }
        let _ = writeln!(out, "</main><script>{SCRIPT}</script></body></html>");
        out
    }
}
