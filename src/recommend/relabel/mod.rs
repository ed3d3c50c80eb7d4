//! The `metric_relabel_configs` promtune proposes for one job, each with its evidence: drop
//! the families no use reads, clear a label no use needs when that merges no series, template
//! a raw path label when that merges none either, else advise templating it at the source.
//! Pure: the series seen (for a server, its series per stored name) and the usage in, the
//! rules and their proof out.

mod counted;
mod labels;
mod names;
mod seen;
mod unread;

use std::collections::BTreeMap;

use crate::fleet::relabel;
use crate::input::usage::Usage;
use crate::model::{Cost, MetricType};

pub use counted::{decide_counted, Counted};
pub(crate) use seen::Gatherer;
pub use seen::{Sample, Seen, SeenFamily, MAX_SAMPLES};
pub use unread::merged_drop;
use unread::{drop_rule, uses, FamilyUse};

/// One `metric_relabel_configs` entry, as the config spells it.
#[derive(Debug, Clone, PartialEq)]
pub struct RelabelConfig {
    /// `source_labels`.
    pub source_labels: Vec<String>,
    /// `regex` (Prometheus anchors it).
    pub regex: String,
    /// `action`.
    pub action: &'static str,
    /// `target_label`, for `replace`.
    pub target_label: Option<String>,
    /// `replacement`, for `replace` (empty removes the label).
    pub replacement: Option<String>,
}

/// What a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// Drops the samples of names no use reads.
    Drop,
    /// Removes a label no use needs from some families.
    ClearLabel,
    /// Rewrites a raw path label to its route template.
    Template,
}

/// One proposed rule with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// What it does.
    pub kind: RuleKind,
    /// The entry written into the job.
    pub config: RelabelConfig,
    /// What it does, in one sentence (names and labels as seen: escape for the output).
    pub what: String,
    /// The families it changes.
    pub families: Vec<String>,
    /// For a drop, the stored names it drops (sorted).
    pub names: Vec<String>,
    /// The uses it keeps working (`file:line` and rule or panel); empty when no use reads
    /// what it changes.
    pub keeps: Vec<String>,
    /// Series per scrape it saves.
    pub saved: u64,
}

/// A change to make where the metric is made, since a relabel rule would merge series.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    /// The family.
    pub family: String,
    /// Series per scrape it would save.
    pub saved: u64,
    /// What to do and why, in one sentence (names and values as seen).
    pub text: String,
}

/// The rules for one job, and what they save.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// The rules, in the order the config applies them.
    pub rules: Vec<Rule>,
    /// What to change at the source instead, when a rule would merge series.
    pub advice: Vec<Advice>,
    /// Why no rule, or which families were exempt.
    pub notes: Vec<String>,
    /// Samples per scrape now.
    pub series: u64,
    /// Samples per scrape once the rules apply (every rule run over every sample seen).
    pub series_after: u64,
    /// Per family: its samples per scrape once the rules apply.
    pub families_after: BTreeMap<String, u64>,
}

/// A family exempt from every rule, and why (`--keep`, or the config's `ignore:`).
#[derive(Debug, Clone)]
pub struct Exempt {
    /// Matches a family name or a stored name (anchored).
    pub pattern: regex_lite::Regex,
    /// Why, for the report.
    pub why: String,
}

impl Exempt {
    /// An exemption for names matching `regex` (anchored as PromQL anchors it).
    pub fn new(regex: &str, why: String) -> Result<Exempt, String> {
        regex_lite::Regex::new(&format!("^(?:{regex})$"))
            .map(|pattern| Exempt { pattern, why })
            .map_err(|e| format!("{regex:?} is not a regex: {e}"))
    }
}

/// The id an `ignore:` entry names to exempt a family (its `subject`) from every rule.
pub const CHECK: &str = "relabel";

/// How to give usage, said when none was given.
pub const NO_USAGE: &str = "no --usage was given, so nothing is known about which series are read and no rule is proposed: give your rule files, dashboards or query log with --usage PATH";

/// What promtune's own alert rules and dashboard read: the families its detectors keep
/// (`own`), every label of them, added to `usage`. Their `_created` samples are not read
/// by any query promtune writes (the detectors take a start time from them, on the page).
pub fn with_own(usage: &Usage, seen: &Seen, own: &dyn Fn(&str, MetricType) -> bool) -> Usage {
    with_own_of(
        usage,
        seen.families
            .iter()
            .map(|f| (f.name.as_str(), f.mtype, f.stored_names())),
        own,
    )
}

