//! Value checks of the semantic layer: what each kind of sample may hold (counts, bounds,
//! quantiles, info and stateset values, exemplars) and the running histogram bucket checks.

use crate::model::{MetricType, Suffix};

use super::super::lexer::{Label, SampleLine};
use super::super::number::parse_value;
use super::super::{rules, Sink};
use super::{Failure, Validator};

impl<S: Sink> Validator<S> {
    /// Checks the value and the type-specific labels; returns the parsed `le` and `quantile`
    /// and, for a bucket or a quantile, the position of that label among `labels`.
    pub(super) fn check_values(
        &mut self,
        line: u64,
        mtype: MetricType,
        suffix: Suffix,
        s: &SampleLine<'_>,
        labels: &[Label<'_>],
    ) -> Result<Bounds, Failure> {
        let om = self.om;
        let name = &s.name;
        let v = s.value;
        let label = |n: &str| labels.iter().find(|l| l.name == n);
        if let Some(ex) = s.exemplar {
            if !rules::exemplar_allowed(mtype, suffix) {
                return Err((
                    line,
                    ex.pos,
                    format!("exemplars are not allowed on {name} ({mtype})"),
                ));
            }
        }
        let histogram = matches!(mtype, MetricType::Histogram | MetricType::GaugeHistogram);
        if rules::counter_like(mtype, suffix) && (v.is_nan() || v < 0.0) {
            // Bucket counts, _count and histogram values must always be valid; a plain
            // counter gone negative is accepted by Prometheus's text parser, so warn there.
            let hard = om || histogram || mtype == MetricType::Summary;
            self.strict(
                hard,
                line,
                s.value_pos,
                format!("{name} is {v}, but a {mtype} count cannot be negative or NaN"),
            )?;
        }
        if om && suffix == Suffix::Sum && v.is_nan() {
            return Err((line, s.value_pos, format!("{name} is NaN")));
        }
        let mut le = None;
        let mut quantile = None;
        let mut at = None;
        match (mtype, suffix) {
            (_, Suffix::Bucket) => {
                let Some((i, l)) = position(labels, b"le") else {
                    return Err((line, 0, format!("{name} has no \"le\" label")));
                };
                at = Some(i);
                let bound = if om && l.value.eq_ignore_ascii_case("+inf") && l.value != "+Inf" {
                    None
                } else {
                    bound(&l.value).filter(|b| !b.is_nan())
                };
                let Some(b) = bound else {
                    return Err((
                        line,
                        l.pos,
                        format!("invalid bucket bound le={:?}", l.value),
                    ));
                };
                le = Some(b);
            }
            (MetricType::Summary, Suffix::None) => {
                let Some((i, l)) = position(labels, b"quantile") else {
                    return Err((
                        line,
                        0,
                        format!("summary quantile {name} has no \"quantile\" label"),
                    ));
                };
                at = Some(i);
                let q = bound(&l.value).filter(|q| !q.is_nan());
                let in_range = q.is_some_and(|q| (0.0..=1.0).contains(&q));
                if q.is_none() || (om && !in_range) {
                    let msg = format!(
                        "invalid quantile {:?}: expected a number from 0 to 1",
                        l.value
                    );
                    return Err((line, l.pos, msg));
                }
                if !in_range {
                    // Go's text parser takes any number here; PromQL never will.
                    let msg = format!("quantile {:?} is outside 0..1", l.value);
                    self.warn(line, l.pos as u64 + 1, msg);
                }
                quantile = q;
            }
            (MetricType::Info, _) if v != 1.0 => {
                return Err((
                    line,
                    s.value_pos,
                    format!("info metric {name} must have the value 1, not {v}"),
                ));
            }
            (MetricType::StateSet, _) => {
                if v != 0.0 && v != 1.0 {
                    return Err((
                        line,
                        s.value_pos,
                        format!("stateset {name} must be 0 or 1, not {v}"),
                    ));
                }
                if label(name).is_none() {
                    return Err((
                        line,
                        0,
                        format!("stateset {name} needs a label called {name:?}"),
                    ));
                }
            }
            _ => {}
        }
        Ok(Bounds { le, quantile, at })
    }

    pub(super) fn update_histogram(
        &mut self,
        line: u64,
        suffix: Suffix,
        s: &SampleLine<'_>,
        le: Option<f64>,
    ) -> Result<(), Failure> {
        let Some(f) = self.fam.as_mut() else {
            return Ok(());
        };
        if !f.is_histogram() {
            return Ok(());
        }
        let Some(g) = f.current.and_then(|h| f.hist.get_mut(&h)) else {
            return Ok(());
        };
        match (suffix, le) {
            (Suffix::Bucket, Some(le)) => {
                let om = self.om;
                if om && g.last_le.is_some_and(|prev| le <= prev) {
                    return Err((
                        line,
                        0,
                        format!(
                            "bucket le=\"{le}\" of {} is not above the previous bound",
                            s.name
                        ),
                    ));
                }
                g.buckets.push((le, s.value, line));
                if om && g.last_le.is_some() && s.value < g.last_count {
                    return Err((
                        line,
                        s.value_pos,
                        format!(
                            "bucket count {} of {} le=\"{le}\" is below the previous bucket's {}",
                            s.value, s.name, g.last_count
                        ),
                    ));
                }
                g.negative_le |= le < 0.0;
                g.last_le = Some(le);
                g.last_count = s.value;
                if le == f64::INFINITY {
                    g.inf = Some(s.value);
                }
            }
            (Suffix::Sum | Suffix::GSum, _) => g.sum = Some(s.value),
            (Suffix::Count | Suffix::GCount, _) => g.count = Some(s.value),
            _ => {}
        }
        Ok(())
    }
}

/// What [`Validator::check_values`] read: a bucket's bound, a quantile, and where the label
/// holding either is.
pub(super) struct Bounds {
    pub(super) le: Option<f64>,
    pub(super) quantile: Option<f64>,
    pub(super) at: Option<usize>,
}

/// The label called `name`, and its position: a comparison of a known length, which the
/// compiler makes a load and a compare (a `str` comparison called `memcmp` for two bytes).
fn position<'l, 'a, const N: usize>(
    labels: &'l [Label<'a>],
    name: &[u8; N],
) -> Option<(usize, &'l Label<'a>)> {
    labels
        .iter()
        .enumerate()
        .find(|(_, l)| l.name.as_bytes() == name)
}

/// `{a="1",b="2"}` for messages, or nothing for an empty set.
///
/// Built with `push_str`, not `format!`: it runs once per histogram series.
pub(super) fn describe(labels: &[Label<'_>]) -> String {
    // Sized once: growing it label by label cost a reallocation or two per series.
    let size: usize = labels
        .iter()
        .map(|l| l.name.len() + l.value.len() + 4)
        .sum();
    let mut out = String::with_capacity(size + 1);
    for l in labels.iter().filter(|l| l.name != "le") {
        out.push(if out.is_empty() { '{' } else { ',' });
        out.push_str(&l.name);
        out.push_str("=\"");
        if l.value.contains(['"', '\\', '\n']) {
            out.extend(l.value.escape_debug());
        } else {
            out.push_str(&l.value);
        }
        out.push('"');
    }
    if !out.is_empty() {
        out.push('}');
    }
    out
}

/// An `le` or `quantile` value, blanks around it allowed (as Go's parser allows them); tried
/// as written first, since trimming costs more than the parse of a clean value.
fn bound(value: &str) -> Option<f64> {
    parse_value(value).or_else(|| parse_value(value.trim()))
}
