//! A key figure over a range: its points, the least-squares line through them, which way it
//! goes, and when a rising figure crosses its critical line, as `predict_linear` would say.

use crate::threshold::{Direction, Rule, Unit};

/// Which way a figure goes over the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heading {
    /// Up by more than [`FLAT`] of its mean over the range.
    Rising,
    /// Down by more than [`FLAT`] of its mean over the range.
    Falling,
    /// Neither.
    Flat,
    /// Too little data, or too scattered a line, to say: see [`MIN_SPAN`], [`MIN_POINTS`],
    /// [`MIN_R2`].
    Unclear,
}

impl Heading {
    /// `rising`, `falling` or `flat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Heading::Rising => "rising",
            Heading::Falling => "falling",
            Heading::Flat => "flat",
            Heading::Unclear => "unclear",
        }
    }
}

/// A change over the range smaller than this share of the mean is flat.
const FLAT: f64 = 0.05;
/// How straight the line must be (R²) for a crossing time to be worth saying.
const LINEAR: f64 = 0.9;
/// The least time the points must span for a slope per hour to mean anything: half an hour
/// (five minutes of data said "+1.77s per hour").
const MIN_SPAN: f64 = 1800.0;
/// The fewest points a trend is fitted on.
const MIN_POINTS: usize = 10;
/// The least R² for a direction: below it, the line explains under half of the variation
/// (a step, such as traffic that stopped, or noise).
const MIN_R2: f64 = 0.5;

/// One key figure over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The check (`memory`, `p95_latency`, …).
    pub check: String,
    /// Its title and unit, for text.
    pub title: String,
    /// The unit of the values.
    pub unit: Unit,
    /// `(unix seconds, value)`, oldest first.
    pub points: Vec<(f64, f64)>,
    /// The fitted slope, per second.
    pub slope: Option<f64>,
    /// How well the line fits (R², 0–1).
    pub r2: Option<f64>,
    /// Which way it goes.
    pub heading: Heading,
    /// When a rising figure reaches its critical line: `(limit, seconds after the range's end)`.
    pub reaches: Option<(f64, f64)>,
}

/// Least squares: `(slope, intercept, r²)`; `None` when the line is not finite.
///
/// Values near f64's limit would overflow the sums (and give a `NaN` slope that reads as
/// "falling"), so the fit runs on the values divided by the largest and is scaled back.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let scale = points.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let scaled: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1 / scale)).collect();
    let (slope, icpt, r2) = fit_scaled(&scaled)?;
    let line = (slope * scale, icpt * scale, r2);
    (line.0.is_finite() && line.1.is_finite() && line.2.is_finite()).then_some(line)
}

