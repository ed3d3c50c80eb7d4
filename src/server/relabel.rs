//! Each job's drop rule in server mode: the job's stored names as the server counts them at
//! the range's end (`count by (job, __name__)`, read with the cost), against the usage given
//! and the server's own rules. Counts carry no labels, so only the drop is proposed; its
//! saving is the server's count of the series of the names dropped.

use std::collections::BTreeMap;

use super::families::{typed, Typed};
use crate::config::Config;
use crate::escape::promql;
use crate::input::usage::Usage;
use crate::model::{Cost, Keep};
use crate::recommend::relabel::{self, Counted, Plan};

/// Whether a sample name can be the target's: the server's own record of a scrape (`up`,
/// `scrape_*`, `ALERTS`) is left out by [`typed`], and a name with a colon is a recording
/// rule's (Prometheus reserves colons for them): metric relabelling reaches neither.
fn scraped(name: &str) -> bool {
    !name.contains(':')
}

/// The families of one job's counts, the names no scrape brings left out.
fn counted(names: &BTreeMap<String, u64>) -> Vec<Counted> {
    let kept: Vec<String> = names.keys().filter(|n| scraped(n)).cloned().collect();
    typed(&kept)
        .into_iter()
        .map(
            |Typed {
                 family,
                 mtype,
                 names: stored,
             }| Counted {
                name: family,
                mtype,
                names: stored
                    .into_iter()
                    .map(|n| {
                        let c = names.get(&n).copied().unwrap_or(0);
                        (n, c)
                    })
                    .collect(),
            },
        )
        .collect()
}

/// Each job's plan from its series per stored name (`by_job`): with `usage` (`None` when
/// none was given: nothing is dropped) and promtune's own alert rules counted as used,
/// sparing `--keep` and the config's `ignore:` entries live at `now`.
pub(super) fn plans(
    by_job: &BTreeMap<String, BTreeMap<String, u64>>,
    usage: Option<&Usage>,
    cfg: &Config,
    now: f64,
) -> BTreeMap<String, Plan> {
    let keep = crate::detect::retention(&cfg.traffic);
    let families: Vec<(&String, Vec<Counted>)> = by_job
        .iter()
        .map(|(job, names)| (job, counted(names)))
        .collect();
    // What promtune's own rules read is a matter of names and types, not of jobs: the usage
    // is completed once for every job's families (a copy per job would grow with the jobs).
    let usage = usage.map(|u| {
        relabel::with_own_of(
            u,
            families
                .iter()
                .flat_map(|(_, f)| f)
                .map(|f| (f.name.as_str(), f.mtype, f.stored_names())),
            &|n, t| keep(n, t) != Keep::Nothing,
        )
    });
    families
        .into_iter()
        .map(|(job, families)| {
            let source = format!("{{{}}}", promql::matcher("job", "=", job));
            let exempt = crate::analysis::exemptions(cfg, &source, now);
            let plan = relabel::decide_counted(&families, usage.as_ref(), &exempt);
            (job.clone(), plan)
        })
        .collect()
}

/// The job's cost after its plan: `series_after` in total and per family (the families a
/// scrape does not bring are left unknown).
pub(super) fn fill(cost: &mut Cost, plan: &Plan) {
    cost.series_after = Some(plan.series_after);
    for f in &mut cost.families {
        f.series_after = plan.families_after.get(&f.name).copied();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_rules_are_not_the_targets() {
        let names: BTreeMap<String, u64> = [
            ("job:req:rate5m", 2),
            ("req_total", 3),
            ("up", 1),
            ("scrape_samples_scraped", 1),
        ]
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
        let plan = &plans(
            &BTreeMap::from([("api".to_string(), names)]),
            Some(&Usage::default()),
            &crate::config::load(None, None, None).unwrap(),
            0.0,
        )["api"];
        assert_eq!(plan.rules.len(), 1);
        assert_eq!(plan.rules[0].names, ["req_total"]);
        assert_eq!((plan.series, plan.series_after), (3, 0));
    }
}
