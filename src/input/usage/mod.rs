//! Usage as an input: what the user's rules, dashboards and query logs read, reduced to the
//! sample names and labels each use needs. PromQL is parsed with the `promql-parser` crate.
//!
//! Names are the names Prometheus stores (`x_bucket`, `x_total`), since those are what a
//! `metric_relabel_configs` rule matches on `__name__`.

mod dashboard;
mod files;
mod pattern;
mod promql;
mod querylog;
mod rules;
mod template;

pub use files::load;
use pattern::Compiled;
use std::collections::{BTreeMap, BTreeSet};

/// The longest query read: longer ones are recorded as unparsed (and their names as used),
/// which keeps the parser's tree, and the walk over it, shallow.
pub const QUERY_LIMIT: usize = 16 * 1024;
/// The most operators and brackets a query may hold to be parsed: they bound the depth of
/// the parser's tree, which is built, walked and dropped by recursion (a chain of 3,300
/// additions overflowed a 2 MiB test thread). Real queries hold tens.
pub const OPERATOR_LIMIT: usize = 1000;
/// The uses kept per name or pattern; past it they are counted in `more_uses`.
pub const USES_LIMIT: usize = 16;
/// The unparsed queries kept; past it they are counted in `unparsed_more`.
pub const UNPARSED_LIMIT: usize = 1000;

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
    /// Unparsed queries past [`UNPARSED_LIMIT`], counted only.
    pub unparsed_more: u64,
    /// Files of a directory that were neither rules, dashboards nor query logs: skipped.
    pub skipped: Vec<String>,
    /// The sources read (a file, or the origin given to [`Usage::add_query`]) with their
    /// kind and how many queries each held, in the order first read, for the report.
    pub sources: Vec<Source>,
    /// The patterns compiled as they were added (one pushed by hand is compiled when used).
    compiled: Compiled,
}

/// One source of usage and the queries read from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The file (or the origin a caller gave).
    pub path: String,
    /// What it was read as.
    pub kind: SourceKind,
    /// The queries read from it (a query log's repeats counted).
    pub queries: u64,
}

/// What a source was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Prometheus rule files and PrometheusRule manifests.
    Rules,
    /// A Grafana dashboard.
    Dashboard,
    /// A Prometheus query log.
    QueryLog,
    /// Queries a server gave (its `/api/v1/rules`, its read statistics).
    Server,
    /// Queries given one by one ([`Usage::add_query`]).
    Query,
}

impl SourceKind {
    /// The name the JSON report gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Rules => "rules",
            SourceKind::Dashboard => "dashboard",
            SourceKind::QueryLog => "query log",
            SourceKind::Server => "server",
            SourceKind::Query => "query",
        }
    }
}

/// What the uses of one sample name need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Need {
    /// True when some use shows the series unaggregated, or otherwise keeps every label.
    pub all_labels: bool,
    /// The labels uses need (matchers, `by`, `on`, `group_*`, `label_replace` sources).
    pub labels: BTreeSet<String>,
    /// Where each use is: `file:line` and the rule, panel or query it belongs to; at most
    /// [`USES_LIMIT`] of them.
    pub uses: Vec<String>,
    /// Uses past [`USES_LIMIT`], counted only.
    pub more_uses: u64,
}

/// A `__name__=~` matcher that names no fixed set of names.
#[derive(Debug, Clone, PartialEq)]
pub struct NamePattern {
    /// The regex, as written (PromQL anchors it at both ends).
    pub regex: String,
    /// Where it is used (at most [`USES_LIMIT`]).
    pub uses: Vec<String>,
}

/// Text that is well-formed YAML or JSON but no kind of usage (a Prometheus config, a
/// Deployment): an error for a file named on its own, skipped inside a directory.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotUsage(pub String);

/// A query that could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unparsed {
    /// `file:line` and the rule or panel.
    pub origin: String,
    /// Where the query's text starts, `file:line:column`, when the file tells (a rule's
    /// `expr`, a query log's `params.query`, a dashboard's query written once in it).
    pub at: Option<String>,
    /// The parser's message.
    pub error: String,
}

impl Need {
    fn record(&mut self, origin: &str) {
        if self.uses.iter().any(|u| u == origin) {
            return;
        }
        if self.uses.len() < USES_LIMIT {
            self.uses.push(origin.to_string());
        } else {
            self.more_uses += 1;
        }
    }
}

impl Usage {
    /// Reads one PromQL query used at `origin` (which also names its source in the summary).
    /// A query that does not parse is recorded in `unparsed`, and every word in it that
    /// could be a metric name counts as used with all its labels.
    pub fn add_query(&mut self, origin: &str, expr: &str) {
        self.count(origin, SourceKind::Query, 1);
        self.query(origin, expr, &|| None);
    }

