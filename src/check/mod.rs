//! Stage 3b: lint. promtool's rules (client_golang's promlint) and promtune's own, each in
//! its own file with an id and a docs page (`docs/lint/<id>.md`), run over the families
//! gathered while parsing ([`family`]), never over sample values.
//!
//! Two readings of a page feed the same rules: promtune's parser ([`gather`]), which reads
//! OpenMetrics too, and an emulation of Go's text parser ([`gotext`]), which groups samples
//! into families as promtool does, for `--format promtool`.

mod extended;
mod family;
mod gather;
mod gotext;
mod rules;

pub use extended::{cardinality, Cardinality};
pub use family::{camel, Family};
pub use gather::Gather;
pub use gotext::{read_as_promtool, GoText};

/// Limits for promtune's own rules.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A family with more series (samples per scrape) than this is reported.
    pub family_series: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            family_series: 2000,
        }
    }
}

/// One lint rule.
pub trait Rule: Sync {
    /// Stable id: the docs page is `docs/lint/<id>.md`, and `ignore:` names it.
    fn id(&self) -> &'static str;
    /// One line for `--help` and SARIF.
    fn describe(&self) -> &'static str;
    /// Whether promtool 2.42 (client_golang 1.14's promlint) has this rule.
    fn promtool(&self) -> bool {
        true
    }
    /// The problems of `f`, as messages (promtool's wording for promtool's rules).
    fn check(&self, f: &Family, limits: &Limits, out: &mut Vec<String>);
}

/// Every rule: promtool's in promlint's order, then promtune's own.
pub fn registry() -> &'static [&'static dyn Rule] {
    rules::ALL
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// The family.
    pub family: String,
    /// What is wrong.
    pub message: String,
    /// Where the family begins.
    pub line: u64,
}

/// Runs the rules (`promtool_only`: those promtool has) over `families`; findings sorted
/// as promtool sorts them: by family name, then message.
pub fn lint(families: &[Family], limits: &Limits, promtool_only: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut messages = Vec::new();
    for f in families {
        for r in registry().iter().filter(|r| r.promtool() || !promtool_only) {
            messages.clear();
            r.check(f, limits, &mut messages);
            out.extend(messages.drain(..).map(|message| Finding {
                rule: r.id(),
                family: f.name.clone(),
                message,
                line: f.line,
            }));
        }
    }
    out.sort_by(|a, b| {
        a.family
            .cmp(&b.family)
            .then_with(|| a.message.cmp(&b.message))
    });
    out
}
