//! Label statistics gathered while the parser streams, for every family whether retained or
//! not: per label the distinct values (exact up to a bound) and the shapes of those values.
//!
//! The parser hands over each label's pair hash, taken while lexing, so counting a value
//! costs a set lookup and no hashing; a histogram's buckets repeat their series' labels, so
//! only the first sample of a series (and each bucket's `le`) is looked at.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::suspect::Shapes;
use super::LabelCost;

/// Distinct values remembered per label; past it `distinct` is a lower bound.
pub(super) const VALUES_PER_LABEL: usize = 10_000;

/// Values remembered over all labels of a page (about 40 MiB of hash sets at most).
pub(super) const VALUES_PER_PAGE: usize = 2_000_000;

/// A hasher for keys that are hashes already.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are expected; anything else is folded FNV-style, to stay correct.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Hashes = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// One label name's values in one family.
#[derive(Debug, Clone, Default)]
struct Tally {
    name: String,
    /// Series carrying the label, when counted.
    series: u64,
    seen: Hashes,
    capped: bool,
    shapes: Shapes,
}

/// The labels of one family (a family written in several places is one).
#[derive(Debug, Clone, Default)]
struct Gathered {
    name: String,
    line: u64,
    labels: Vec<Tally>,
}

/// One family's label statistics, as gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FamilyLabels {
    /// Family name (as in [`super::FamilyStats`]).
    pub name: String,
    /// The line of its first header or sample (for locations in SARIF and annotations).
    pub line: u64,
    /// Per label, by name; `series_after` stays unset here.
    pub labels: Vec<LabelCost>,
}

/// The gatherer the parser feeds.
#[derive(Debug, Default)]
pub struct Cardinality {
    families: Vec<Gathered>,
    index: HashMap<String, usize>,
    current: Option<usize>,
    /// The group (series without `le`/`quantile`) of the last sample.
    last_group: Option<u64>,
    /// Values remembered over all labels.
    kept: usize,
    /// Series per label are counted (only the lint asks).
    series_counted: bool,
}

impl Cardinality {
    /// A family header, at `line`: the samples that follow are its own.
    pub fn family(&mut self, name: &str, line: u64) {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.index.insert(name.to_string(), self.families.len());
                self.families.push(Gathered {
                    name: name.to_string(),
                    line,
                    labels: Vec::new(),
                });
                self.families.len() - 1
            }
        };
        self.current = Some(i);
        self.last_group = None;
    }

    /// Whether a sample of `group` starts a series other than the last sample's, whose
    /// labels are then to be given with [`Cardinality::value`].
    pub fn new_series(&mut self, group: u64) -> bool {
        self.last_group.replace(group) != Some(group)
    }

    /// A count that also counts, per label, the series that carry it.
    pub fn counting_series() -> Cardinality {
        Cardinality {
            series_counted: true,
            ..Cardinality::default()
        }
    }

    /// Whether the series carrying each label are counted.
    pub fn counts_series(&self) -> bool {
        self.series_counted
    }

    /// One label of the current sample: its position among the sample's labels (where it
    /// was last time, almost always), name, the pair's hash and the value. `SERIES`: the
    /// sample starts a series new to the family, which carries the label (counted only in
    /// a [`Cardinality::counting_series`]; a constant, so that the plain count is unchanged).
    pub fn value<const SERIES: bool>(&mut self, at: usize, name: &str, hash: u64, value: &str) {
        let Some(f) = self.current.and_then(|i| self.families.get_mut(i)) else {
            return;
        };
        let same = |t: &Tally| t.name.len() == name.len() && t.name == name;
        let i = match f.labels.get(at).filter(|t| same(t)) {
            Some(_) => at,
            None => match f.labels.iter().position(same) {
                Some(i) => i,
                None => {
                    f.labels.push(Tally {
                        name: name.to_string(),
                        ..Tally::default()
                    });
                    f.labels.len() - 1
                }
            },
        };
        let t = &mut f.labels[i];
        if SERIES {
            t.series += 1;
        }
        // Once counting has stopped, nothing more is learnt: no lookup.
        if t.capped || t.seen.contains(&hash) {
            return;
        }
        if t.seen.len() >= VALUES_PER_LABEL || self.kept >= VALUES_PER_PAGE {
            t.capped = true;
            return;
        }
        t.seen.insert(hash);
        self.kept += 1;
        t.shapes.add(value);
    }

    /// The statistics, per family in the order first seen, each label's suspect judged.
    pub fn finish(self) -> Vec<FamilyLabels> {
        self.families
            .into_iter()
            .map(|f| {
                let mut labels: Vec<LabelCost> = f
                    .labels
                    .into_iter()
                    .map(|t| LabelCost {
                        series: self.series_counted.then_some(t.series),
                        suspect: t.shapes.verdict(&t.name, t.seen.len() as u64),
                        distinct: t.seen.len() as u64,
                        distinct_capped: t.capped,
                        name: t.name,
                    })
                    .collect();
                labels.sort_by(|a, b| a.name.cmp(&b.name));
                FamilyLabels {
                    name: f.name,
                    line: f.line,
                    labels,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(c: &mut Cardinality, group: u64, labels: &[(&str, &str)]) {
        if c.new_series(group) {
            for (i, (n, v)) in labels.iter().enumerate() {
                c.value::<false>(i, n, hash(n, v), v);
            }
        }
    }

    fn hash(n: &str, v: &str) -> u64 {
        use std::hash::{BuildHasher, RandomState};
        thread_local!(static S: RandomState = RandomState::new());
        S.with(|s| s.hash_one((n, v)))
    }

    #[test]
    fn distinct_values_per_label_across_places() {
        let mut c = Cardinality::default();
        c.family("req", 1);
        for (g, path) in ["/a", "/b", "/a"].iter().enumerate() {
            feed(&mut c, g as u64, &[("path", path), ("code", "200")]);
        }
        c.family("other", 5);
        feed(&mut c, 9, &[("x", "1")]);
        // The family again (the text format allows it), labels in another order.
        c.family("req", 1);
        feed(&mut c, 7, &[("code", "500"), ("path", "/c")]);
        let got = c.finish();
        let req: Vec<(&str, u64)> = got[0]
            .labels
            .iter()
            .map(|l| (l.name.as_str(), l.distinct))
            .collect();
        assert_eq!(req, [("code", 2), ("path", 3)]);
        assert_eq!(got[1].name, "other");
    }

    #[test]
    fn counting_stops_at_the_bound_and_says_so() {
        let mut c = Cardinality::default();
        c.family("f", 1);
        let n = VALUES_PER_LABEL + 5;
        for i in 0..n {
            let v = format!("/api/items/{i}");
            feed(&mut c, i as u64, &[("path", &v), ("code", "200")]);
        }
        // Values already remembered are still recognised once the bound is reached.
        feed(
            &mut c,
            u64::MAX,
            &[("path", "/api/items/0"), ("code", "200")],
        );
        let got = c.finish();
        let code = &got[0].labels[0];
        let path = &got[0].labels[1];
        assert_eq!((code.distinct, code.distinct_capped), (1, false));
        assert_eq!(
            (path.distinct, path.distinct_capped),
            (VALUES_PER_LABEL as u64, true)
        );
        assert_eq!(
            path.suspect.as_ref().map(|s| s.kind),
            Some(crate::model::SuspectKind::RawPath)
        );
    }
}