    /// [`Usage::add_query`] for one of a server's many queries (its rules, its read
    /// statistics): counted under `source` in the summary, its use named `origin`.
    pub fn add_query_from(&mut self, source: &str, origin: &str, expr: &str) {
        self.count(source, SourceKind::Server, 1);
        self.query(origin, expr, &|| None);
    }

    /// Every query read, over all sources.
    pub fn queries(&self) -> u64 {
        self.sources.iter().map(|s| s.queries).sum()
    }

    /// What the uses of the stored name `stored_name` need: its own entry merged with every
    /// name pattern that matches it (those need all labels). `None` when nothing reads it.
    pub fn need(&self, stored_name: &str) -> Option<Need> {
        let mut need = self.names.get(stored_name).cloned();
        for p in &self.name_patterns {
            if self.compiled.matches(&p.regex, stored_name) {
                let n = need.get_or_insert_with(Need::default);
                n.all_labels = true;
                for u in &p.uses {
                    n.record(u);
                }
            }
        }
        need
    }

    /// Whether any use reads `stored_name`.
    pub fn is_used(&self, stored_name: &str) -> bool {
        self.names.contains_key(stored_name)
            || self
                .name_patterns
                .iter()
                .any(|p| self.compiled.matches(&p.regex, stored_name))
    }

    /// Adds `n` queries to `source`'s count.
    fn count(&mut self, source: &str, kind: SourceKind, n: u64) {
        match self.sources.iter_mut().find(|s| s.path == source) {
            Some(s) => s.queries += n,
            None => self.sources.push(Source {
                path: source.to_string(),
                kind,
                queries: n,
            }),
        }
    }

    /// Reads one query without counting it; `at` tells where its text starts, asked only
    /// when it does not parse.
    fn query(&mut self, origin: &str, expr: &str, at: &dyn Fn() -> Option<String>) {
        let parsed = if expr.len() > QUERY_LIMIT {
            Err(format!("longer than {QUERY_LIMIT} bytes; not parsed"))
        } else if operators(expr) > OPERATOR_LIMIT {
            Err(format!(
                "more than {OPERATOR_LIMIT} operators and brackets; not parsed"
            ))
        } else {
            promql_parser::parser::parse(expr)
        };
        match parsed {
            Ok(e) => {
                for r in promql::reads(&e) {
                    match r.names {
                        promql::Names::Exact(names) => {
                            for n in names {
                                self.use_name(&n, r.want.all, &r.want.labels, origin);
                            }
                        }
                        promql::Names::Pattern(p) => self.use_pattern(&p, origin),
                    }
                }
            }
            Err(error) => self.unparsed(origin, at(), expr, error),
        }
    }

    /// Records a query that could not be read, and reads its words as names.
    fn unparsed(&mut self, origin: &str, at: Option<String>, text: &str, error: String) {
        if self.unparsed.len() < UNPARSED_LIMIT {
            let error = error.trim().to_string();
            self.unparsed.push(Unparsed {
                origin: origin.to_string(),
                at,
                error,
            });
        } else {
            self.unparsed_more += 1;
        }
        let origin = format!("{origin} (not parsed)");
        for word in words(text) {
            self.use_name(word, true, &BTreeSet::new(), &origin);
        }
    }

    fn use_name(&mut self, name: &str, all: bool, labels: &BTreeSet<String>, origin: &str) {
        let need = self.names.entry(name.to_string()).or_default();
        need.all_labels |= all;
        need.labels.extend(labels.iter().cloned());
        need.record(origin);
    }

    fn use_pattern(&mut self, regex: &str, origin: &str) {
        let at = match self.name_patterns.iter().position(|p| p.regex == regex) {
            Some(i) => i,
            None => {
                self.name_patterns.push(NamePattern {
                    regex: regex.to_string(),
                    uses: Vec::new(),
                });
                self.compiled.add(regex);
                self.name_patterns.len() - 1
            }
        };
        let p = &mut self.name_patterns[at];
        if !p.uses.iter().any(|u| u == origin) && p.uses.len() < USES_LIMIT {
            p.uses.push(origin.to_string());
        }
    }
}

/// `origin:line:column` of the byte `offset` of `text` (the column counted in characters).
fn place(origin: &str, text: &str, offset: usize) -> String {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[start..].chars().count() + 1;
    format!("{origin}:{line}:{column}")
}

/// The words of a text that could be metric names (`[a-zA-Z_:][a-zA-Z0-9_:]*`, not after a
/// digit), each once.
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| promql::plain_name(w))
        .collect()
}

/// An upper bound on the depth of `expr`'s tree: its operator characters and brackets
/// outside quotes, and its `and`, `or` and `unless`.
fn operators(expr: &str) -> usize {
    let mut quote = None;
    let mut escaped = false;
    let mut n = 0;
    for c in expr.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None if "([{+-*/%^<>=!".contains(c) => n += 1,
            None => {}
        }
    }
    let set_ops = expr
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| matches!(*w, "and" | "or" | "unless"));
    n + set_ops.count()
}

#[cfg(test)]
mod tests;
