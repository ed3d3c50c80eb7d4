//! Per-family state while streaming: metadata, the series and groups seen, and the checks
//! that can only be made when a histogram's series or a whole family is complete.

use crate::model::{le_text, FamilyStats, MetricType, Suffix};

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::hash::PassThrough;
use super::Facts;

/// Label-set hashes of a family's groups, each with a bit per suffix seen.
pub(crate) type Groups = HashMap<u64, u32, BuildHasherDefault<PassThrough>>;

/// The family currently being read.
#[derive(Debug)]
pub(crate) struct Fam {
    pub(crate) name: String,
    pub(crate) mtype: MetricType,
    pub(crate) has_type: bool,
    pub(crate) help: Option<String>,
    pub(crate) unit: Option<String>,
    pub(crate) line: u64,
    /// The header has been handed to the sink.
    pub(crate) emitted: bool,
    /// OpenMetrics: the family's sample names have been claimed.
    pub(crate) claimed: bool,
    pub(crate) samples: u64,
    pub(crate) series: u64,
    /// Label-set hashes of the groups seen (a group is a series without `le`/`quantile`),
    /// each with a bit per suffix seen, so one map answers both "new series?" and
    /// "duplicate sample?".
    pub(crate) groups: Groups,
    /// The group of the previous sample.
    pub(crate) current: Option<u64>,
    /// Histogram groups still open. The text format lets a client write all buckets first
    /// and all sums later (prometheus-client-mmap does), so they are checked at family end.
    pub(crate) hist: HashMap<u64, Group, BuildHasherDefault<PassThrough>>,

    /// The previous sample's series hash and timestamp.
    pub(crate) last: Option<(u64, Option<f64>)>,
    /// A bucket vector handed back by a checked series, for the next one to fill: a fresh
    /// vector per series cost several reallocations each.
    pub(crate) spare: Vec<(f64, f64, u64)>,
    /// What the lint asks beyond the counts ([`Facts`]).
    pub(crate) facts: Facts,
    /// The family's first series, whose buckets or quantiles are [`Facts::first_width`].
    pub(crate) first: Option<u64>,
    /// The groups of the family's earlier blocks, when it is written again further on and
    /// the sink asked for them to be remembered.
    pub(crate) earlier: Option<Groups>,
}

impl Fam {
    pub(crate) fn new(name: String, line: u64) -> Fam {
        Fam {
            name,
            mtype: MetricType::Unknown,
            has_type: false,
            help: None,
            unit: None,
            line,
            emitted: false,
            claimed: false,
            samples: 0,
            series: 0,
            groups: HashMap::default(),
            current: None,
            hist: HashMap::default(),
            last: None,
            spare: Vec::new(),
            facts: Facts::default(),
            first: None,
            earlier: None,
        }
    }

    pub(crate) fn stats(&self) -> FamilyStats {
        FamilyStats {
            name: self.name.clone(),
            mtype: self.mtype,
            series: self.series,
            samples: self.samples,
        }
    }

    /// Counts a sample into [`Facts`], `(new, again)` being the block's answers: its group
    /// is new to the block, its series came before in it. Returns whether the group is new
    /// to the family, the earlier blocks counted. (Inlined: it runs for every sample.)
    #[inline(always)]
    pub(crate) fn note(
        &mut self,
        group: u64,
        (new, again): (bool, bool),
        suffix: Suffix,
        bound: bool,
    ) -> bool {
        let facts = &mut self.facts;
        // A bucket or quantile repeats its series by design; a `_created` is not counted.
        let counted = !bound && suffix != Suffix::Created;
        let mut fresh = false;
        if new {
            if self
                .earlier
                .as_ref()
                .is_some_and(|e| e.contains_key(&group))
            {
                facts.duplicates += u64::from(counted);
            } else {
                fresh = true;
                facts.series += 1;
                self.first.get_or_insert(group);
            }
        } else if again && counted {
            facts.duplicates += 1;
        }
        if bound && self.first == Some(group) {
            facts.first_width += 1;
        }
        facts.total |= suffix == Suffix::Total;
        fresh
    }

