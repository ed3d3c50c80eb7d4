//! The HTML report's charts, as inline SVG written here: the request mix, a gauge per check,
//! the latency histogram with its P95, and trends. Every chart has a title, every number is
//! also text, and colours come from the Okabe–Ito palette with a pattern of words beside
//! them, so that no reader depends on telling colours apart. Any finite input draws: the
//! arithmetic is `scale`'s, which keeps every attribute finite.

use std::fmt::Write as _;

use super::scale::{data, finite, fraction, shares, Px};

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

pub(super) const W: f64 = 560.0;

pub(super) fn open(kind: &str, title: &str, h: f64, data: &str) -> String {
    format!(
        "<svg class=\"chart\" data-chart=\"{kind}\" {data} viewBox=\"0 0 {W} {h}\" width=\"{W}\" height=\"{h}\" role=\"img\"><title>{}</title>",
        esc(title)
    )
}

/// The request mix: one bar of segments (metrics scrapes, health checks, 404s, the rest).
pub(crate) fn mix(parts: &[(&str, &str, f64)], total: f64) -> String {
    let mut s = open("mix", "Request mix", 34.0, &data("data-total", Some(total)));
    let mut x = 0.0;
    let values: Vec<f64> = parts.iter().map(|p| p.2).collect();
    for ((key, label, n), share) in parts.iter().zip(shares(&values)) {
        let w = W * share;
        let _ = write!(
            s,
            "<rect class=\"mix-{key}\" x=\"{}\" y=\"4\" width=\"{}\" height=\"26\"><title>{}: {n}</title></rect>",
            Px(x),
            Px(w),
            esc(label)
        );
        x += w;
    }
    s.push_str("</svg>");
    s
}

