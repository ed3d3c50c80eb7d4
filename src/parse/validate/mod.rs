//! The semantic layer: assigns lexed lines to families, checks grouping, ordering and
//! values, and streams accepted samples to the sink.

mod values;

use values::describe;

use std::collections::HashMap;

use crate::model::{MetricType, Suffix};

use super::family::{Fam, Group, Groups};
use super::lexer::{Comment, Label, SampleLine};
use super::{hash, rules, Diagnostic, FamilyHeader, SampleRef, Sink};

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

    /// Starts family `name` at `line`, closing the current one.
    fn open(&mut self, name: &str, line: u64) -> Result<(), Failure> {
        self.close()?;
        if let Some(&(first, mtype)) = self.declared.get(name) {
            // Without metadata every sample name is its own family, so a name coming back
            // is ordinary in the text format (Prometheus's *.nometa.txt test files).
            if !self.om && mtype == MetricType::Unknown {
                self.fam = Some(self.new_fam(name, line));
                return Ok(());
            }
            let msg = format!(
                "family {name} appears again (first at line {first}); its samples are not together"
            );
            self.strict(self.om, line, 0, msg)?;
        }
        self.fam = Some(self.new_fam(name, line));
        Ok(())
    }

    /// A block of family `name` from `line`, knowing the groups of its earlier blocks when
    /// they are remembered (handed over, and given back with this block's at its end).
    fn new_fam(&mut self, name: &str, line: u64) -> Fam {
        let mut f = Fam::new(name.to_string(), line);
        if let Some((first, groups)) = self.history.as_mut().and_then(|h| h.remove(name)) {
            f.first = first;
            f.earlier = Some(groups);
        }
        f
    }

    /// Closes the current family: completes its last series and reports it to the sink.
    pub(crate) fn close(&mut self) -> Result<(), Failure> {
        self.previous_suffix = None;
        self.close_group()?;
        self.settle()?;
        if let Some(f) = self.fam.take() {
            self.declared
                .entry(f.name.clone())
                .or_insert((f.line, f.mtype));
            self.sink.facts(&f.facts);
            self.sink.end_family(f.stats());
            if let Some(h) = self.history.as_mut() {
                let groups = match f.earlier {
                    // Written again: this block's groups join the earlier ones.
                    Some(mut all) => {
                        all.extend(f.groups);
                        all
                    }
                    None => f.groups,
                };
                h.insert(f.name, (f.first, groups));
            }
        }
        Ok(())
    }

    /// Fixes the family's type: claims its sample names (OpenMetrics) and emits its header.
    #[inline]
    fn settle(&mut self) -> Result<(), Failure> {
        // Once per family; every sample asks.
        match &self.fam {
            Some(f) if f.emitted && (f.claimed || !self.om) => Ok(()),
            _ => self.settle_first(),
        }
    }

    #[cold]
    fn settle_first(&mut self) -> Result<(), Failure> {
        let Some(f) = self.fam.as_mut() else {
            return Ok(());
        };
        if self.om && !f.claimed {
            f.claimed = true;
            let names = std::iter::once(Suffix::None)
                .chain(rules::suffixes(f.mtype, true).iter().copied())
                .map(|s| format!("{}{}", f.name, s.as_str()));
            for n in names {
                if let Some(other) = self.claimed.get(&n) {
                    if *other != f.name {
                        return Err((
                            f.line,
                            0,
                            format!(
                                "{} {} clashes with family {other}: both use the name {n}",
                                f.mtype, f.name
                            ),
                        ));
                    }
                }
                self.claimed.insert(n, f.name.clone());
            }
        }
        if !f.emitted {
            f.emitted = true;
            self.sink.family(&FamilyHeader {
                name: &f.name,
                mtype: f.mtype,
                help: f.help.as_deref(),
                unit: f.unit.as_deref(),
                line: f.line,
            });
        }
        Ok(())
    }

    /// Text format: checks the buckets of the histogram series just left and drops them.
    fn compact_group(&mut self) -> Result<(), Failure> {
        let Some(f) = self.fam.as_mut() else {
            return Ok(());
        };
        let Some(mut g) = f.current.and_then(|h| f.hist.remove(&h)) else {
            return Ok(());
        };
        let problem = g.check_buckets(f);
        // Checked buckets are forgotten (open series must stay small); one vector is kept.
        let buckets = std::mem::take(&mut g.buckets);
        if f.spare.capacity() < buckets.capacity() {
            f.spare = buckets;
        }
        if let Some(h) = f.current {
            f.hist.insert(h, g);
        }
        match problem {
            Some((line, msg, _)) => Err((line, 0, msg)),
            None => Ok(()),
        }
    }

    /// Checks histogram groups: the one just left (OpenMetrics), or all that are open.
    fn close_group(&mut self) -> Result<(), Failure> {
        let om = self.om;
        let Some(f) = self.fam.as_mut() else {
            return Ok(());
        };
        let mut done: Vec<Group> = if om {
            f.current
                .and_then(|h| f.hist.remove(&h))
                .into_iter()
                .collect()
        } else {
            f.hist.drain().map(|(_, g)| g).collect()
        };
        done.sort_by_key(|g| g.line);
        let mut warnings = Vec::new();
        for mut g in done {
            for (line, msg, is_error) in g.histogram_problems(f, om) {
                if is_error {
                    return Err((line, 0, msg));
                }
                warnings.push((line, msg));
            }
            if f.spare.capacity() < g.buckets.capacity() {
                f.spare = std::mem::take(&mut g.buckets);
            }
        }
        for (line, msg) in warnings {
            self.warn(line, 1, msg);
        }
        Ok(())
    }

    /// Handles a `# HELP`, `# TYPE` or `# UNIT` line.
    pub(crate) fn metadata(&mut self, line: u64, c: Comment<'_>) -> Result<(), Failure> {
        self.previous_suffix = None;
        let (name, kind) = match &c {
            Comment::Help { name, .. } => (name, "HELP"),
            Comment::Type { name, .. } => (name, "TYPE"),
            Comment::Unit { name, .. } => (name, "UNIT"),
            Comment::Eof | Comment::Other => return Ok(()),
        };
        let current = self.fam.as_ref().is_some_and(|f| f.name == **name);
        if !current {
            self.open(name, line)?;
        }
        let om = self.om;
        let Some(f) = self.fam.as_mut() else {
            return Ok(());
        };
        if f.samples > 0 && (om || kind == "TYPE") {
            return Err((
                line,
                0,
                format!("{kind} line for {} comes after its samples", f.name),
            ));
        }
        let repeated = match &c {
            Comment::Help { .. } => f.help.is_some(),
            Comment::Type { .. } => f.has_type,
            _ => f.unit.is_some(),
        };
        if repeated {
            return Err((line, 0, format!("second {kind} line for {}", f.name)));
        }
        match c {
            Comment::Help { text, .. } => f.help = Some(text.into_owned()),
            Comment::Type { mtype, .. } => {
                f.mtype = mtype;
                f.has_type = true;
            }
            Comment::Unit { unit, unit_pos, .. } => {
                if !unit.is_empty() && !f.name.ends_with(&format!("_{unit}")) {
                    return Err((
                        line,
                        unit_pos,
                        format!(
                            "metric name {} must end with _{unit} to have unit {unit:?}",
                            f.name
                        ),
                    ));
                }
                f.unit = Some(unit.to_string());
            }
            Comment::Eof | Comment::Other => {}
        }
        if matches!(f.mtype, MetricType::Info | MetricType::StateSet)
            && f.unit.as_deref().is_some_and(|u| !u.is_empty())
        {
            return Err((
                line,
                0,
                format!("{} {} cannot have a unit", f.mtype, f.name),
            ));
        }
        Ok(())
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
        let (new_group, again) = self.track(line, s, labels, (group_hash, series_hash), bit)?;
        let mut new_group = new_group;
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
