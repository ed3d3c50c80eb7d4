//! The semantic layer: assigns lexed lines to families, checks grouping, ordering and
//! values, and streams accepted samples to the sink.

mod blocks;
mod metadata;
mod values;

use values::describe;

use std::collections::HashMap;

use crate::model::{MetricType, Suffix};

use super::family::{Fam, Group, Groups};
use super::lexer::{Label, SampleLine};
use super::{hash, rules, Diagnostic, SampleRef, Sink};

/// A semantic error: message plus `(line, byte offset)`.
pub(crate) type Failure = (u64, usize, String);

/// How many warnings are kept (all are counted).
const MAX_WARNINGS: usize = 100;

pub(crate) struct Validator<S> {
    om: bool,
    pub(crate) sink: S,
    fam: Option<Fam>,
    /// Family name → first line and type, for families declared or appearing twice.
    declared: HashMap<String, (u64, MetricType)>,
    /// OpenMetrics: sample name → the family that may use it.
    claimed: HashMap<String, String>,
    pub(crate) warnings: Vec<Diagnostic>,
    pub(crate) warnings_total: u64,
    /// The suffix of the previous sample in the current family: a line repeating that
    /// sample's name has it too (forgotten whenever a family opens or metadata comes).
    previous_suffix: Option<Suffix>,
    /// Family name → the groups of its blocks so far, when the sink asked for [`Facts`](super::Facts)
    /// ([`Sink::wants_facts`]); `None` otherwise, and then no facts are gathered.
    /// With each family, its first series (whose buckets every block counts). The block's
    /// own map of groups is kept, not copied: the lint then costs nothing per series here.
    history: Option<HashMap<String, (Option<u64>, Groups)>>,
}

impl<S: Sink> Validator<S> {
    pub(crate) fn new(om: bool, sink: S) -> Self {
        Validator {
            history: sink.wants_facts().then(HashMap::new),
            om,
            sink,
            fam: None,
            declared: HashMap::new(),
            claimed: HashMap::new(),
            warnings: Vec::new(),
            warnings_total: 0,
            previous_suffix: None,
        }
    }

