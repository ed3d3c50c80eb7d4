//! The HTML report's charts, as inline SVG written here: the request mix, a gauge per check,
//! the latency histogram with its P95, and trends. Every chart has a title, every number is
//! also text, and colours come from the Okabe–Ito palette with a pattern of words beside
//! them, so that no reader depends on telling colours apart.

use std::fmt::Write as _;

use crate::threshold::{Check, Direction, Status};

/// Escapes text for HTML and SVG.
pub(crate) use crate::escape::html::text as esc;

/// The colour class of a status (the stylesheet maps them for light and dark).
pub(crate) fn class(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::OffTarget => "off",
        Status::Warning => "warn",
        Status::Critical => "crit",
        Status::Unknown => "unknown",
    }
}

const W: f64 = 560.0;

fn open(kind: &str, title: &str, h: f64, data: &str) -> String {
    format!(
        "<svg class=\"chart\" data-chart=\"{kind}\" {data} viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\"><title>{}</title>",
        esc(title)
    )
}

/// The request mix: one bar of segments (metrics scrapes, health checks, 404s, the rest).
pub(crate) fn mix(parts: &[(&str, &str, f64)], total: f64) -> String {
    let mut s = open(
        "mix",
        "Request mix",
        34.0,
        &format!("data-total=\"{total}\""),
    );
    let mut x = 0.0;
    for (key, label, n) in parts {
        let w = if total > 0.0 { W * n / total } else { 0.0 };
        let _ = write!(
            s,
            "<rect class=\"mix-{key}\" x=\"{x:.2}\" y=\"4\" width=\"{w:.2}\" height=\"26\"><title>{}: {n}</title></rect>",
            esc(label)
        );
        x += w;
    }
    s.push_str("</svg>");
    s
}

/// Where `v` falls on a scale from 0 to `max`, in pixels.
fn at(v: f64, max: f64) -> f64 {
    (v / max).clamp(0.0, 1.0) * W
}

/// A check as a gauge: its bands (target, warning, critical) and a marker at the value.
pub(crate) fn gauge(c: &Check) -> String {
    let r = &c.rule;
    let limits: Vec<f64> = [r.target, r.warning, r.critical]
        .into_iter()
        .flatten()
        .collect();
    let top = match r.direction {
        Direction::Lower if r.unit == crate::threshold::Unit::Ratio => 1.0,
        _ => {
            let m = limits.iter().copied().fold(0.0, f64::max) * 1.3;
            m.max(c.measurement.value.unwrap_or(0.0) * 1.1).max(1e-9)
        }
    };
    let data = format!(
        "data-check=\"{}\" data-status=\"{}\"{}",
        esc(c.measurement.check),
        c.status,
        c.measurement
            .value
            .map(|v| format!(" data-value=\"{v}\""))
            .unwrap_or_default()
    );
    let title = format!("{} against its thresholds", r.title);
    let mut s = open("gauge", &title, 30.0, &data);
    // Bands are 14 units tall in a 30-unit box; at 16em wide the marker stays visible.
    // Bands from worst to best in the rule's direction.
    let bands: Vec<(f64, f64, &str)> = match r.direction {
        Direction::Higher => {
            let (t, w, c2) = (r.target, r.warning.or(r.critical), r.critical);
            vec![
                (0.0, t.unwrap_or(top), "ok"),
                (t.unwrap_or(top), w.unwrap_or(top), "off"),
                (w.unwrap_or(top), c2.unwrap_or(top), "warn"),
                (c2.unwrap_or(top), top, "crit"),
            ]
        }
        Direction::Lower => {
            let (t, w, c2) = (r.target, r.warning, r.critical);
            vec![
                (0.0, c2.unwrap_or(0.0), "crit"),
                (c2.unwrap_or(0.0), w.unwrap_or(0.0), "warn"),
                (w.unwrap_or(0.0), t.unwrap_or(0.0), "off"),
                (t.unwrap_or(0.0), top, "ok"),
            ]
        }
    };
    if limits.is_empty() {
        let _ = write!(
            s,
            "<rect class=\"band-none\" x=\"0\" y=\"8\" width=\"{W}\" height=\"14\"/>"
        );
    } else {
        for (a, b, k) in bands.into_iter().filter(|(a, b, _)| b > a) {
            let _ = write!(
                s,
                "<rect class=\"band-{k}\" x=\"{:.2}\" y=\"8\" width=\"{:.2}\" height=\"14\"/>",
                at(a, top),
                at(b, top) - at(a, top)
            );
        }
    }
    if let Some(v) = c.measurement.value {
        let x = at(v, top);
        let _ = write!(
            s,
            "<line class=\"marker\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"2\" y2=\"28\"/><polygon class=\"marker\" points=\"{:.2},2 {:.2},2 {x:.2},8\"/>",
            x - 5.0,
            x + 5.0
        );
    }
    s.push_str("</svg>");
    s
}

