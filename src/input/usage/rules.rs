//! Rule files as usage: Prometheus rule files (`groups` → `rules` → `expr`, alerting and
//! recording), Kubernetes PrometheusRule manifests (`spec.groups`, several documents to a
//! file, or a `kind: List` of them as `kubectl get -o yaml` writes).

use serde::Deserialize;

use super::{NotUsage, Usage};
use crate::input::yaml;

/// One YAML document: a rule file, a manifest, or a list of manifests.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Doc {
    kind: Option<String>,
    groups: Option<Vec<Group>>,
    spec: Option<Spec>,
    items: Vec<Doc>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Spec {
    groups: Vec<Group>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rule {
    record: Option<String>,
    alert: Option<String>,
    expr: Option<Scalar>,
}

/// An `expr` as YAML gives it: Prometheus reads `expr: 1` as the query `1`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

impl Usage {
    /// Reads rule files' text (`origin` names it in uses and errors): every document's
    /// `groups`, `spec.groups` or `items[].spec.groups`. Returns the queries read; text that
    /// is not such YAML is an error naming `origin:line:column`.
    pub fn add_rules_text(&mut self, origin: &str, text: &str) -> anyhow::Result<u64> {
        yaml::check(text, origin)?;
        let mut docs = Vec::new();
        for doc in serde_yaml::Deserializer::from_str(text) {
            let doc = Doc::deserialize(doc).map_err(|e| {
                let place = e
                    .location()
                    .map(|l| format!("{origin}:{}:{}", l.line(), l.column()))
                    .unwrap_or_else(|| origin.to_string());
                anyhow::anyhow!("{place}: not a rule file: {e}")
            })?;
            docs.push(doc);
        }
        if !docs.iter().any(Doc::is_rules) {
            return Err(NotUsage(format!(
                "{origin}: neither a rule file (`groups:`) nor a PrometheusRule manifest (`spec.groups`)"
            ))
            .into());
        }
        let lines = RuleLines::new(text);
        let mut n = 0;
        let mut at = 0;
        for doc in &docs {
            for group in doc.groups() {
                for rule in &group.rules {
                    let Some(expr) = &rule.expr else { continue };
                    let (key, name) = match (&rule.record, &rule.alert) {
                        (Some(r), _) => ("record", r.as_str()),
                        (None, Some(a)) => ("alert", a.as_str()),
                        (None, None) => ("rule", ""),
                    };
                    let line = lines.find(&mut at, name);
                    let place = line.map_or(origin.to_string(), |l| format!("{origin}:{l}"));
                    let use_at = format!("{place} (group {:?}, {key} {name:?})", group.name);
                    self.query(&use_at, &expr.text());
                    n += 1;
                }
            }
        }
        self.count(origin, n);
        Ok(n)
    }
}

impl Doc {
    /// Whether the document is a rule file, a manifest, or a list holding one.
    fn is_rules(&self) -> bool {
        self.groups.is_some()
            || self.spec.is_some() && self.kind.as_deref() == Some("PrometheusRule")
            || self.items.iter().any(Doc::is_rules)
    }

    /// The groups this document holds, in order.
    fn groups(&self) -> Box<dyn Iterator<Item = &Group> + '_> {
        let spec = self.spec.iter().flat_map(|s| s.groups.iter());
        let own = self.groups.iter().flatten().chain(spec);
        Box::new(own.chain(self.items.iter().flat_map(|d| d.groups())))
    }
}

/// The lines that start a rule (`- record: x`, `- alert: x`), to give each use its line.
struct RuleLines<'a>(Vec<(usize, &'a str)>);

impl<'a> RuleLines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = text.lines().enumerate().filter_map(|(i, l)| {
            let l = l.trim_start().strip_prefix('-').unwrap_or(l).trim_start();
            let v = l
                .strip_prefix("record:")
                .or_else(|| l.strip_prefix("alert:"))?;
            Some((i + 1, v.trim().trim_matches(|c| c == '"' || c == '\'')))
        });
        RuleLines(starts.collect())
    }

    /// The line of the next rule named `name` from `*at` on, advancing `at` past it. The
    /// names come in document order, so a name used twice finds each of its lines.
    fn find(&self, at: &mut usize, name: &str) -> Option<usize> {
        let i = self.0[*at..].iter().position(|(_, n)| *n == name)? + *at;
        *at = i + 1;
        Some(self.0[i].0)
    }
}