    /// True for histograms and gauge histograms, whose groups get bucket checks.
    pub(crate) fn is_histogram(&self) -> bool {
        matches!(
            self.mtype,
            MetricType::Histogram | MetricType::GaugeHistogram
        )
    }
}

/// One series of a histogram or summary (or one plain series) as it streams in.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) line: u64,
    /// The series' labels as written, for messages (histograms only).
    pub(crate) desc: String,
    pub(crate) last_le: Option<f64>,
    pub(crate) last_count: f64,
    /// `(le, count, line)` of each bucket, in the order written.
    pub(crate) buckets: Vec<(f64, f64, u64)>,
    pub(crate) inf: Option<f64>,
    pub(crate) negative_le: bool,
    pub(crate) sum: Option<f64>,
    pub(crate) count: Option<f64>,
}

impl Group {
    pub(crate) fn new(line: u64, desc: String, buckets: Vec<(f64, f64, u64)>) -> Group {
        Group {
            line,
            desc,
            last_le: None,
            last_count: 0.0,
            buckets,
            inf: None,
            negative_le: false,
            sum: None,
            count: None,
        }
    }

    /// Checks the buckets seen so far (sorted by `le`: bounds distinct, counts cumulative),
    /// then forgets them, keeping only what the end-of-family checks need. Called when a
    /// text-format series is left, so that open series cost a few words, not their buckets.
    pub(crate) fn check_buckets(&mut self, fam: &Fam) -> Option<(u64, String, bool)> {
        let what = || format!("{} {}{}", fam.mtype, fam.name, self.desc);
        self.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut problem = None;
        for w in self.buckets.windows(2) {
            let ((le0, c0, _), (le1, c1, l1)) = (w[0], w[1]);
            // Compared as numbers; formatted only for the message.
            if le0 == le1 {
                let msg = format!("{} has two buckets with le=\"{}\"", what(), le_text(le1));
                problem = Some((l1, msg, true));
                break;
            }
            if c1 < c0 {
                let msg = format!(
                    "{}: bucket le=\"{}\" counts {c1}, below bucket le=\"{}\" ({c0})",
                    what(),
                    le_text(le1),
                    le_text(le0)
                );
                problem = Some((l1, msg, true));
                break;
            }
        }
        self.buckets.clear();
        problem
    }

    /// Problems found once the series is complete: `(line, message, is_error)`; a problem
    /// that is only a warning in the text format is an error in OpenMetrics.
    ///
    /// The text format does not order buckets (prometheus-client-mmap writes `+Inf` first),
    /// so they are sorted by `le` here before the cumulative counts are checked.
    pub(crate) fn histogram_problems(&mut self, fam: &Fam, om: bool) -> Vec<(u64, String, bool)> {
        if let Some(p) = self.check_buckets(fam) {
            return vec![p];
        }
        // Only formatted when there is something to say: this runs for every histogram series.
        let what = || format!("{} {}{}", fam.mtype, fam.name, self.desc);
        let line = self.line;
        let (sum_name, count_name) = match fam.mtype {
            MetricType::GaugeHistogram => ("_gsum", "_gcount"),
            _ => ("_sum", "_count"),
        };
        let mut out = Vec::new();
        if self.inf.is_none() {
            out.push((
                line,
                format!("{} has no bucket with le=\"+Inf\"", what()),
                true,
            ));
        }
        if om && self.sum.is_some() != self.count.is_some() {
            let (has, lacks) = if self.sum.is_some() {
                (sum_name, count_name)
            } else {
                (count_name, sum_name)
            };
            out.push((line, format!("{} has {has} but no {lacks}", what()), true));
        }
        if let (Some(count), Some(inf)) = (self.count, self.inf) {
            if count != inf {
                out.push((
                    line,
                    format!(
                        "{}: {count_name} is {count} but the +Inf bucket is {inf}",
                        what()
                    ),
                    om,
                ));
            }
        }
        if let Some(sum) = self.sum {
            if om && (sum.is_nan() || (sum < 0.0 && !self.negative_le)) {
                out.push((
                    line,
                    format!(
                        "{}: {sum_name} is {sum}, which needs negative buckets",
                        what()
                    ),
                    true,
                ));
            }
        }
        out
    }
}