/// Where `v` falls on a scale from 0 to `max`, in pixels.
fn at(v: f64, max: f64) -> f64 {
    (finite(v) / max).clamp(0.0, 1.0) * W
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
            finite(m.max(c.measurement.value.unwrap_or(0.0) * 1.1)).max(1e-9)
        }
    };
    let data = format!(
        "data-check=\"{}\" data-status=\"{}\"{}",
        esc(c.measurement.check),
        c.status,
        data("data-value", c.measurement.value)
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
                "<rect class=\"band-{k}\" x=\"{}\" y=\"8\" width=\"{}\" height=\"14\"/>",
                Px(at(a, top)),
                Px(at(b, top) - at(a, top))
            );
        }
    }
    if let Some(v) = c.measurement.value {
        let x = at(v, top);
        let _ = write!(
            s,
            "<line class=\"marker\" x1=\"{}\" x2=\"{}\" y1=\"2\" y2=\"28\"><title>{}</title></line><polygon class=\"marker\" points=\"{},2 {},2 {},8\"/>",
            Px(x),
            Px(x),
            esc(&r.unit.format(v)),
            Px(x - 5.0),
            Px(x + 5.0),
            Px(x)
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
        .map(|(i, b)| finite(b.1 - if i == 0 { 0.0 } else { buckets[i - 1].1 }).max(0.0))
        .collect();
    let max = counts.iter().copied().fold(0.0, f64::max).max(1.0);
    let data = data("data-p95", p95);
    let mut s = open(
        "latency",
        "Request latency by histogram bucket, with the P95",
        160.0,
        &data,
    );
    // The count axis: both ends, in requests per bucket.
    let _ = write!(
        s,
        "<text class=\"axis\" data-axis=\"count\" x=\"2\" y=\"12\">{} requests</text><text class=\"axis\" data-axis=\"count\" x=\"2\" y=\"130\">0</text>",
        esc(&crate::detect::count(max.round()))
    );
    for (i, c) in counts.iter().enumerate() {
        let h = 120.0 * (c / max);
        // Each bar is its bucket's own range, (lower, upper], as the bounds really are.
        let lower = if i == 0 { 0.0 } else { buckets[i - 1].0 };
        let bounds = format!(
            "{}–{}",
            crate::model::le_text(lower),
            crate::model::le_text(buckets[i].0)
        );
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>({}]: {c}</title></rect><text x=\"{}\" y=\"152\" class=\"tick\">{}</text>",
            Px(i as f64 * bw + 1.0),
            Px(130.0 - h),
            Px(bw - 2.0),
            Px(h),
            esc(&bounds.replace('–', ", ")),
            Px(i as f64 * bw + bw / 2.0),
            esc(&bounds)
        );
    }
    // Position of a latency on the bucket axis: inside bucket i, linear from its lower bound.
    let place = |v: f64| {
        let i = buckets.iter().position(|b| v <= b.0)?;
        let lower = if i == 0 { 0.0 } else { buckets[i - 1].0 };
        let upper = buckets[i].0;
        let frac = if upper.is_finite() {
            fraction(v, lower, upper).clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some(Px(i as f64 * bw + frac * bw))
    };
    if let Some(x) = target.and_then(place) {
        let _ = write!(s, "<line class=\"target\" x1=\"{x}\" x2=\"{x}\" y1=\"4\" y2=\"132\"><title>target</title></line>");
    }
    if let Some(x) = p95.and_then(place) {
        let _ = write!(s, "<line class=\"p95\" data-x=\"{x}\" x1=\"{x}\" x2=\"{x}\" y1=\"4\" y2=\"132\"><title>P95</title></line>");
    }
    s.push_str("</svg>");
    s
}

/// The usual time between consecutive points (their median gap), if there are two.
fn median_step(points: &[(f64, f64)]) -> Option<f64> {
    let mut gaps: Vec<f64> = points.windows(2).map(|w| w[1].0 - w[0].0).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_by(f64::total_cmp);
    Some(gaps[gaps.len() / 2])
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
    // The value axis runs from 0 (or the lowest point, when one is negative) to a tenth
    // above the highest point or line.
    let values = || points.iter().map(|p| finite(p.1));
    let vmax = finite(
        values()
            .chain(limits.iter().map(|l| finite(l.0)))
            .fold(0.0, f64::max)
            .max(1e-12)
            * 1.1,
    );
    let vmin = values().fold(0.0, f64::min);
    let x = |t: f64| fraction(t, t0, end) * W;
    let y = |v: f64| (110.0 - fraction(finite(v), vmin, vmax) * 100.0).clamp(0.0, 120.0);
    let mut s = open(
        "trend",
        title,
        120.0,
        &format!("data-points=\"{}\"", points.len()),
    );
    for (v, k) in limits {
        let _ = write!(s, "<line class=\"limit-{k}\" x1=\"0\" x2=\"{W}\" y1=\"{}\" y2=\"{}\"><title>{k} {v}</title></line>", Px(y(*v)), Px(y(*v)));
    }
    // Both ends of the value axis: its bottom (0, or the lowest point) and its top.
    let _ = write!(
        s,
        "<text class=\"axis\" x=\"2\" y=\"108\">{}</text>",
        esc(&fmt(vmin))
    );
    let _ = write!(
        s,
        "<text class=\"axis\" x=\"2\" y=\"10\">{}</text><text class=\"axis\" x=\"2\" y=\"118\">{}</text><text class=\"axis end\" x=\"{W}\" y=\"118\">{}</text>",
        esc(&fmt(vmax)),
        esc(&super::rfc3339(t0)),
        esc(&super::rfc3339(end))
    );
    // A gap in the data is a gap in the line: a new subpath wherever the time to the next
    // point is more than 1.5 times the usual step (the median), so nothing is drawn across
    // time with no samples.
    let step = median_step(points);
    let mut d = String::new();
    for (i, p) in points.iter().enumerate() {
        let gap = i == 0 || step.is_some_and(|st| p.0 - points[i - 1].0 > 1.5 * st);
        let _ = write!(
            d,
            "{}{}{},{}",
            if i == 0 { "" } else { " " },
            if gap { "M" } else { "L" },
            Px(x(p.0)),
            Px(y(p.1))
        );
    }
    let _ = write!(s, "<path class=\"series\" d=\"{d}\"/>");
    if let (Some((limit, secs)), Some(last)) = (reaches, points.last()) {
        let _ = write!(
            s,
            "<line class=\"projection\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"><title>predict_linear</title></line>",
            Px(x(last.0)),
            Px(y(last.1)),
            Px(x(last.0 + secs.min(t1 - t0))),
            Px(y(last.1 + fraction(secs.min(t1 - t0), 0.0, secs) * (limit - last.1)))
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every attribute value of `svg`.
    fn attributes(svg: &str) -> Vec<&str> {
        svg.match_indices("=\"")
            .map(|(i, _)| {
                let rest = &svg[i + 2..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect()
    }

    fn finite_everywhere(svg: &str) {
        for a in attributes(svg) {
            let low = a.to_ascii_lowercase();
            assert!(!low.contains("nan") && !low.contains("inf"), "{a} in {svg}");
        }
    }

    #[test]
    fn trends_at_f64s_ends_draw_inside_the_box() {
        let points = [
            (0.0, 1.7e308),
            (60.0, -1.7e308),
            (120.0, 1e-300),
            (180.0, 0.0),
            (240.0, f64::MAX),
        ];
        let fmt = |v: f64| format!("{v:e}");
        let s = trend(
            "t",
            &points,
            &[(1e308, "critical")],
            Some((1e308, 1e300)),
            &fmt,
        );
        finite_everywhere(&s);
        // The lowest point is printed on the axis, and every point lies in the 120-unit box.
        assert!(s.contains(&format!(">{}<", fmt(-1.7e308))), "{s}");
        let series = "class=\"series\" d=\"";
        let line = &s[s.find(series).unwrap() + series.len()..];
        for xy in line[..line.find('"').unwrap()].split(' ') {
            let (x, y) = xy[1..].split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((0.0..=W).contains(&x) && (0.0..=120.0).contains(&y), "{xy}");
        }
    }

    #[test]
    fn a_gap_in_the_data_breaks_the_line_and_both_axes_have_two_ends() {
        // A point a minute, with the 10 minutes from 5 to 15 missing.
        let points: Vec<(f64, f64)> = (0..20)
            .filter(|i| !(5..15).contains(i))
            .map(|i| (i as f64 * 60.0, 10.0 + i as f64))
            .collect();
        let fmt = |v: f64| format!("{v:.1}/s");
        let s = trend("t", &points, &[], None, &fmt);
        let d = &s[s.find(" d=\"").unwrap() + 4..];
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "two pieces: {d}");
        assert_eq!(d.matches('L').count(), 8, "{d}");
        // The value axis's bottom and top, the time axis's start and end.
        for end in [
            ">0.0/s<",
            ">31.9/s<",
            ">1970-01-01T00:00:00.000Z<",
            ">1970-01-01T00:19:00.000Z<",
        ] {
            assert!(s.contains(end), "{end} in {s}");
        }
        // Without a gap, one piece.
        let whole: Vec<(f64, f64)> = (0..20).map(|i| (i as f64 * 60.0, 1.0)).collect();
        let s = trend("t", &whole, &[], None, &fmt);
        assert_eq!(s.matches('M').count(), 1, "{s}");
    }

    #[test]
    fn the_latency_chart_has_a_count_axis_and_each_buckets_bounds() {
        let buckets = [(0.1, 40.0), (0.5, 90.0), (f64::INFINITY, 100.0)];
        let s = latency(&buckets, Some(0.3), None);
        assert!(s.contains(">50 requests</text>"), "{s}");
        assert!(
            s.contains("data-axis=\"count\" x=\"2\" y=\"130\">0<"),
            "{s}"
        );
        for tick in [">0–0.1<", ">0.1–0.5<", ">0.5–+Inf<"] {
            assert!(s.contains(tick), "{tick} in {s}");
        }
        assert!(s.contains("<title>(0.1, 0.5]: 50</title>"), "{s}");
    }

    #[test]
    fn a_mix_past_f64s_range_fills_the_bar() {
        let bar = mix(&[("a", "a", 1.7e308), ("b", "b", 1.7e308)], f64::INFINITY);
        finite_everywhere(&bar);
        assert!(bar.contains("width=\"280.00\""), "{bar}");
    }

    #[test]
    fn a_latency_axis_from_minus_to_plus_1e308() {
        let buckets = [
            (-1.7e308, 1e-300),
            (1.7e308, 1.7e308),
            (f64::INFINITY, 1.7e308),
        ];
        let s = latency(&buckets, Some(1e308), Some(-1e308));
        finite_everywhere(&s);
        assert!(s.contains("data-p95=\"1"), "{s}");
    }
}