fn fit_scaled(points: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 3 {
        return None;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r2 = if syy == 0.0 {
        1.0
    } else {
        (sxy * sxy) / (sxx * syy)
    };
    Some((slope, my - slope * mx, r2))
}

impl Trend {
    /// The trend of `points` (finite values only) under `rule`, the range ending at `end`.
    pub fn new(rule: &Rule, points: Vec<(f64, f64)>, start: f64, end: f64) -> Trend {
        let mut points: Vec<(f64, f64)> = points.into_iter().filter(|p| p.1.is_finite()).collect();
        // Collected in place, the points keep the decoded answer's larger allocation (a pair
        // with its text, 40 bytes a point); a fleet keeps a trend per check per target.
        points.shrink_to_fit();
        let line = fit(&points);
        // The mean of halves, doubled: a sum of values near f64's limit would overflow.
        let mean = if points.is_empty() {
            0.0
        } else {
            points
                .iter()
                .map(|p| p.1 / 2.0 / points.len() as f64)
                .sum::<f64>()
                * 2.0
        };
        let span = match (points.first(), points.last()) {
            (Some(a), Some(b)) => b.0 - a.0,
            _ => 0.0,
        };
        let enough = points.len() >= MIN_POINTS && span >= MIN_SPAN;
        let heading = match line {
            Some(_) | None if !enough => Heading::Unclear,
            Some((slope, _, r2)) => {
                let change = slope * (end - start);
                if change.abs() <= FLAT * mean.abs() || change == 0.0 {
                    Heading::Flat
                } else if r2 < MIN_R2 {
                    Heading::Unclear
                } else if change > 0.0 {
                    Heading::Rising
                } else {
                    Heading::Falling
                }
            }
            None => Heading::Flat,
        };
        let reaches = match (line, rule.critical) {
            (Some((slope, icpt, r2)), Some(limit))
                if heading == Heading::Rising
                    && rule.direction == Direction::Higher
                    && r2 >= LINEAR =>
            {
                let now = slope * end + icpt;
                let secs = (limit - now) / slope;
                (now < limit && secs.is_finite()).then_some((limit, secs))
            }
            _ => None,
        };
        Trend {
            check: rule.check.to_string(),
            title: rule.title.to_string(),
            unit: rule.unit,
            points,
            slope: line.map(|l| l.0),
            r2: line.map(|l| l.2),
            heading,
            reaches,
        }
    }

    /// One line: `Memory Usage: rising, +200MB/h (R² 1.00); reaches 1000MB (critical) in 54m`.
    pub fn describe(&self) -> String {
        let mut s = format!("{}: {}", self.title, self.heading.as_str());
        if self.heading == Heading::Unclear {
            let span = match (self.points.first(), self.points.last()) {
                (Some(a), Some(b)) => b.0 - a.0,
                _ => 0.0,
            };
            let minutes = (span / 60.0).round().clamp(0.0, 5.3e11) as u64;
            let why = match self.r2 {
                _ if self.points.len() < MIN_POINTS || span < MIN_SPAN => format!(
                    "{} over {minutes}m, under the {} points over {}m a trend needs",
                    crate::plural::n(self.points.len() as u64, "point"),
                    MIN_POINTS,
                    MIN_SPAN as u64 / 60
                ),
                Some(r2) => format!("the points fit no line (R² {r2:.2}, under {MIN_R2})"),
                None => "no line fits the points".into(),
            };
            s.push_str(&format!(" ({why})"));
            return s;
        }
        if let (Some(slope), Some(r2), false) = (self.slope, self.r2, self.heading == Heading::Flat)
        {
            // Per hour, unless that passes f64's range (a slope near its limit).
            let (rate, per) = match slope.abs() * 3600.0 {
                h if h.is_finite() => (h, "hour"),
                _ => (slope.abs(), "second"),
            };
            let sign = if slope > 0.0 { "+" } else { "-" };
            // A ratio's slope is a change of the percentage itself, not relative to it.
            let amount = match self.unit {
                Unit::Ratio => format!("{:.2} percentage points", rate * 100.0),
                u => u.format(rate),
            };
            s.push_str(&format!(", {sign}{amount} per {per} (R² {r2:.2})"));
        }
        if let Some((limit, secs)) = self.reaches {
            // Whole minutes, at most a million years: past that the date means nothing, and
            // the seconds would overflow.
            let minutes = (secs / 60.0).round().clamp(0.0, 5.3e11) as u64;
            let d = humantime::format_duration(std::time::Duration::from_secs(minutes * 60));
            s.push_str(&format!(
                "; reaches {} (critical) in {d}",
                self.unit.format(limit)
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::Thresholds;

    #[test]
    fn a_linear_leak_reaches_the_critical_line() {
        let t = Thresholds::default_table();
        let mb = 1024.0 * 1024.0;
        // 200MB an hour, 820MB at the end: 180MB to go, 54 minutes.
        let points: Vec<(f64, f64)> = (0..=60)
            .map(|i| (i as f64 * 60.0, 620.0 * mb + 200.0 * mb * i as f64 / 60.0))
            .collect();
        let tr = Trend::new(t.rule("memory").unwrap(), points, 0.0, 3600.0);
        assert_eq!(tr.heading, Heading::Rising);
        let (limit, secs) = tr.reaches.unwrap();
        assert_eq!(limit, 1000.0 * mb);
        assert!((secs - 3240.0).abs() < 1e-6, "{secs}");
        assert_eq!(
            tr.describe(),
            "Memory Usage: rising, +200MB per hour (R² 1.00); reaches 1000MB (critical) in 54m"
        );
        let flat = Trend::new(
            t.rule("memory").unwrap(),
            (0..10)
                .map(|i| (i as f64 * 300.0, 300.0 * mb + (i % 2) as f64))
                .collect(),
            0.0,
            2700.0,
        );
        assert_eq!((flat.heading, flat.reaches), (Heading::Flat, None));
    }

    #[test]
    fn short_or_scattered_series_are_not_called_trends() {
        let t = Thresholds::default_table();
        let p95 = t.rule("p95_latency").unwrap();
        // Five minutes of a clean rise: 31 points, but a slope per hour from 5m is a guess.
        let short: Vec<(f64, f64)> = (0..=30)
            .map(|i| (i as f64 * 10.0, 0.1 + i as f64 * 0.01))
            .collect();
        let tr = Trend::new(p95, short, 0.0, 300.0);
        assert_eq!((tr.heading, tr.reaches), (Heading::Unclear, None));
        assert_eq!(
            tr.describe(),
            "Response Time (P95): unclear (31 points over 5m, under the 10 points over 30m a trend needs)"
        );
        // An hour of noise (50/s and 250/s in turn) over a slight drift: the line explains
        // almost none of it, so no rate of change per hour is said.
        let rate = t.rule("request_rate").unwrap();
        let step: Vec<(f64, f64)> = (0..60)
            .map(|i| {
                (
                    i as f64 * 60.0,
                    50.0 + (i % 2) as f64 * 200.0 + i as f64 * 0.5,
                )
            })
            .collect();
        let tr = Trend::new(rate, step, 0.0, 3600.0);
        assert!(tr.r2.unwrap() < MIN_R2, "{:?}", tr.r2);
        assert_eq!(tr.heading, Heading::Unclear, "{}", tr.describe());
        assert!(
            tr.describe().contains("the points fit no line (R² 0."),
            "{}",
            tr.describe()
        );
        assert!(!tr.describe().contains("per hour"));
    }

    #[test]
    fn a_ratios_slope_is_in_percentage_points() {
        let t = Thresholds::default_table();
        // The error rate from 1% to 3% over an hour: +2 points an hour, not "+2%".
        let points: Vec<(f64, f64)> = (0..=60)
            .map(|i| (i as f64 * 60.0, 0.01 + 0.02 * i as f64 / 60.0))
            .collect();
        let tr = Trend::new(t.rule("error_rate").unwrap(), points, 0.0, 3600.0);
        assert!(
            tr.describe()
                .contains("rising, +2.00 percentage points per hour (R² 1.00)"),
            "{}",
            tr.describe()
        );
    }

    #[test]
    fn figures_near_f64s_limit_fit_without_overflow() {
        let t = Thresholds::default_table();
        // Rising from 1e307 to 1.6e308: the plain sums pass f64's range (a NaN slope read as
        // "falling" before the fit was scaled).
        let points: Vec<(f64, f64)> = (0..=15)
            .map(|i| (i as f64 * 120.0, 1e307 * (i + 1) as f64))
            .collect();
        let tr = Trend::new(t.rule("memory").unwrap(), points, 0.0, 1800.0);
        assert_eq!(tr.heading, Heading::Rising);
        let slope = tr.slope.unwrap();
        assert!((slope / (1e307 / 120.0) - 1.0).abs() < 1e-9, "{slope}");
        assert!((tr.r2.unwrap() - 1.0).abs() < 1e-9);
        // A crossing far past a million years is said without overflowing the seconds.
        let far = Trend {
            reaches: Some((1000.0 * 1024.0 * 1024.0, 1e300)),
            ..tr
        };
        assert!(
            far.describe()
                .contains(" per second (R² 1.00); reaches 1000MB (critical) in 1007681years"),
            "{}",
            far.describe()
        );
    }
}
