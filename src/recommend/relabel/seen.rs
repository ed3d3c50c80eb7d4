//! The series a scrape brings, as Prometheus stores them: one entry per sample line, under
//! its stored name (`x_bucket`, `x_total`) with every label (`le` and `quantile` too). The
//! relabel decisions are checked against these, so none can merge two series.

use std::collections::HashMap;

use crate::model::{FamilyStats, MetricType};
use crate::parse::{FamilyHeader, SampleRef, Sink};

/// One stored sample: its name and its labels, sorted by name.
pub type Sample = (String, Vec<(String, String)>);

/// One family's stored samples.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenFamily {
    /// Family name as exposed.
    pub name: String,
    /// Declared type.
    pub mtype: MetricType,
    /// Every sample line of the family, in exposition order.
    pub samples: Vec<Sample>,
}

impl SeenFamily {
    /// The distinct stored names of the family, sorted.
    pub fn stored_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.samples.iter().map(|s| s.0.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The most samples kept to work out rules: each costs about half a KiB (its name and labels
/// as strings), so this bounds the memory at about 130 MiB whatever the page's size.
pub const MAX_SAMPLES: u64 = 250_000;

/// Every family of a scrape with its stored samples, gathered while parsing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    /// Families in exposition order (a family written in two places is one).
    pub families: Vec<SeenFamily>,
    /// True when the page had more than [`MAX_SAMPLES`] samples: the rest were not kept, and
    /// no rule may be worked out from a part of the page.
    pub truncated: bool,
}

impl Seen {
    /// Stored samples per scrape (Prometheus's `scrape_samples_scraped`).
    pub fn samples(&self) -> u64 {
        self.families.iter().map(|f| f.samples.len() as u64).sum()
    }
}

/// The parser's observer that fills a [`Seen`].
#[derive(Default)]
pub(crate) struct Gatherer {
    seen: Seen,
    index: HashMap<String, usize>,
    current: Option<usize>,
    kept: u64,
}

impl Gatherer {
    /// What was gathered.
    pub(crate) fn finish(self) -> Seen {
        self.seen
    }
}

impl Sink for Gatherer {
    fn family(&mut self, h: &FamilyHeader<'_>) {
        let fams = &mut self.seen.families;
        let i = *self.index.entry(h.name.to_string()).or_insert_with(|| {
            fams.push(SeenFamily {
                name: h.name.to_string(),
                mtype: h.mtype,
                samples: Vec::new(),
            });
            fams.len() - 1
        });
        self.current = Some(i);
    }

    fn sample(&mut self, s: &SampleRef<'_, '_>) {
        if self.kept >= MAX_SAMPLES {
            self.seen.truncated = true;
            return;
        }
        let Some(f) = self.current.and_then(|i| self.seen.families.get_mut(i)) else {
            return;
        };
        self.kept += 1;
        let mut labels: Vec<(String, String)> = s
            .labels
            .iter()
            .map(|l| (l.name.to_string(), l.value.to_string()))
            .collect();
        labels.sort();
        f.samples
            .push((format!("{}{}", f.name, s.suffix.as_str()), labels));
    }

    fn end_family(&mut self, _: FamilyStats) {
        self.current = None;
    }
}
