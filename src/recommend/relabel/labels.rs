//! Label rules, each checked against the series seen: clear a label no use needs when that
//! merges no series; template a raw path label the same way; otherwise advise templating at
//! the source, since relabelling can only merge series, never sum them (`prometheus#11725`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{
    names, structural, Advice, FamilyUse, RelabelConfig, Rule, RuleKind, Sample, Seen, SeenFamily,
};
use crate::model::{is_hex_id, is_uuid};

/// How many distinct samples are left with each label's value replaced by
/// `changed(label, value)` (`Some(None)` removes it, `None` keeps it as it is).
fn distinct(samples: &[Sample], changed: &dyn Fn(&str, &str) -> Option<Option<String>>) -> usize {
    let mut set = HashSet::with_capacity(samples.len());
    for (name, labels) in samples {
        let projected: Vec<(&str, String)> = labels
            .iter()
            .filter_map(|(k, v)| match changed(k, v) {
                None => Some((k.as_str(), v.clone())),
                Some(new) => new.map(|n| (k.as_str(), n)),
            })
            .collect();
        set.insert((name.as_str(), projected));
    }
    set.len()
}

/// Whether the samples stay apart under `changed` (see [`distinct`]).
fn apart(samples: &[Sample], changed: &dyn Fn(&str, &str) -> Option<Option<String>>) -> bool {
    distinct(samples, changed) == samples.len()
}

/// The distinct labels of a family's samples that a rule may touch.
fn candidates(f: &SeenFamily, u: &FamilyUse) -> BTreeSet<String> {
    f.samples
        .iter()
        .flat_map(|s| s.1.iter().map(|(k, _)| k))
        .filter(|k| !structural(f, k) && !u.labels.contains(*k))
        .cloned()
        .collect()
}

/// One rule's regex on `__name__` over some families' stored names, and their uses.
fn scope(fams: &[(&SeenFamily, &FamilyUse)]) -> (String, Vec<String>, Vec<String>) {
    let mut stored: Vec<&str> = fams.iter().flat_map(|(f, _)| f.stored_names()).collect();
    stored.sort_unstable();
    let mut uses: Vec<String> = fams.iter().flat_map(|(_, u)| u.uses.clone()).collect();
    uses.sort();
    uses.dedup();
    let families = fams.iter().map(|(f, _)| f.name.clone()).collect();
    (names::exactly(stored), families, uses)
}

/// `replace` rules removing, per family, the labels no use needs and whose removal (all of
/// them together) keeps every series apart.
pub(super) fn clear_rules(read: &[&(&SeenFamily, FamilyUse)]) -> Vec<Rule> {
    let mut by_label: BTreeMap<String, Vec<(&SeenFamily, &FamilyUse)>> = BTreeMap::new();
    for (f, u) in read.iter().map(|p| (p.0, &p.1)) {
        if u.all_labels {
            continue;
        }
        let mut cleared: BTreeSet<String> = BTreeSet::new();
        for label in candidates(f, u) {
            let removed = |k: &str, _: &str| (k == label || cleared.contains(k)).then_some(None);
            if apart(&f.samples, &removed) {
                cleared.insert(label);
            }
        }
        for label in cleared {
            by_label.entry(label).or_default().push((f, u));
        }
    }
    by_label
        .into_iter()
        .map(|(label, fams)| {
            let (regex, families, uses) = scope(&fams);
            Rule {
                kind: RuleKind::ClearLabel,
                what: format!(
                    "remove label {label} from {}: no use needs it and every series stays apart without it",
                    families.join(", ")
                ),
                families,
                names: Vec::new(),
                config: RelabelConfig {
                    source_labels: vec!["__name__".into()],
                    regex,
                    action: "replace",
                    target_label: Some(label),
                    replacement: Some(String::new()),
                },
                keeps: uses,
                saved: 0,
            }
        })
        .collect()
}

/// Whether one segment of a path is an identifier the template's regex matches: a number
/// of any length, a UUID, or hex of 12 characters or more with digits and letters.
fn id_segment(s: &str) -> bool {
    (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())) || is_uuid(s) || is_hex_id(s, 12)
}

/// A raw path's route template (`/items/123` → `/items/:id`) and the regex matching every
/// path of that shape, or `None` when no segment is an identifier.
pub(super) fn template(path: &str) -> Option<(String, String)> {
    if !path.starts_with('/') || !path.split('/').any(id_segment) {
        return None;
    }
    let (mut t, mut re) = (Vec::new(), Vec::new());
    for seg in path.split('/') {
        if id_segment(seg) {
            t.push(":id".to_string());
            re.push(
                if seg.bytes().all(|c| c.is_ascii_digit()) {
                    "[0-9]+"
                } else {
                    "[0-9a-fA-F-]+"
                }
                .to_string(),
            );
        } else {
            t.push(seg.to_string());
            re.push(regex_lite::escape(seg));
        }
    }
    Some((t.join("/"), re.join("/")))
}

