//! Usage as an input: what the user's rules, dashboards and query logs read, reduced to the
//! sample names and labels each use needs. PromQL is parsed with the `promql-parser` crate.
//!
//! Names are the names Prometheus stores (`x_bucket`, `x_total`), since those are what a
//! `metric_relabel_configs` rule matches on `__name__`.

use std::collections::{BTreeMap, BTreeSet};

/// Everything the given `--usage` paths (and promtune's own rules) read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Per stored sample name, what its uses need.
    pub names: BTreeMap<String, Need>,
    /// `__name__` regex matchers (anchored, as PromQL anchors them) with the uses behind
    /// them: every name they match is used, with all its labels.
    pub name_patterns: Vec<NamePattern>,
    /// Queries that could not be parsed: reported, and read conservatively (every name they
    /// mention is in `names` with all labels needed).
    pub unparsed: Vec<Unparsed>,
    /// How many queries were read from each source, for the report.
    pub sources: Vec<(String, u64)>,
}

/// What the uses of one sample name need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Need {
    /// True when some use shows the series unaggregated, or otherwise keeps every label.
    pub all_labels: bool,
    /// The labels uses need (matchers, `by`, `on`, `group_*`, `label_replace` sources).
    pub labels: BTreeSet<String>,
    /// Where each use is: `file:line` and the rule, panel or query it belongs to.
    pub uses: Vec<String>,
}

/// A `__name__=~` matcher that names no fixed set of names.
#[derive(Debug, Clone, PartialEq)]
pub struct NamePattern {
    /// The regex, as written (PromQL anchors it at both ends).
    pub regex: String,
    /// Where it is used.
    pub uses: Vec<String>,
}

/// A query that could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unparsed {
    /// `file:line` and the rule or panel.
    pub origin: String,
    /// The parser's message.
    pub error: String,
}
