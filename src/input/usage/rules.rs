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
                    let expr_at = || {
                        let (l, c) = lines.expr(line?)?;
                        Some(format!("{origin}:{l}:{c}"))
                    };
                    self.query(&use_at, &expr.text(), &expr_at);
                    n += 1;
                }
            }
        }
        self.count(origin, super::SourceKind::Rules, n);
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

/// The lines that start a rule (`- record: x`, `- alert: x`), to give each use its line,
/// and the text's lines, to find a rule's `expr`.
struct RuleLines<'a>(Vec<(usize, &'a str)>, Vec<&'a str>);

/// Where a line's key starts (in bytes), past its indentation and a sequence's `- `, and
/// the text from there.
fn key_of(line: &str) -> (usize, &str) {
    let t = line.trim_start();
    let t = t.strip_prefix('-').map_or(t, str::trim_start);
    (line.len() - t.len(), t)
}

impl<'a> RuleLines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = text.lines().enumerate().filter_map(|(i, l)| {
            let l = l.trim_start().strip_prefix('-').unwrap_or(l).trim_start();
            let v = l
                .strip_prefix("record:")
                .or_else(|| l.strip_prefix("alert:"))?;
            Some((i + 1, v.trim().trim_matches(|c| c == '"' || c == '\'')))
        });
        RuleLines(starts.collect(), text.lines().collect())
    }

    /// `(line, column)` where the text of the `expr` of the rule named on `line` starts: its `expr:` key
    /// at the same indentation, after the name or before it within the rule's item (a
    /// block scalar's text starts on the next line that is not blank).
    fn expr(&self, line: usize) -> Option<(usize, usize)> {
        let lines = &self.1;
        let (k, _) = key_of(lines.get(line.checked_sub(1)?)?);
        let indent = |l: &str| l.len() - l.trim_start().len();
        // The `- ` that opens a rule's item (an item deeper down belongs to a value).
        let opener = |l: &str| indent(l) < k && l.trim_start().starts_with('-');
        let open = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
        let here = |i: usize| {
            let (at, key) = key_of(lines[i]);
            (at == k).then(|| key.strip_prefix("expr:")).flatten()
        };
        // The rule's own lines after its name: deeper than its keys, or at their depth.
        let after = (line..lines.len())
            .take_while(|&i| open(lines[i]) || indent(lines[i]) >= k)
            .find(|&i| here(i).is_some());
        // Before it, back to the `- ` that opens the item.
        let before = || {
            let mut i = line - 1;
            while i > 0 && !opener(lines[i]) {
                i -= 1;
                if here(i).is_some() {
                    return Some(i);
                }
                if !open(lines[i]) && indent(lines[i]) < k && !opener(lines[i]) {
                    return None;
                }
            }
            None
        };
        let i = after.or_else(before)?;
        let value = here(i)?;
        let text = value.trim_start();
        if text.is_empty() || text.starts_with(['|', '>']) {
            let j = (i + 1..lines.len()).find(|&j| !lines[j].trim().is_empty())?;
            return Some((j + 1, indent(lines[j]) + 1));
        }
        // A quoted scalar's text starts past its quote.
        let quoted = usize::from(text.starts_with(['"', '\'']));
        let at = lines[i].len() - text.len();
        Some((i + 1, lines[i][..at].chars().count() + 1 + quoted))
    }

    /// The line of the next rule named `name` from `*at` on, advancing `at` past it. The
    /// names come in document order, so a name used twice finds each of its lines.
    fn find(&self, at: &mut usize, name: &str) -> Option<usize> {
        let i = self.0[*at..].iter().position(|(_, n)| *n == name)? + *at;
        *at = i + 1;
        Some(self.0[i].0)
    }
}
