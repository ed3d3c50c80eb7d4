//! The drop rule of a job known only by counts, as a server gives it: series per stored
//! name (`count by (job, __name__)`), no labels. A drop reads `__name__` alone, so counts
//! are enough to work it out and to say what it saves; a label rule is proven on the series
//! themselves, so none is proposed from counts.

use std::collections::BTreeMap;

use super::{drop_rule, uses, Exempt, Plan};
use crate::input::usage::Usage;
use crate::model::MetricType;

/// One family of a job as a server counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    /// Family name (`http_request_duration_seconds`).
    pub name: String,
    /// Its type, as the stored names tell it.
    pub mtype: MetricType,
    /// Series per stored name (`x_bucket`, `x_count`, …).
    pub names: BTreeMap<String, u64>,
}

impl Counted {
    /// The stored names, sorted.
    pub fn stored_names(&self) -> Vec<&str> {
        self.names.keys().map(String::as_str).collect()
    }
}

/// The drop of every stored name of `families` no use in `usage` reads (`None`: nothing is
/// known, so nothing is dropped), sparing families `exempt` matches. The saving is the
/// series of the names dropped; `families_after` is keyed by family name.
pub fn decide_counted(families: &[Counted], usage: Option<&Usage>, exempt: &[Exempt]) -> Plan {
    let mut plan = Plan {
        series: families.iter().flat_map(|f| f.names.values()).sum(),
        ..Plan::default()
    };
    let names: Vec<(&str, Vec<&str>)> = families
        .iter()
        .map(|f| (f.name.as_str(), f.stored_names()))
        .collect();
    // Each open family with the series of its unread names: what dropping them saves.
    let open: Vec<(&Counted, _, u64)> = families
        .iter()
        .zip(uses(&names, usage, exempt, &mut plan.notes))
        .filter_map(|(f, u)| {
            let u = u?;
            let saved = u.unread.iter().filter_map(|n| f.names.get(n)).sum();
            Some((f, u, saved))
        })
        .collect();
    plan.rules
        .extend(drop_rule(open.iter().map(|(f, u, saved)| {
            (f.name.as_str(), f.names.len(), *saved, u)
        })));
    let dropped: BTreeMap<&str, u64> = open
        .iter()
        .map(|(f, _, saved)| (f.name.as_str(), *saved))
        .collect();
    for f in families {
        let all: u64 = f.names.values().sum();
        let after = all - dropped.get(f.name.as_str()).copied().unwrap_or(0);
        plan.families_after.insert(f.name.clone(), after);
    }
    plan.series_after = plan.families_after.values().sum();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(name: &str, mtype: MetricType, names: &[(&str, u64)]) -> Counted {
        Counted {
            name: name.into(),
            mtype,
            names: names.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
        }
    }

    fn job() -> Vec<Counted> {
        vec![
            counted(
                "lat",
                MetricType::Histogram,
                &[("lat_bucket", 40), ("lat_count", 4), ("lat_sum", 4)],
            ),
            counted(
                "req_total",
                MetricType::Counter,
                &[("req_created", 6), ("req_total", 6)],
            ),
            counted("mem_bytes", MetricType::Gauge, &[("mem_bytes", 1)]),
        ]
    }

    fn reads(names: &[&str]) -> Usage {
        let mut u = Usage::default();
        for n in names {
            let e = u.names.entry(n.to_string()).or_default();
            e.all_labels = true;
            e.uses.push(format!("rules.yml: {n}"));
        }
        u
    }

    #[test]
    fn drops_what_no_use_reads_and_saves_its_series() {
        let plan = decide_counted(&job(), Some(&reads(&["req_total"])), &[]);
        assert_eq!(plan.rules.len(), 1);
        let r = &plan.rules[0];
        assert_eq!(
            r.names,
            [
                "lat_bucket",
                "lat_count",
                "lat_sum",
                "mem_bytes",
                "req_created"
            ]
        );
        assert_eq!(
            r.config.regex,
            "lat_(?:bucket|count|sum)|mem_bytes|req_created"
        );
        assert_eq!(r.saved, 40 + 4 + 4 + 1 + 6);
        assert_eq!((plan.series, plan.series_after), (61, 6));
        assert_eq!(plan.families_after["req_total"], 6);
        assert_eq!(plan.families_after["lat"], 0);
        assert!(r.what.contains("req_total (its req_created)"), "{}", r.what);
    }

    #[test]
    fn nothing_without_usage_and_nothing_exempt() {
        let plan = decide_counted(&job(), None, &[]);
        assert!(plan.rules.is_empty());
        assert_eq!(plan.notes, [super::super::NO_USAGE]);
        assert_eq!(plan.series_after, plan.series);
        let keep = Exempt::new("lat", "--keep lat".into()).unwrap();
        let plan = decide_counted(&job(), Some(&reads(&["req_total", "req_created"])), &[keep]);
        assert_eq!(plan.rules[0].names, ["mem_bytes"]);
        assert_eq!(plan.rules[0].saved, 1);
        assert_eq!(plan.notes, ["exempt from every rule: lat (--keep lat)"]);
    }

    #[test]
    fn nothing_when_every_name_is_read() {
        let all = [
            "lat_bucket",
            "lat_count",
            "lat_sum",
            "req_created",
            "req_total",
            "mem_bytes",
        ];
        let plan = decide_counted(&job(), Some(&reads(&all)), &[]);
        assert!(plan.rules.is_empty());
        assert_eq!(plan.series_after, plan.series);
    }
}