    pub(crate) fn warn(&mut self, line: u64, column: u64, message: String) {
        self.warnings_total += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Diagnostic {
                line,
                column,
                message,
            });
        }
    }

    /// A problem that stops OpenMetrics input but is only a warning in the text format.
    fn strict(&mut self, om: bool, line: u64, pos: usize, msg: String) -> Result<(), Failure> {
        if om {
            Err((line, pos, msg))
        } else {
            self.warn(line, pos as u64 + 1, msg);
            Ok(())
        }
    }

    /// Handles a sample line whose labels are `labels`.
    pub(crate) fn sample(
        &mut self,
        line: u64,
        s: &SampleLine<'_>,
        labels: &[Label<'_>],
    ) -> Result<(), Failure> {
        let om = self.om;
        let mut suffix = self.previous_suffix.take().filter(|_| s.repeat);
        if suffix.is_none() {
            suffix = self
                .fam
                .as_ref()
                .and_then(|f| rules::suffix_of(&f.name, f.mtype, &s.name, om));
        }
        if suffix.is_none() {
            if let Some(f) = self.fam.as_ref().filter(|f| f.name == *s.name) {
                let expected: Vec<String> = rules::suffixes(f.mtype, om)
                    .iter()
                    .map(|x| format!("{}{}", f.name, x.as_str()))
                    .collect();
                return Err((
                    line,
                    0,
                    format!(
                        "{} {} has no sample called {}: expected {}",
                        f.mtype,
                        f.name,
                        s.name,
                        expected.join(", ")
                    ),
                ));
            }
            match self.earlier_family(&s.name) {
                Some((base, mtype, sfx)) => {
                    self.open(&base, line)?;
                    if let Some(f) = self.fam.as_mut() {
                        f.mtype = mtype;
                        f.has_type = true;
                    }
                    suffix = Some(sfx);
                }
                None => {
                    self.open(&s.name, line)?;
                    suffix = Some(Suffix::None);
                }
            }
        }
        let suffix = suffix.unwrap_or(Suffix::None);
        self.settle()?;
        let Some(mtype) = self.fam.as_ref().map(|f| f.mtype) else {
            return Ok(());
        };

        // A bucket's group is its series without `le`, a quantile's without `quantile`.
        let values::Bounds {
            le,
            quantile,
            at: skip,
        } = self.check_values(line, mtype, suffix, s, labels)?;
        let (group_hash, full) = hash::label_set(labels, skip);
        // Within a family a sample name is the family name plus its suffix.
        let series_hash = hash::combine(full, suffix as u64 + 1);
        // Buckets and quantiles repeat within a group by design; their own checks
        // (bucket bounds, group close) catch duplicates there.
        let bit = if skip.is_some() {
            0
        } else {
            1u32 << (suffix as u32)
        };
        let (mut new_group, again) = self.track(line, s, labels, (group_hash, series_hash), bit)?;
        if let Some(f) = self.fam.as_mut() {
            f.samples += 1;
            if self.history.is_some() {
                new_group = f.note(group_hash, (new_group, again), suffix, skip.is_some());
            }
        }
        if matches!(
            suffix,
            Suffix::Bucket | Suffix::Sum | Suffix::Count | Suffix::GSum | Suffix::GCount
        ) {
            self.update_histogram(line, suffix, s, le)?;
        }
        self.previous_suffix = Some(suffix);
        self.sink.sample(&SampleRef {
            group: group_hash,
            new_group,
            skip,
            suffix,
            labels,
            value: s.value,
            timestamp: s.timestamp,
            le,
            quantile,
        });
        Ok(())
    }

    /// A family closed earlier that sample `name` belongs to (Envoy and kube-state-metrics
    /// scatter a family's samples), as `(family, type, suffix)`.
    fn earlier_family(&self, name: &str) -> Option<(String, MetricType, Suffix)> {
        const SUFFIXES: [&str; 8] = [
            "_total", "_bucket", "_sum", "_count", "_created", "_gsum", "_gcount", "_info",
        ];
        let bases =
            std::iter::once(name).chain(SUFFIXES.iter().filter_map(|x| name.strip_suffix(x)));
        for base in bases {
            if let Some(&(_, t)) = self.declared.get(base) {
                if let Some(sfx) = rules::suffix_of(base, t, name, self.om) {
                    return Some((base.to_string(), t, sfx));
                }
            }
        }
        None
    }

    /// Group and series bookkeeping: grouping, duplicates and timestamp order. Returns
    /// whether the sample's group is new in this block of the family, and whether a sample
    /// of the same series (same group and suffix) came before in it.
    fn track(
        &mut self,
        line: u64,
        s: &SampleLine<'_>,
        labels: &[Label<'_>],
        (group_hash, series_hash): (u64, u64),
        bit: u32,
    ) -> Result<(bool, bool), Failure> {
        let om = self.om;
        let switched = self
            .fam
            .as_ref()
            .is_some_and(|f| f.current != Some(group_hash));
        if switched && om {
            self.close_group()?;
        } else if switched {
            self.compact_group()?;
        }
        let Some(f) = self.fam.as_mut() else {
            return Ok((false, false));
        };
        // Another bucket or quantile of the group just read changes nothing there: no lookup.
        let (new_group, mask) = if !switched && bit == 0 {
            (false, 0)
        } else {
            match f.groups.get_mut(&group_hash) {
                Some(m) => (false, std::mem::replace(m, *m | bit)),
                None => {
                    f.groups.insert(group_hash, bit);
                    (true, 0)
                }
            }
        };
        if switched {
            f.current = Some(group_hash);
            if new_group {
                f.series += 1;
                if f.is_histogram() {
                    let buckets = std::mem::take(&mut f.spare);
                    f.hist
                        .insert(group_hash, Group::new(line, describe(labels), buckets));
                }
            } else if om {
                let msg = format!(
                    "samples of series {}{} are not together",
                    s.name,
                    describe(labels)
                );
                return Err((line, 0, msg));
            }
        }
        let Some(f) = self.fam.as_mut() else {
            return Ok((new_group, false));
        };
        let again = mask & bit != 0;
        let consecutive = f.last.is_some_and(|(h, _)| h == series_hash);
        let previous_ts = f.last.and_then(|(_, t)| t);
        f.last = Some((series_hash, s.timestamp));
        if consecutive {
            match (previous_ts, s.timestamp) {
                (Some(a), Some(b)) if b >= a => {}
                (Some(a), Some(b)) => {
                    let msg = format!("timestamp {b} of {} goes back from {a}", s.name);
                    self.strict(om, line, s.timestamp_pos, msg)?;
                }
                _ => {
                    let msg = format!("duplicate sample for series {}{}", s.name, describe(labels));
                    self.strict(om, line, 0, msg)?;
                }
            }
        } else if mask & bit != 0 {
            let msg = format!("duplicate series {}{}", s.name, describe(labels));
            self.strict(om, line, 0, msg)?;
        }
        Ok((new_group, again))
    }
}
