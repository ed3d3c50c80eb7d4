//! Puts parts of one input, parsed separately, back together in input order, making the
//! checks that cross parts: line numbers, families that appear again, text after `# EOF`.
//!
//! A part whose families might belong to an earlier part (the same name, or a name that is
//! an earlier family plus a suffix) cannot be judged alone: [`Merged::needs_context`] says
//! so, and the caller parses it again with the earlier families known.

use std::collections::HashMap;

use crate::model::{Family, FamilyStats, Keep, MetricType, Retention, Series, SeriesValue};

use super::reader::Part;
use super::validate::{Declared, MAX_WARNINGS};
use super::Diagnostic;

/// The parts merged so far.
#[derive(Default)]
pub(super) struct Merged {
    pub(super) families: Vec<Family>,
    family_at: HashMap<String, usize>,
    pub(super) stats: Vec<FamilyStats>,
    stats_at: HashMap<String, usize>,
    pub(super) latest_timestamp: Option<f64>,
    /// Lines merged so far: the next part's line offset.
    pub(super) lines: u64,
    pub(super) warnings: Vec<Diagnostic>,
    pub(super) warnings_total: u64,
    /// Every family seen so far, with absolute lines: what a re-parse starts from.
    pub(super) declared: Declared,
    /// The line of a `# EOF`, after which nothing may follow.
    pub(super) eof_at: Option<u64>,
}

/// The names a sample of family `name` could also be read as belonging to.
fn bases(name: &str) -> impl Iterator<Item = &str> {
    const SUFFIXES: [&str; 8] = [
        "_total", "_bucket", "_sum", "_count", "_created", "_gsum", "_gcount", "_info",
    ];
    std::iter::once(name).chain(SUFFIXES.iter().filter_map(move |x| name.strip_suffix(x)))
}

impl Merged {
    /// True when `part` holds a family the earlier parts already have, or one that could be
    /// the continuation of an earlier family (`x_bucket` after histogram `x`), or a warning
    /// that names a line by its number within the part.
    pub(super) fn needs_context(&self, part: &Part) -> bool {
        part.cites_lines
            || part
                .declared
                .keys()
                .any(|n| bases(n).any(|b| self.declared.contains_key(b)))
    }

    /// Appends `part`, whose line numbers are `shift` short of the input's.
    pub(super) fn absorb(&mut self, part: Part, shift: u64, retain: Option<Retention<'_>>) {
        self.lines = shift + part.last_line;
        self.eof_at = self.eof_at.or(part.eof_at.map(|l| l + shift));
        for mut w in part.warnings {
            if self.warnings.len() < MAX_WARNINGS {
                w.line += shift;
                self.warnings.push(w);
            }
        }
        self.warnings_total += part.warnings_total;
        for (name, (line, t)) in part.declared {
            self.declared.entry(name).or_insert((line + shift, t));
        }
        let snap = part.snapshot;
        self.latest_timestamp = match (self.latest_timestamp, snap.stats.latest_timestamp) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for s in snap.stats.families {
            match self.stats_at.get(&s.name) {
                Some(&i) => {
                    self.stats[i].series += s.series;
                    self.stats[i].samples += s.samples;
                }
                None => {
                    self.stats_at.insert(s.name.clone(), self.stats.len());
                    self.stats.push(s);
                }
            }
        }
        for mut f in snap.families {
            match self.family_at.get(&f.name) {
                Some(&i) => {
                    let by = retain.map_or(Keep::Everything, |r| r(&f.name, f.mtype));
                    let into = &mut self.families[i];
                    let summed = matches!(by, Keep::SumBy(_)) && into.mtype != MetricType::Summary;
                    merge_family(into, f, summed);
                }
                None => {
                    f.line += shift;
                    self.family_at.insert(f.name.clone(), self.families.len());
                    self.families.push(f);
                }
            }
        }
    }
}

/// Adds the series of a family that appeared again, as the snapshot builder would have had
/// it read them in one pass: summed series add up (finite values only), others take the
/// later value.
fn merge_family(into: &mut Family, from: Family, summed: bool) {
    for s in from.series {
        match into.series.iter_mut().find(|x| x.labels == s.labels) {
            Some(x) => merge_series(x, s, summed),
            None => into.series.push(s),
        }
    }
}

fn add(slot: &mut Option<f64>, v: Option<f64>, summed: bool) {
    *slot = match (*slot, v, summed) {
        (old, None, _) => old,
        (Some(old), Some(v), true) if v.is_finite() => Some(old + v),
        (Some(old), Some(_), true) => Some(old),
        (_, v, _) => v,
    };
}

fn merge_series(into: &mut Series, from: Series, summed: bool) {
    if from.timestamp.is_some() {
        into.timestamp = from.timestamp;
    }
    if from.created.is_some() {
        into.created = from.created;
    }
    match (&mut into.value, from.value) {
        (SeriesValue::Scalar(a), SeriesValue::Scalar(b)) if summed => *a += b,
        (SeriesValue::Scalar(a), SeriesValue::Scalar(b)) => *a = b,
        (
            SeriesValue::Histogram {
                buckets,
                sum,
                count,
            },
            SeriesValue::Histogram {
                buckets: bs,
                sum: s,
                count: c,
            },
        ) => {
            for b in bs {
                match buckets.iter_mut().find(|x| x.le == b.le).filter(|_| summed) {
                    Some(x) if b.count.is_finite() => x.count += b.count,
                    Some(_) => {}
                    None => buckets.push(b),
                }
            }
            add(sum, s, summed);
            add(count, c, summed);
        }
        (
            SeriesValue::Summary {
                quantiles,
                sum,
                count,
            },
            SeriesValue::Summary {
                quantiles: qs,
                sum: s,
                count: c,
            },
        ) => {
            quantiles.extend(qs);
            add(sum, s, summed);
            add(count, c, summed);
        }
        _ => {}
    }
}
