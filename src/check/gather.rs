//! Gathers [`Family`] facts from promtune's own parser (text format and OpenMetrics): per
//! family, the counts its validator makes anyway ([`Facts`]) and the label statistics of its
//! cardinality count, so the lint adds no work per sample. A family written in several
//! places is one.

use std::collections::HashMap;

use super::family::Family;
use crate::model::{FamilyLabels, FamilyStats};
use crate::parse::{Facts, FamilyHeader, SampleRef, Sink};

/// The families of one page, in the order they first appear.
#[derive(Debug, Default)]
pub struct Gather {
    families: Vec<Family>,
    index: HashMap<String, usize>,
    current: Option<usize>,
    /// The parser's facts are asked for (the lint and `--extended` need them; validating
    /// alone does not).
    facts: bool,
}

impl Gather {
    /// A gatherer; `facts`: ask the parser for its counts of series and labels.
    pub fn new(facts: bool) -> Gather {
        Gather {
            facts,
            ..Gather::default()
        }
    }

    /// The families gathered, from an OpenMetrics page (`om`) or a text-format one, with
    /// the parser's label statistics of the same page (`labels`).
    pub fn families(mut self, om: bool, labels: Vec<FamilyLabels>) -> Vec<Family> {
        for l in labels {
            if let Some(&i) = self.index.get(&l.name) {
                self.families[i].count_names(l.labels);
            }
        }
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

    fn sample(&mut self, _: &SampleRef<'_, '_>) {}

    fn reads_samples(&self) -> bool {
        false
    }

    fn wants_facts(&self) -> bool {
        self.facts
    }

    fn facts(&mut self, facts: &Facts) {
        let Some(f) = self.current.and_then(|i| self.families.get_mut(i)) else {
            return;
        };
        f.series += facts.series;
        f.duplicates += facts.duplicates;
        f.total |= facts.total;
        // Each block counts the buckets or quantiles of the family's first series it has.
        f.first_width += facts.first_width;
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
        let parsed =
            parse_observed(text.as_bytes(), &opts, &mut g).unwrap_or_else(|e| panic!("{e}"));
        g.families(format == Format::OpenMetrics, parsed.snapshot.stats.labels)
    }

    /// The series carrying label `name` of family `f`, as the parser counted them.
    fn series_of(f: &Family, name: &str) -> Option<u64> {
        f.labels
            .iter()
            .find(|l| l.name == name)
            .and_then(|l| l.series)
    }

    /// A family written in two places counts a series of the first place written again in
    /// the second as a duplicate, and one new to the second as a series; so do its labels.
    #[test]
    fn a_family_written_twice_counts_its_series_across_both_places() {
        let text = "# TYPE a gauge\na{xY=\"1\"} 1\na{xY=\"2\"} 1\n# TYPE b gauge\nb 1\n\
                    a{xY=\"2\"} 2\na{xY=\"3\"} 1\na{xY=\"3\"} 1\n";
        let f = families(text, Format::Prometheus);
        assert_eq!(f.len(), 2);
        let a = &f[0];
        assert_eq!((a.name.as_str(), a.series, a.duplicates), ("a", 3, 2));
        assert_eq!((a.samples, a.camel_labels), (5, 3));
        assert_eq!(series_of(a, "xY"), Some(3));
        assert_eq!((f[1].series, f[1].duplicates), (1, 0));
    }

    /// A counter's `_created` and `_total` of one series are one series, no duplicate; the
    /// same sample name written twice is one.
    #[test]
    fn created_and_total_are_one_series() {
        let text = "# TYPE c counter\nc_created{x=\"1\"} 1\nc_total{x=\"1\"} 2\n\
                    c_created{x=\"2\"} 1\nc_total{x=\"2\"} 2\n# EOF\n";
        let f = families(text, Format::OpenMetrics);
        assert_eq!((f[0].series, f[0].duplicates, f[0].total), (2, 0, true));
        let text = "# TYPE g gauge\ng{x=\"1\"} 1\ng{x=\"2\"} 1\ng{x=\"1\"} 2\n";
        let f = families(text, Format::Prometheus);
        assert_eq!((f[0].series, f[0].duplicates, f[0].total), (2, 1, false));
    }

    /// Histogram series: one series each, however many buckets; the first series' buckets
    /// are its width; `le` is the bucket bound, not a label of the series, but a label `le`
    /// on a summary's series is one.
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
        text.push_str("# TYPE s summary\ns_sum{le=\"a\"} 1\ns_count{le=\"a\"} 1\n");
        text.push_str("s_sum{le=\"b\"} 1\ns_count{le=\"b\"} 1\n");
        let f = families(&text, Format::Prometheus);
        let h = &f[0];
        assert_eq!((h.series, h.duplicates, h.first_width), (2, 0, 3));
        assert_eq!((series_of(h, "x"), series_of(h, "le")), (Some(2), Some(0)));
        assert_eq!(h.le_series, 0);
        let s = &f[1];
        assert_eq!((s.series, s.le_series, s.first_width), (2, 2, 0));
    }

    /// A histogram written in two places (GitLab's Rails page does) counts the buckets of its
    /// first series in both places: its bucket samples are all the series' (`--extended`).
    #[test]
    fn the_first_series_width_counts_every_place() {
        let text = "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n\
                    h_count 1\nh_sum 1\n# TYPE g gauge\ng 1\n# TYPE h histogram\n\
                    h_bucket{le=\"2\"} 1\nh_bucket{le=\"5\"} 1\nh_bucket{le=\"+Inf\"} 1\n\
                    h_count 1\nh_sum 1\n";
        let f = families(text, Format::Prometheus);
        assert_eq!((f[0].series, f[0].first_width, f[0].samples), (1, 5, 9));
    }

    /// Without `# TYPE` every sample name is a family of its own, and one coming back is
    /// the same family: its series are counted once.
    #[test]
    fn an_untyped_name_coming_back_is_one_family() {
        let text = "a{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\na{x=\"1\"} 1\n";
        let f = families(text, Format::Prometheus);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].series, f[0].duplicates, f[0].samples), (2, 1, 3));
    }

    /// Past the 64 labels the lexer hashes in one go, series and duplicates still count.
    #[test]
    fn a_series_with_more_than_64_labels_is_counted_too() {
        let mut text = String::from("# TYPE w gauge\n");
        let fixed: Vec<String> = (0..70).map(|k| format!("l{k}=\"v\"")).collect();
        for id in ["1000001", "1000002", "1000001", "1000003"] {
            text.push_str(&format!("w{{{},z=\"{id}\"}} 1\n", fixed.join(",")));
        }
        let f = families(&text, Format::Prometheus);
        assert_eq!((f[0].series, f[0].duplicates), (3, 1));
        assert_eq!(series_of(&f[0], "z"), Some(3));
    }

    /// The unbounded labels are the parser's suspects: the verdict the cost report gives.
    #[test]
    fn unbounded_labels_are_the_parsers_suspects() {
        let mut text = String::from("# TYPE r counter\n");
        for i in 0..6 {
            text.push_str(&format!(
                "r_total{{path=\"/users/{i}/orders\",m=\"GET\"}} 1\n"
            ));
        }
        let f = families(&text, Format::Prometheus);
        let path = f[0].labels.iter().find(|l| l.name == "path").unwrap();
        let s = path.suspect.as_ref().expect("suspect");
        assert_eq!(
            (s.kind, s.matching, s.looked_at),
            (crate::model::SuspectKind::RawPath, 6, 6)
        );
        assert!(f[0]
            .labels
            .iter()
            .all(|l| l.name == "path" || l.suspect.is_none()));
    }
}
