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
            Some(&i) => {
                // Written again further on: the parser's new groups are new to this block only.
                self.families[i].reopen();
                i
            }
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
            f.created(s.group, s.new_group);
            return;
        }
        f.total |= s.suffix == Suffix::Total;
        let seen = Seen {
            group: s.group,
            new: Some(s.new_group),
            own: false,
            width: s.skip.is_some(),
            tally,
        };
        // The bucket bound or quantile, by its position: no name compared.
        let labels = s.labels.iter().enumerate();
        f.sample(
            seen,
            labels.filter(|(k, _)| Some(*k) != s.skip).map(|(_, l)| l),
        );
    }

    fn end_family(&mut self, stats: FamilyStats) {
        if let Some(f) = self.current.take().and_then(|i| self.families.get_mut(i)) {
            f.samples += stats.samples;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_observed, Format, FormatChoice, ParseOptions};

    fn families(text: &str, format: Format) -> Vec<Family> {
        let mut g = Gather::new(true);
        let opts = ParseOptions {
            format: FormatChoice::Fixed(format),
            ..ParseOptions::default()
        };
        parse_observed(text.as_bytes(), &opts, &mut g).unwrap_or_else(|e| panic!("{e}"));
        g.families(format == Format::OpenMetrics)
    }

    /// The parser says which groups are new in each place a family is written; a family
    /// written in two places counts a series of the first place written again in the second
    /// as a duplicate, and one new to the second as a series.
    #[test]
    fn a_family_written_twice_counts_its_series_across_both_places() {
        let text = "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 1\n# TYPE b gauge\nb 1\n\
                    a{x=\"2\"} 2\na{x=\"3\"} 1\na{x=\"3\"} 1\n";
        let f = families(text, Format::Prometheus);
        assert_eq!(f.len(), 2);
        let a = &f[0];
        assert_eq!((a.name.as_str(), a.series, a.duplicates), ("a", 3, 2));
        assert_eq!(a.labels.len(), 1);
        assert_eq!(f[1].series, 1);
    }

    /// A series whose `_created` comes first is counted once, at its first counted sample,
    /// and is no duplicate.
    #[test]
    fn a_series_whose_created_comes_first_is_one_series() {
        let text = "# TYPE c counter\nc_created{x=\"1\"} 1\nc_total{x=\"1\"} 2\n\
                    c_created{x=\"2\"} 1\nc_total{x=\"2\"} 2\n# EOF\n";
        let f = families(text, Format::OpenMetrics);
        assert_eq!((f[0].series, f[0].duplicates, f[0].total), (2, 0, true));
    }

    /// Histogram series: one series each, however many buckets; the first series' buckets
    /// are its width; a series written again after another is no duplicate for the lint (the
    /// parser's own check reports that).
    #[test]
    fn histogram_series_are_counted_once_with_their_width() {
        let bucket = |x: u8, le: &str| format!("h_bucket{{x=\"{x}\",le=\"{le}\"}} 1\n");
        let mut text = String::from("# TYPE h histogram\n");
        for x in 1..=2 {
            for le in ["1", "2", "+Inf"] {
                text.push_str(&bucket(x, le));
            }
        }
        text.push_str(
            "h_sum{x=\"1\"} 1\nh_count{x=\"1\"} 1\nh_sum{x=\"2\"} 1\nh_count{x=\"2\"} 1\n",
        );
        let f = families(&text, Format::Prometheus);
        let h = &f[0];
        assert_eq!((h.series, h.duplicates, h.first_width), (2, 0, 3));
        // `le` is the bucket bound, not a label of the series.
        assert_eq!(h.labels.len(), 1);
        assert_eq!(h.le_series, 0);
    }

    /// `(unbounded, example)` of label `name` of the first family.
    fn unbounded(f: &[Family], name: &str) -> (u64, Option<String>) {
        let l = f[0].labels.iter().find(|l| l.name == name).expect(name);
        (l.unbounded, l.example.clone())
    }

    /// Each distinct value is tallied once, in the order of the series; past 256 distinct
    /// values of a label nothing more is counted (here the first 256 hold 128 IDs).
    #[test]
    fn the_tally_counts_each_value_once_and_stops_at_256() {
        let mut text = String::from("# TYPE g gauge\n");
        for i in 0..300 {
            let v = if i % 2 == 0 {
                format!("{}", 1_000_000 + i)
            } else {
                format!("name{i}")
            };
            text.push_str(&format!(
                "g{{id=\"{v}\",x=\"a\"}} 1\ng{{id=\"{v}\",x=\"b\"}} 1\n"
            ));
        }
        text.push_str("g{id=\"1000000\",x=\"c\"} 1\n");
        let f = families(&text, Format::Prometheus);
        assert_eq!(f[0].series, 601);
        assert_eq!(unbounded(&f, "id"), (128, Some("1000000".into())));
        assert_eq!(unbounded(&f, "x").0, 0);
    }

    /// A series whose `_created` comes first shows its values to the parser's count before
    /// the lint tallies them, and a `_created` alone is never tallied: each ID counts once.
    #[test]
    fn values_first_seen_in_created_samples_are_tallied_once() {
        let mut text = String::from("# TYPE c counter\n");
        for id in ["1000001", "1000002", "1000003"] {
            text.push_str(&format!(
                "c_created{{id=\"{id}\"}} 1\nc_total{{id=\"{id}\"}} 2\n"
            ));
        }
        text.push_str("c_created{id=\"1000004\"} 1\nc_total{id=\"1000005\"} 1\n# EOF\n");
        let f = families(&text, Format::OpenMetrics);
        assert_eq!(f[0].series, 4);
        assert_eq!(unbounded(&f, "id"), (4, Some("1000001".into())));
    }

    /// Past the 64 labels the parser answers for, values are still tallied once each.
    #[test]
    fn a_series_with_more_than_64_labels_is_tallied_too() {
        let mut text = String::from("# TYPE w gauge\n");
        let fixed: Vec<String> = (0..70).map(|k| format!("l{k}=\"v\"")).collect();
        for id in ["1000001", "1000002", "1000001", "1000003"] {
            text.push_str(&format!("w{{{},z=\"{id}\"}} 1\n", fixed.join(",")));
        }
        let f = families(&text, Format::Prometheus);
        assert_eq!((f[0].series, f[0].duplicates), (3, 1));
        assert_eq!(unbounded(&f, "z"), (3, Some("1000001".into())));
    }
}
