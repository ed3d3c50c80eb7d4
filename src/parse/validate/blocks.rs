//! Blocks of a family: opening one (knowing its earlier blocks when they are remembered),
//! emitting its header once its type is settled, and closing it, with the checks that wait
//! for a histogram's series or the whole block to end.

use crate::model::{MetricType, Suffix};

use super::super::family::{Fam, Group};
use super::super::{rules, FamilyHeader, Sink};
use super::{Failure, Validator};

impl<S: Sink> Validator<S> {
    /// Starts family `name` at `line`, closing the current one.
    pub(super) fn open(&mut self, name: &str, line: u64) -> Result<(), Failure> {
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
    pub(super) fn settle(&mut self) -> Result<(), Failure> {
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
    pub(super) fn compact_group(&mut self) -> Result<(), Failure> {
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
    pub(super) fn close_group(&mut self) -> Result<(), Failure> {
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
}