/// [`with_own`] over families given as `(name, type, stored names)`.
pub fn with_own_of<'a>(
    usage: &Usage,
    families: impl IntoIterator<Item = (&'a str, MetricType, Vec<&'a str>)>,
    own: &dyn Fn(&str, MetricType) -> bool,
) -> Usage {
    let mut u = usage.clone();
    for (_, _, names) in families.into_iter().filter(|(f, t, _)| own(f, *t)) {
        for name in names.into_iter().filter(|n| !n.ends_with("_created")) {
            let n = u.names.entry(name.to_string()).or_default();
            n.all_labels = true;
            n.uses
                .push("promtune's own alert rules and dashboard".to_string());
        }
    }
    u
}

/// What promtune's own generated files read, `(file name, text)` each (its alert rules and
/// dashboard), added to `usage` through the parser that reads the user's: each use is named
/// by its file, line and rule or panel.
pub fn with_files(usage: &Usage, files: &[(String, String)]) -> anyhow::Result<Usage> {
    let mut u = usage.clone();
    for (name, text) in files {
        if name.ends_with(".json") {
            u.add_dashboard_text(name, text)?;
        } else {
            u.add_rules_text(name, text)?;
        }
    }
    Ok(u)
}

/// Fills the cost's `series_after`, in total and per family (a text-format `<name>_created`
/// gauge counted with the family it dates, as the cost counts it).
pub fn fill_cost(cost: &mut Cost, plan: &Plan, seen: &Seen) {
    cost.series_after = Some(plan.series_after);
    let types: BTreeMap<&str, MetricType> = seen
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.mtype))
        .collect();
    let mut after: BTreeMap<String, u64> = BTreeMap::new();
    for (name, n) in &plan.families_after {
        let t = types
            .get(name.as_str())
            .copied()
            .unwrap_or(MetricType::Unknown);
        let owner = crate::model::created_parent(name, t, |p| types.get(p).copied())
            .unwrap_or_else(|| name.clone());
        *after.entry(owner).or_default() += n;
    }
    for f in &mut cost.families {
        f.series_after = after.get(&f.name).copied();
    }
}

