//! Gathers [`Family`] facts from promtune's own parser, as it streams (text format and
//! OpenMetrics): a family written in several places is one.

use std::collections::HashMap;

use super::family::{Family, Seen};
use crate::model::{FamilyStats, Suffix};
use crate::parse::{FamilyHeader, SampleRef, Sink};

/// The families of one page, in the order they first appear.
#[derive(Debug, Default)]
pub struct Gather {
    families: Vec<Family>,
    index: HashMap<String, usize>,
    current: Option<usize>,
    /// Label values are tallied (for `unbounded_label`).
    tally: bool,
}

impl Gather {
    /// A gatherer; `tally`: count label values too (only the lint needs them).
    pub fn new(tally: bool) -> Gather {
        Gather {
            tally,
            ..Gather::default()
        }
    }

    /// The families gathered, from an OpenMetrics page (`om`) or a text-format one.
    pub fn families(mut self, om: bool) -> Vec<Family> {
        for f in &mut self.families {
            f.om = om;
        }
        self.families
    }
}

impl Sink for Gather {
    fn family(&mut self, h: &FamilyHeader<'_>) {
        let i = match self.index.get(h.name) {
            Some(&i) => i,
            None => {
                let f = Family::new(h.name, h.mtype, h.line);
                self.index.insert(h.name.to_string(), self.families.len());
                self.families.push(f);
                self.families.len() - 1
            }
        };
        let f = &mut self.families[i];
        f.help |= h.help.is_some_and(|t| !t.is_empty());
        if f.unit.is_none() {
            f.unit = h.unit.map(str::to_string);
        }
        self.current = Some(i);
    }

    fn sample(&mut self, s: &SampleRef<'_, '_>) {
        let tally = self.tally;
        let Some(f) = self.current.and_then(|i| self.families.get_mut(i)) else {
            return;
        };
        if s.suffix == Suffix::Created {
            return;
        }
        f.total |= s.suffix == Suffix::Total;
        let skip = if s.le.is_some() {
            "le"
        } else if s.quantile.is_some() {
            "quantile"
        } else {
            ""
        };
        let seen = Seen {
            group: s.group,
            own: false,
            width: !skip.is_empty(),
            tally,
        };
        let labels = s
            .labels
            .iter()
            .filter(|l| l.name != skip)
            .map(|l| (&*l.name, &*l.value));
        f.sample(seen, labels);
    }

    fn end_family(&mut self, stats: FamilyStats) {
        if let Some(f) = self.current.take().and_then(|i| self.families.get_mut(i)) {
            f.samples += stats.samples;
        }
    }
}
