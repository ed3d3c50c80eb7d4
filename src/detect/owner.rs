//! Which process a page's memory, CPU and clock belong to: the general rules' verdict
//! (`rules::process`), completed by the known-service table only for figures no general rule
//! finds (`redis_memory_used_rss_bytes`), never in place of one.

use super::rules::process::{self, Exporter, Role};
use super::service::{self, Service};
use crate::model::{Family, Snapshot};

/// An exporter's page: its plain `process_*` is the exporter's, and the service's figures are
/// read from the series below, or are unknown.
#[derive(Debug)]
pub(crate) struct Behind {
    /// Why the page is an exporter's.
    pub(crate) exporter: Exporter,
    /// The service's namespace, when the page says.
    pub(crate) ns: Option<String>,
    /// The known service, when the table has it.
    pub(crate) row: Option<&'static Service>,
}

impl Behind {
    /// The exporter behind `snap`, if a marker (or the table's signature) says it is one.
    pub(crate) fn of(snap: &Snapshot) -> Option<Behind> {
        let row = service::recognise(snap);
        let exporter = process::exporter(snap).or_else(|| {
            row.map(|r| Exporter {
                family: r.signature.to_string(),
                shape: "a known exporter's signature",
                because: "the known-service table",
            })
        })?;
        Some(Behind {
            exporter,
            ns: process::service_namespace(snap),
            row,
        })
    }

    /// The service, for notes: `Redis`, `the bind service`, `the service`.
    pub(crate) fn service(&self) -> String {
        match (self.row, &self.ns) {
            (Some(r), _) => r.name.to_string(),
            (None, Some(ns)) => format!("the {ns} service"),
            (None, None) => "the service".to_string(),
        }
    }

    /// Why the service's `roles` are unknown: the marker, and the names looked for.
    pub(crate) fn missing(&self, roles: &[Role]) -> String {
        let looked = match &self.ns {
            Some(ns) => {
                let names: Vec<String> = roles
                    .iter()
                    .map(|r| process::figure_names(ns, *r))
                    .collect();
                format!("the page has no {}", names.join(", "))
            }
            None => "the page names no service namespace (<ns>_up, <ns>_process_*)".to_string(),
        };
        format!(
            "{} marks an exporter: process_* is the exporter's own; {looked}",
            self.exporter.describe()
        )
    }

    /// The exporter, for notes: `redis_exporter`, `the exporter`.
    pub(crate) fn exporter_name(&self) -> &'static str {
        self.row.map_or("the exporter", |r| r.exporter)
    }

    /// The service's families for `role`, with the factor to base units: the general rule's
    /// first, then the table's. CPU may be several families to add (user and system).
    pub(crate) fn figures<'a>(&self, snap: &'a Snapshot, role: Role) -> Vec<(&'a Family, f64)> {
        self.sourced(snap, role).0
    }

    /// [`Behind::figures`], with the convention that found them.
    pub(crate) fn sourced<'a>(
        &self,
        snap: &'a Snapshot,
        role: Role,
    ) -> (Vec<(&'a Family, f64)>, &'static str) {
        if let Some(ns) = &self.ns {
            if let Some((f, why)) = process::service_figure(snap, ns, role) {
                return (vec![(f, 1.0)], why);
            }
        }
        (self.table(snap, role), "the known-service table")
    }

    fn table<'a>(&self, snap: &'a Snapshot, role: Role) -> Vec<(&'a Family, f64)> {
        let Some(row) = self.row else {
            return Vec::new();
        };
        let present = |n: &str| snap.family(n).filter(|f| !f.series.is_empty());
        let first = |names: &[&str]| -> Vec<(&'a Family, f64)> {
            names
                .iter()
                .find_map(|n| present(n))
                .map(|f| (f, 1.0))
                .into_iter()
                .collect()
        };
        match role {
            Role::Memory => first(row.memory),
            Role::Start => first(row.start),
            Role::Cpu => row
                .cpu
                .iter()
                .filter_map(|n| present(n))
                .map(|f| (f, 1.0))
                .collect(),
            Role::Uptime => row
                .uptime
                .iter()
                .find_map(|(n, k)| present(n).map(|f| (f, *k)))
                .into_iter()
                .collect(),
        }
    }
}