/// The latency histogram: a bar per bucket (its own count, not the cumulative one), the P95
/// where `histogram_quantile` puts it (linear inside its bucket), and the target line.
pub(crate) fn latency(buckets: &[(f64, f64)], p95: Option<f64>, target: Option<f64>) -> String {
    let n = buckets.len().max(1) as f64;
    let bw = W / n;
    let counts: Vec<f64> = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| b.1 - if i == 0 { 0.0 } else { buckets[i - 1].1 })
        .collect();
    let max = counts.iter().copied().fold(0.0, f64::max).max(1.0);
    let data = p95.map(|p| format!("data-p95=\"{p}\"")).unwrap_or_default();
    let mut s = open(
        "latency",
        "Request latency by histogram bucket, with the P95",
        160.0,
        &data,
    );
    for (i, c) in counts.iter().enumerate() {
        let h = 120.0 * c / max;
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{h:.2}\"><title>le {}: {c}</title></rect><text x=\"{:.2}\" y=\"152\" class=\"tick\">{}</text>",
            i as f64 * bw + 1.0,
            130.0 - h,
            bw - 2.0,
            crate::model::le_text(buckets[i].0),
            i as f64 * bw + bw / 2.0,
            esc(&crate::model::le_text(buckets[i].0))
        );
    }
    // Position of a latency on the bucket axis: inside bucket i, linear from its lower bound.
    let place = |v: f64| {
        let i = buckets.iter().position(|b| v <= b.0)?;
        let lower = if i == 0 { 0.0 } else { buckets[i - 1].0 };
        let upper = buckets[i].0;
        let frac = if upper.is_finite() && upper > lower {
            (v - lower) / (upper - lower)
        } else {
            0.0
        };
        Some(i as f64 * bw + frac * bw)
    };
    if let Some(x) = target.and_then(place) {
        let _ = write!(s, "<line class=\"target\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"4\" y2=\"132\"><title>target</title></line>");
    }
    if let Some(x) = p95.and_then(place) {
        let _ = write!(s, "<line class=\"p95\" data-x=\"{x:.2}\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"4\" y2=\"132\"><title>P95</title></line>");
    }
    s.push_str("</svg>");
    s
}

/// A trend: the points as a line, the warning and critical lines, the projection to the
/// critical line when there is one, and the axes' ends as text (`fmt` writes a value).
pub(crate) fn trend(
    title: &str,
    points: &[(f64, f64)],
    limits: &[(f64, &str)],
    reaches: Option<(f64, f64)>,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let (t0, t1) = (
        points.first().map_or(0.0, |p| p.0),
        points.last().map_or(1.0, |p| p.0),
    );
    let end = reaches.map_or(t1, |(_, secs)| t1 + secs.min(t1 - t0));
    let vmax = points
        .iter()
        .map(|p| p.1)
        .chain(limits.iter().map(|l| l.0))
        .fold(0.0, f64::max)
        .max(1e-12)
        * 1.1;
    let x = |t: f64| {
        if end > t0 {
            (t - t0) / (end - t0) * W
        } else {
            0.0
        }
    };
    let y = |v: f64| 110.0 - v / vmax * 100.0;
    let mut s = open(
        "trend",
        title,
        120.0,
        &format!("data-points=\"{}\"", points.len()),
    );
    for (v, k) in limits {
        let _ = write!(s, "<line class=\"limit-{k}\" x1=\"0\" x2=\"{W}\" y1=\"{:.2}\" y2=\"{:.2}\"><title>{k} {v}</title></line>", y(*v), y(*v));
    }
    let _ = write!(
        s,
        "<text class=\"axis\" x=\"2\" y=\"10\">{}</text><text class=\"axis\" x=\"2\" y=\"118\">{}</text><text class=\"axis end\" x=\"{W}\" y=\"118\">{}</text>",
        esc(&fmt(vmax)),
        esc(&super::rfc3339(t0)),
        esc(&super::rfc3339(end))
    );
    let pts: Vec<String> = points
        .iter()
        .map(|p| format!("{:.2},{:.2}", x(p.0), y(p.1)))
        .collect();
    let _ = write!(
        s,
        "<polyline class=\"series\" points=\"{}\"/>",
        pts.join(" ")
    );
    if let (Some((limit, secs)), Some(last)) = (reaches, points.last()) {
        let _ = write!(
            s,
            "<line class=\"projection\" x1=\"{:.2}\" y1=\"{:.2}\" x2=\"{:.2}\" y2=\"{:.2}\"><title>predict_linear</title></line>",
            x(last.0),
            y(last.1),
            x(last.0 + secs.min(t1 - t0)),
            y(last.1 + (limit - last.1) * (secs.min(t1 - t0) / secs))
        );
    }
    s.push_str("</svg>");
    s
}
