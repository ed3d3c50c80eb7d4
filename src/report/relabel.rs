//! The proposed relabel rules in the JSON report: each rule as the config writes it, with
//! its evidence (the uses it keeps, the series and samples per day it saves), the source
//! changes advised instead, and why there is no rule.

use serde::Serialize;

use crate::model::Cost;
use crate::recommend::relabel::{Plan, RuleKind};

#[derive(Serialize)]
pub(super) struct WireRelabel<'a> {
    series: u64,
    series_after: u64,
    rules: Vec<WireRule<'a>>,
    advice: Vec<WireAdvice<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct WireRule<'a> {
    kind: &'static str,
    source_labels: &'a [String],
    regex: &'a str,
    action: &'static str,
    target_label: Option<&'a str>,
    replacement: Option<&'a str>,
    families: &'a [String],
    what: &'a str,
    keeps: &'a [String],
    saved_series: u64,
    saved_samples_per_day: Option<f64>,
}

#[derive(Serialize)]
struct WireAdvice<'a> {
    family: &'a str,
    saved_series: u64,
    text: &'a str,
}

/// The plan in its wire form; samples per day at the cost's interval, when known.
pub(super) fn wire<'a>(plan: &'a Plan, cost: Option<&Cost>) -> WireRelabel<'a> {
    WireRelabel {
        series: plan.series,
        series_after: plan.series_after,
        rules: plan
            .rules
            .iter()
            .map(|r| WireRule {
                kind: match r.kind {
                    RuleKind::Drop => "drop",
                    RuleKind::ClearLabel => "clear_label",
                    RuleKind::Template => "template",
                },
                source_labels: &r.config.source_labels,
                regex: &r.config.regex,
                action: r.config.action,
                target_label: r.config.target_label.as_deref(),
                replacement: r.config.replacement.as_deref(),
                families: &r.families,
                what: &r.what,
                keeps: &r.keeps,
                saved_series: r.saved,
                saved_samples_per_day: cost.and_then(|c| c.per_day(r.saved)),
            })
            .collect(),
        advice: plan
            .advice
            .iter()
            .map(|a| WireAdvice {
                family: &a.family,
                saved_series: a.saved,
                text: &a.text,
            })
            .collect(),
        notes: &plan.notes,
    }
}

/// One job's drop in the fleet's ranking (`fleet.relabel_savings`).
#[derive(Serialize)]
pub(super) struct WireJobSaving<'a> {
    job: &'a str,
    regex: &'a str,
    saved_series: u64,
    saved_samples_per_day: Option<f64>,
}

/// The jobs' drops, most series saved first; `None` when no job has a plan of its own
/// (only server mode works one out per job).
pub(super) fn ranked(f: &super::Fleet) -> Option<Vec<WireJobSaving<'_>>> {
    f.jobs.iter().any(|j| j.relabel.is_some()).then(|| {
        f.drops_ranked()
            .into_iter()
            .map(|(j, r)| WireJobSaving {
                job: &j.job,
                regex: &r.config.regex,
                saved_series: r.saved,
                saved_samples_per_day: j.server_cost.as_ref().and_then(|c| c.per_day(r.saved)),
            })
            .collect()
    })
}