/// The plan as recommendations, added to `recs`: the rules together, and each source change
/// (which sharpens the cardinality recommendation for the same family, when there is one,
/// with the saving and the library's option).
pub fn add_recommendations(plan: &Plan, recs: &mut Vec<super::Recommendation>) {
    let share = |saved: u64| (plan.series > 0).then(|| saved as f64 / plan.series as f64);
    let impact = |saved: u64| match share(saved).unwrap_or(0.0) {
        s if s >= 0.2 => super::Impact::High,
        s if s >= 0.05 => super::Impact::Medium,
        _ => super::Impact::Low,
    };
    let out = recs;
    if !plan.rules.is_empty() {
        let saved = plan.series.saturating_sub(plan.series_after);
        out.push(super::Recommendation {
            id: "relabel_rules",
            impact: impact(saved),
            action: format!(
                "apply the {} promtune proposes to the job's metric_relabel_configs (--write-configs writes them, each with its evidence)",
                crate::plural::of(plan.rules.len() as f64, "rule", "rules")
            ),
            expected: format!(
                "{} samples per scrape instead of {}, with every use given still answered the same",
                plan.series_after, plan.series
            ),
            expected_reduction: share(saved),
            evidence: plan
                .rules
                .iter()
                .map(|r| r.what.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    for a in &plan.advice {
        let cut = format!("cut the series of {}:", a.family);
        if let Some(r) = out
            .iter_mut()
            .find(|r| r.id == "cardinality" && r.action.starts_with(&cut))
        {
            r.expected = format!("{} fewer series per scrape", a.saved);
            r.expected_reduction = share(a.saved);
            r.evidence = format!("{}; {}", r.evidence, a.text);
            continue;
        }
        out.push(super::Recommendation {
            id: "template_paths",
            impact: impact(a.saved),
            action: format!(
                "template the raw paths of {} where the metric is made",
                a.family
            ),
            expected: format!("{} fewer series per scrape", a.saved),
            expected_reduction: share(a.saved),
            evidence: a.text.clone(),
        });
    }
    super::sort(out);
}

/// Labels that identify a family's samples by its type: a histogram's `le`, a summary's
/// `quantile`, a stateset's state. Never removed or rewritten.
fn structural(f: &SeenFamily, label: &str) -> bool {
    let by_type = match f.mtype {
        MetricType::Histogram | MetricType::GaugeHistogram => label == "le",
        MetricType::Summary => label == "quantile",
        MetricType::StateSet => label == f.name,
        _ => false,
    };
    // A page's own `job` or `instance` is renamed `exported_*` on the way in: a rule naming
    // them would change the target's labels instead.
    by_type || label.starts_with("__") || label == "job" || label == "instance"
}

/// The rules for one job's series `seen`, given what `usage` reads (`None`: nothing is known,
/// so nothing is dropped), sparing families `exempt` matches. With `labels` false only the
/// drop is worked out: a label rule for a job needs every target's series at once.
pub fn decide(seen: &Seen, usage: Option<&Usage>, exempt: &[Exempt], labels: bool) -> Plan {
    let mut plan = Plan {
        series: seen.samples(),
        ..Plan::default()
    };
    let names: Vec<(&str, Vec<&str>)> = seen
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.stored_names()))
        .collect();
    let open: Vec<(&SeenFamily, FamilyUse)> = seen
        .families
        .iter()
        .zip(uses(&names, usage, exempt, &mut plan.notes))
        .filter_map(|(f, u)| Some((f, u?)))
        .collect();
    if usage.is_some() {
        plan.rules.extend(drop_rule(open.iter().map(|(f, u)| {
            let saved = f.samples.iter().filter(|s| u.unread.contains(&s.0));
            (
                f.name.as_str(),
                f.stored_names().len(),
                saved.count() as u64,
                u,
            )
        })));
        let read: Vec<&(&SeenFamily, FamilyUse)> = open
            .iter()
            .filter(|(f, u)| labels && u.unread.len() < f.stored_names().len())
            .collect();
        plan.rules.extend(self::labels::clear_rules(&read));
        plan.rules.extend(self::labels::template_rules(&read));
    }
    plan.advice = self::labels::source_advice(seen, &plan.rules);
    settle(seen, &mut plan);
    plan
}

/// The rules as the emulator reads them.
fn emulated(rules: &[Rule]) -> Vec<relabel::Rule> {
    rules
        .iter()
        .filter_map(|r| {
            let c = &r.config;
            relabel::Rule::new(
                c.action,
                c.source_labels.clone(),
                &c.regex,
                c.target_label.clone(),
                c.replacement.clone(),
            )
            .ok()
        })
        .collect()
}

/// Every sample through every rule, as Prometheus applies them: what is left per family,
/// and whether two samples ended with the same labels (which Prometheus would drop as
/// duplicates). Rules that merge are withdrawn, whatever their own checks said.
fn settle(seen: &Seen, plan: &mut Plan) {
    loop {
        let rules = emulated(&plan.rules);
        // Drops read `__name__` alone, and merge nothing: a name no other rule changes is
        // run once, not each sample.
        let only_drops = plan.rules.iter().all(|r| r.kind == RuleKind::Drop);
        let mut by_name: std::collections::HashMap<&str, bool> = Default::default();
        let mut out = BTreeMap::new();
        let mut stored = std::collections::HashSet::new();
        let mut merged = false;
        // A label rule's regex names its families' stored names exactly, and no rule
        // changes `__name__`: the other families' samples are only dropped or kept, by name,
        // and cannot meet a changed sample.
        let changed: std::collections::HashSet<&str> = plan
            .rules
            .iter()
            .filter(|r| r.kind != RuleKind::Drop)
            .flat_map(|r| r.families.iter().map(String::as_str))
            .collect();
        for f in &seen.families {
            let mut kept = 0;
            let by_name_only = only_drops || !changed.contains(f.name.as_str());
            for (name, labels) in &f.samples {
                if by_name_only {
                    let keep = *by_name.entry(name).or_insert_with(|| {
                        let just = BTreeMap::from([("__name__".to_string(), name.clone())]);
                        relabel::apply(&rules, just).labels.is_some()
                    });
                    kept += u64::from(keep);
                    continue;
                }
                let mut all: BTreeMap<String, String> = labels.iter().cloned().collect();
                all.insert("__name__".into(), name.clone());
                if let Some(after) = relabel::apply(&rules, all).labels {
                    kept += 1;
                    merged |= !stored.insert(after);
                }
            }
            out.insert(f.name.clone(), kept);
        }
        if !merged || only_drops {
            plan.series_after = out.values().sum();
            plan.families_after = out;
            return;
        }
        plan.rules.retain(|r| r.kind == RuleKind::Drop);
        plan.notes
            .push("the label rules together merged series, so they were withdrawn".to_string());
    }
}

#[cfg(test)]
mod tests;