/// The labels of a family that hold raw paths, with each template's pattern and how many
/// distinct raw values it covers.
fn raw_paths(f: &SeenFamily) -> BTreeMap<String, BTreeMap<String, (String, BTreeSet<String>)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (String, BTreeSet<String>)>> = BTreeMap::new();
    for (k, v) in f.samples.iter().flat_map(|s| s.1.iter()) {
        if structural(f, k) {
            continue;
        }
        if let Some((t, re)) = template(v) {
            let e = out
                .entry(k.clone())
                .or_default()
                .entry(t)
                .or_insert((re, BTreeSet::new()));
            e.1.insert(v.clone());
        }
    }
    out
}

fn templated<'a>(label: &'a str) -> impl Fn(&str, &str) -> Option<Option<String>> + 'a {
    move |k: &str, v: &str| (k == label).then(|| Some(template(v).map_or(v.to_string(), |t| t.0)))
}

/// `replace` rules templating a raw path label no use needs, where the templates keep every
/// series apart, shown on at least two raw values of one template (a single ID seen says
/// nothing of the next one, which would merge).
pub(super) fn template_rules(read: &[&(&SeenFamily, FamilyUse)]) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (f, u) in read.iter().map(|p| (p.0, &p.1)) {
        if u.all_labels {
            continue;
        }
        let open = candidates(f, u);
        for (label, templates) in raw_paths(f) {
            let shown = templates.values().any(|(_, raw)| raw.len() >= 2);
            if !open.contains(&label) || !shown || !apart(&f.samples, &templated(&label)) {
                continue;
            }
            let (names, _, uses) = scope(&[(f, u)]);
            for (t, (re, raw)) in templates {
                rules.push(Rule {
                    kind: RuleKind::Template,
                    what: format!(
                        "template label {label} of {} to {t} ({} raw values seen); no use needs the raw value and every series stays apart",
                        f.name,
                        raw.len()
                    ),
                    families: vec![f.name.clone()],
                    names: Vec::new(),
                    config: RelabelConfig {
                        source_labels: vec!["__name__".into(), label.clone()],
                        regex: format!("(?:{names});{re}"),
                        action: "replace",
                        target_label: Some(label.clone()),
                        replacement: Some(t.replace('$', "$$")),
                    },
                    keeps: uses.clone(),
                    saved: 0,
                });
            }
        }
    }
    rules
}

/// Where the page says which library made it, that library's option for labelling by route.
fn library_option(f: &SeenFamily) -> &'static str {
    let labels = |l: &str| f.samples.iter().any(|s| s.1.iter().any(|(k, _)| k == l));
    if f.name.starts_with("flask_http_") {
        "prometheus-flask-exporter labels by the raw path by default: PrometheusMetrics(app, group_by='url_rule') labels by the route (/items/<int:item_id>)"
    } else if f.name.starts_with("http_request_duration") && labels("status_code") {
        "express-prom-bundle: set normalizePath (or includePath: false)"
    } else {
        "label by the route template the framework matched, not the raw path"
    }
}

/// Advice for every raw path label no template rule covers: what templating at the source
/// would save, and why a relabel rule cannot do it. A text-format `<name>_created` gauge
/// counts with the family it dates.
pub(super) fn source_advice(seen: &Seen, rules: &[Rule]) -> Vec<Advice> {
    let types: BTreeMap<&str, crate::model::MetricType> = seen
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.mtype))
        .collect();
    // By (owning family, label): saved, samples, an example, raw values, template, library.
    type Found<'a> = (usize, usize, String, usize, String, &'static str);
    let mut found: BTreeMap<(String, String), Found<'_>> = BTreeMap::new();
    for f in &seen.families {
        let owner = crate::model::created_parent(&f.name, f.mtype, |n| types.get(n).copied())
            .unwrap_or_else(|| f.name.clone());
        for (label, templates) in raw_paths(f) {
            let covered = rules.iter().any(|r| {
                r.kind == RuleKind::Template
                    && r.config.target_label.as_deref() == Some(label.as_str())
                    && r.families.contains(&f.name)
            });
            let Some((t, (_, raw))) = templates.iter().next() else {
                continue;
            };
            if covered {
                continue;
            }
            let saved = f.samples.len() - distinct(&f.samples, &templated(&label));
            let e = found
                .entry((owner.clone(), label.clone()))
                .or_insert_with(|| {
                    let example = raw.iter().next().cloned().unwrap_or_default();
                    (0, 0, example, 0, t.clone(), library_option(f))
                });
            e.0 += saved;
            e.1 += f.samples.len();
            e.3 = e.3.max(templates.values().map(|v| v.1.len()).sum());
        }
    }
    found
        .into_iter()
        .filter(|(_, v)| v.0 > 0)
        .map(|((family, label), (saved, of, example, values, t, library))| Advice {
            text: format!(
                "{family}: label {label} holds raw paths with IDs (such as {example:?}, {values} values): templated to the route ({t}) it would save {saved} of {of} series per scrape, but a relabel rule would merge series and Prometheus would drop the merged samples as duplicates (prometheus#11725); template it where the metric is made: {library}"
            ),
            family,
            saved: saved as u64,
        })
        .collect()
}
