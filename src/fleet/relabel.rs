//! The relabelings a target list needs, as Prometheus applies them before a scrape:
//! `replace` (the default), `keep`, `drop`, `labeldrop` and `labelkeep`, with RE2-style
//! anchored regexes. Any other action is named, not silently skipped.

use std::collections::BTreeMap;

use anyhow::anyhow;
use regex_lite::Regex;
use serde_yaml::Value;

/// One relabel rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    action: String,
    source: Vec<String>,
    separator: String,
    regex: Regex,
    target: Option<String>,
    replacement: String,
}

/// The result for one target: its labels, or `None` when a rule dropped it.
pub(crate) struct Outcome {
    /// The labels after every rule, or `None` if dropped.
    pub(crate) labels: Option<BTreeMap<String, String>>,
    /// Rules that could not be applied.
    pub(crate) notices: Vec<String>,
}

impl Rule {
    /// One rule from its parts, as a config spells them (`replacement` `$1` and separator
    /// `;` when not given).
    pub(crate) fn new(
        action: &str,
        source: Vec<String>,
        regex: &str,
        target: Option<String>,
        replacement: Option<String>,
    ) -> anyhow::Result<Rule> {
        Ok(Rule {
            action: action.to_lowercase(),
            source,
            separator: ";".into(),
            // Prometheus anchors every relabel regex.
            regex: Regex::new(&format!("^(?:{regex})$"))
                .map_err(|e| anyhow!("regex {regex:?}: {e}"))?,
            target,
            replacement: replacement.unwrap_or_else(|| "$1".into()),
        })
    }
}

/// Reads `relabel_configs`.
pub(super) fn rules(v: Option<&Value>) -> anyhow::Result<Vec<Rule>> {
    let Some(list) = v.and_then(Value::as_sequence) else {
        return Ok(Vec::new());
    };
    list.iter()
        .map(|r| {
            let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
            let source = r
                .get("source_labels")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            let action = s("action").unwrap_or_else(|| "replace".into());
            let regex = s("regex").unwrap_or_else(|| "(.*)".into());
            let mut rule = Rule::new(&action, source, &regex, s("target_label"), s("replacement"))?;
            if let Some(sep) = s("separator") {
                rule.separator = sep;
            }
            Ok(rule)
        })
        .collect()
}

/// Applies `rules` to a target's labels (or, for `metric_relabel_configs`, to a sample's
/// labels with its name as `__name__`).
pub(crate) fn apply(rules: &[Rule], mut labels: BTreeMap<String, String>) -> Outcome {
    let mut notices = Vec::new();
    for r in rules {
        let value: Vec<&str> = r
            .source
            .iter()
            .map(|k| labels.get(k).map_or("", String::as_str))
            .collect();
        let value = value.join(&r.separator);
        match r.action.as_str() {
            "replace" => {
                let (Some(caps), Some(target)) = (r.regex.captures(&value), &r.target) else {
                    continue;
                };
                let mut out = String::new();
                caps.expand(&r.replacement, &mut out);
                if out.is_empty() {
                    labels.remove(target);
                } else {
                    labels.insert(target.clone(), out);
                }
            }
            "keep" if !r.regex.is_match(&value) => {
                return Outcome {
                    labels: None,
                    notices,
                };
            }
            "drop" if r.regex.is_match(&value) => {
                return Outcome {
                    labels: None,
                    notices,
                };
            }
            "keep" | "drop" => {}
            "labeldrop" => labels.retain(|k, _| !r.regex.is_match(k)),
            "labelkeep" => labels.retain(|k, _| k.starts_with("__") || r.regex.is_match(k)),
            other => notices.push(format!(
                "relabel action {other:?} is not applied: the targets are scraped as listed"
            )),
        }
    }
    Outcome {
        labels: Some(labels),
        notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn replace_keep_and_drop_as_prometheus_does() {
        let v: Value = serde_yaml::from_str(
            "- {source_labels: [__address__], regex: '(.*):9100', target_label: __address__, replacement: '${1}:9200'}\n\
             - {source_labels: [env], regex: 'prod|staging', action: keep}\n\
             - {source_labels: [__address__], target_label: __metrics_path__, regex: 'b:.*', replacement: /probe}\n\
             - {action: hashmod, source_labels: [__address__], modulus: 2, target_label: shard}\n",
        )
        .unwrap();
        let r = rules(Some(&v)).unwrap();
        let out = apply(
            &r,
            labels(&[
                ("__address__", "a:9100"),
                ("env", "prod"),
                ("__metrics_path__", "/metrics"),
            ]),
        );
        let l = out.labels.unwrap();
        assert_eq!(l["__address__"], "a:9200");
        assert_eq!(l["__metrics_path__"], "/metrics");
        assert_eq!(out.notices.len(), 1);
        let out = apply(&r, labels(&[("__address__", "b:1"), ("env", "prod")]));
        assert_eq!(out.labels.unwrap()["__metrics_path__"], "/probe");
        assert!(
            apply(&r, labels(&[("__address__", "a:9100"), ("env", "dev")]))
                .labels
                .is_none()
        );
        assert!(rules(Some(&serde_yaml::from_str("- {regex: '('}").unwrap())).is_err());
    }
}
