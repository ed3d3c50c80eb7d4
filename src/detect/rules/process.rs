//! Which process a page describes, and which process each figure on it belongs to.
//!
//! A page written by an exporter shows two processes: the exporter's own, whose plain
//! `process_*` the client library writes, and the service's, which the exporter reads. The
//! markers below tell such a page from one a program writes about itself; the figures below
//! name the series that carry the service's own memory, CPU, start time and uptime. Both are
//! conventions, not lists of programs, so they hold for namespaces nobody has seen. Where the
//! page does not say, the figure is unknown: a number from the wrong process is worse.

use super::others::{self, library};
use crate::model::{Family, FamilyStats, MetricType, Snapshot};

/// A convention that marks a page as an exporter's.
pub(crate) struct Marker {
    /// The shape of the family it looks for, as the notes and docs write it.
    pub(crate) shape: &'static str,
    /// Why the shape means an exporter.
    pub(crate) because: &'static str,
    /// The family on the page that has the shape.
    pub(super) find: fn(&Snapshot) -> Option<String>,
}

/// Every marker, in the order they are tried.
pub(crate) const MARKERS: &[Marker] = &[
    Marker {
        shape: "<x>_exporter_build_info",
        because: "exporters are named <x>_exporter and register their build information under that name",
        find: |s| stats(s).find(|f| namespace_of(&f.name, "_exporter_build_info").is_some()).map(|f| f.name.clone()),
    },
    Marker {
        shape: "<x>_exporter_scrapes_total",
        because: "an exporter counts its collections of another program's state",
        find: |s| stats(s).find(|f| sampled_namespace(f, "_exporter_scrapes_total").is_some()).map(|f| f.name.clone()),
    },
    Marker {
        shape: "<ns>_up",
        because: "one gauge of one series saying whether the exporter reached the program it reads, as Prometheus's `up` does for targets",
        find: |s| up_namespaces(s).first().map(|ns| format!("{ns}_up")),
    },
    Marker {
        shape: "the client library's families beside a foreign namespace",
        because: "the client library's process_*, go_*, promhttp_*, python_* describe the process serving the page, and a namespace with process figures of its own is a second process",
        find: |s| {
            let ns = library(s).then(|| process_namespaces(s))?;
            Some(format!("{}_process_*", ns.first()?))
        },
    },
    others::BY_PROCESS,
    others::PROBER,
];

/// What a figure of the service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Resident memory, bytes.
    Memory,
    /// CPU seconds, user and system.
    Cpu,
    /// Start time, seconds since the epoch.
    Start,
    /// Uptime, seconds.
    Uptime,
}

/// A convention for where a process's figure is, under the process's namespace `<ns>`.
pub(crate) struct Figure {
    /// What the figure is.
    pub(crate) role: Role,
    /// The name after `<ns>`.
    pub(crate) suffix: &'static str,
    /// Why the name means that figure of that process.
    pub(crate) because: &'static str,
}

/// The service's own figures, in order of preference within each role.
pub(crate) const FIGURES: &[Figure] = &[
    Figure {
        role: Role::Memory,
        suffix: "_process_resident_memory_bytes",
        because: "the client library's process collector, given the namespace of the process it reads (an exporter with the service's pid file)",
    },
    Figure {
        role: Role::Cpu,
        suffix: "_process_cpu_seconds_total",
        because: "the same collector's CPU seconds",
    },
    Figure {
        role: Role::Start,
        suffix: "_process_start_time_seconds",
        because: "the same collector's start time",
    },
    Figure {
        role: Role::Start,
        suffix: "_start_time_seconds",
        because: "a start time in seconds since the epoch, named after the program",
    },
    Figure {
        role: Role::Uptime,
        suffix: "_uptime_seconds",
        because: "an uptime in seconds, named after the program",
    },
    Figure {
        role: Role::Uptime,
        suffix: "_uptime_seconds_total",
        because: "the same, written as a counter",
    },
];

/// Families the client library writes about the process that serves the page.
const LIBRARY: [&str; 4] = ["process_", "go_", "promhttp_", "python_"];

/// The suffixes of a foreign namespace's process figures.
const PROCESS: [&str; 3] = [
    "_process_resident_memory_bytes",
    "_process_cpu_seconds_total",
    "_process_start_time_seconds",
];

/// Why the page is an exporter's: the family found and the marker's shape, for notes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Exporter {
    /// The family that marks it.
    pub(crate) family: String,
    /// The convention it follows.
    pub(crate) shape: &'static str,
    /// Why that convention means an exporter.
    pub(crate) because: &'static str,
}

impl Exporter {
    /// `bind_up (<ns>_up: …)`, for notes.
    pub(crate) fn describe(&self) -> String {
        format!("{} ({}: {})", self.family, self.shape, self.because)
    }
}

/// The first marker the page carries.
pub(crate) fn exporter(snap: &Snapshot) -> Option<Exporter> {
    MARKERS.iter().find_map(|m| {
        (m.find)(snap).map(|family| Exporter {
            family,
            shape: m.shape,
            because: m.because,
        })
    })
}

/// The namespace of the service behind an exporter: the one foreign namespace with process
/// figures of its own, or the one an `<ns>_up` names (the shortest, when `haproxy_up` and
/// `haproxy_server_up` both have one series). `None` when the page does not say, or says
/// several things.
pub(crate) fn service_namespace(snap: &Snapshot) -> Option<String> {
    let procs = process_namespaces(snap);
    let ups = up_namespaces(snap);
    match procs.as_slice() {
        [one] => return Some(one.clone()),
        [] => {}
        several => return several.iter().find(|ns| ups.contains(ns)).cloned(),
    }
    let shortest = ups.iter().min_by_key(|ns| ns.len())?;
    ups.iter()
        .all(|ns| ns.starts_with(shortest.as_str()))
        .then(|| shortest.clone())
}

/// The service's family for `role` under namespace `ns`: the first of the conventions
/// present, with the convention's reason.
pub(crate) fn service_figure<'a>(
    snap: &'a Snapshot,
    ns: &str,
    role: Role,
) -> Option<(&'a Family, &'static str)> {
    FIGURES
        .iter()
        .filter(|f| f.role == role)
        .find_map(|f| sampled(snap, &format!("{ns}{}", f.suffix)).map(|s| (s, f.because)))
}

/// The names the service's figures for `role` would have, for notes that say what is missing.
pub(crate) fn figure_names(ns: &str, role: Role) -> String {
    let names: Vec<String> = FIGURES
        .iter()
        .filter(|f| f.role == role)
        .map(|f| format!("{ns}{}", f.suffix))
        .collect();
    names.join(", ")
}

/// On a page about its own process: the one family named `<ns><suffix>` for any `<ns>`
/// (`ruby_process_resident_memory_bytes`, `cilium_process_cpu_seconds_total`). `None` when
/// there is none, or when several namespaces have one and the page does not say which is its.
pub(crate) fn lone<'a>(snap: &'a Snapshot, suffix: &str) -> Option<&'a Family> {
    let mut found = snap
        .families
        .iter()
        .filter(|f| namespace_of(&f.sample_name(), suffix).is_some());
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Whether family `name` is the client library's, or the exporter's own (`<x>_exporter_…`):
/// on an exporter's page, what such a counter counts is the exporter's work, not the service's.
pub(crate) fn exporters_own(name: &str) -> bool {
    is_library(name) || name.contains("_exporter_")
}

/// Whether the detectors read family `name` for a figure of some namespace's process.
pub(crate) fn wanted(name: &str) -> bool {
    FIGURES.iter().any(|f| name.ends_with(f.suffix))
        || name.ends_with("_process_cpu_seconds")
        || name.ends_with("_uptime_seconds")
}

/// The shapes of the families a marker reads by name and number of series, as anchored
/// regular expressions over a name: what server mode asks the server for besides the families
/// the detectors read. Shapes, not the names themselves, so that the query stays short
/// whatever the fleet holds.
const NAMED: [&str; 5] = [
    "(process|go|promhttp|python)_.*",
    ".*_build_info",
    ".*_up",
    ".*_exporter_.*",
    ".*_process_.*",
];

/// The collector's memory or CPU families, by a word of their name: the markers read their
/// label names too.
const RESOURCE: &str = "(.*_)?(memory|mem|rss|cpu|vcpu)(_.*)?";

/// One anchored regular expression (RE2, as PromQL's `=~`) matching every family whose label
/// names a marker reads: memory or CPU by a word of its name, and every family of the
/// namespaces `probers` of the `<x>_build_info` families present
/// ([`others::prober_namespace`]).
pub(crate) fn labelled_regex(probers: &[String]) -> String {
    let mut alt = vec![RESOURCE.to_string()];
    alt.extend(
        probers
            .iter()
            .map(|ns| format!("{}.*", crate::escape::promql::regex_literal(ns))),
    );
    alt.join("|")
}

/// Likewise, every family a marker reads: those above, and those read by name alone.
pub(crate) fn marker_regex(probers: &[String]) -> String {
    format!("{}|{}", NAMED.join("|"), labelled_regex(probers))
}

/// The retained family whose samples are called `name` (`x_total` is an OpenMetrics counter
/// `x` or a text-format family `x_total`).
fn sampled<'a>(snap: &'a Snapshot, name: &str) -> Option<&'a Family> {
    snap.families
        .iter()
        .find(|f| f.name == name || f.sample_name() == name)
        .filter(|f| !f.series.is_empty())
}

pub(super) fn stats(snap: &Snapshot) -> impl Iterator<Item = &FamilyStats> {
    snap.stats.families.iter().filter(|f| f.series > 0)
}

/// `<ns>` of a family whose samples are named `<ns><suffix>`: an OpenMetrics counter `x` is
/// sampled `x_total`.
fn sampled_namespace<'a>(f: &'a FamilyStats, suffix: &str) -> Option<&'a str> {
    namespace_of(&f.name, suffix).or_else(|| {
        let bare = suffix.strip_suffix("_total")?;
        (f.mtype == MetricType::Counter)
            .then(|| namespace_of(&f.name, bare))
            .flatten()
    })
}

/// `<ns>` of `<ns><suffix>`, when `<ns>` is a namespace: not empty, and not the exporter's
/// own (`x_exporter_process_…` describes the exporter).
fn namespace_of<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    name.strip_suffix(suffix)
        .filter(|ns| !ns.is_empty() && !ns.ends_with('_') && !ns.ends_with("exporter"))
}

pub(super) fn is_library(name: &str) -> bool {
    LIBRARY.iter().any(|p| name.starts_with(p))
}

/// Namespaces with an `<ns>_up` gauge of one series, in page order.
fn up_namespaces(snap: &Snapshot) -> Vec<String> {
    stats(snap)
        .filter(|f| f.series == 1 && matches!(f.mtype, MetricType::Gauge | MetricType::Unknown))
        .filter_map(|f| namespace_of(&f.name, "_up"))
        .filter(|ns| !is_library(ns))
        .map(str::to_string)
        .collect()
}

/// Namespaces with process figures of their own, in page order, each once.
fn process_namespaces(snap: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in stats(snap) {
        if let Some(ns) = PROCESS.iter().find_map(|s| sampled_namespace(f, s)) {
            if !out.iter().any(|o| o == ns) {
                out.push(ns.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::snapshot_of;

    #[test]
    fn every_rule_is_stated_in_the_docs() {
        let doc = include_str!("../../../docs/exporters.md");
        for m in MARKERS {
            assert!(doc.contains(m.shape), "{}", m.shape);
        }
        for f in FIGURES {
            assert!(doc.contains(&format!("`<ns>{}`", f.suffix)), "{}", f.suffix);
        }
    }

    #[test]
    fn the_marker_regex_matches_what_the_markers_read() {
        let probers = vec!["wisp_".to_string(), "a.b_".to_string()];
        let re = regex_lite::Regex::new(&format!("^(?:{})$", marker_regex(&probers))).unwrap();
        for name in [
            "go_goroutines",
            "zorb_exporter_build_info",
            "zorb_build_info",
            "zorb_up",
            "zorb_exporter_scrapes_total",
            "zorb_process_resident_memory_bytes",
            "zorb_runtime_memory_used_bytes",
            "zorb_component_rss_mb",
            "cpu_seconds",
            "wisp_rtt_seconds",
            "a.b_rtt",
        ] {
            assert!(re.is_match(name), "{name}");
        }
        for name in [
            "zorb_members",
            "zorb_startup",
            "zorb_requests_total",
            "axb_rtt",
            "gopher_x",
        ] {
            assert!(!re.is_match(name), "{name}");
        }
    }

    #[test]
    fn namespaces() {
        assert_eq!(namespace_of("bind_up", "_up"), Some("bind"));
        assert_eq!(namespace_of("_up", "_up"), None);
        assert_eq!(namespace_of("x_exporter_up", "_up"), None);
        assert_eq!(namespace_of("zanthor_startup", "_up"), None);
        let two = snapshot_of("# TYPE a_up gauge\na_up{d=\"1\"} 1\na_up{d=\"2\"} 1\n");
        assert!(exporter(&two).is_none());
        let s = snapshot_of("haproxy_up 1\nhaproxy_server_up{s=\"a\"} 1\n");
        assert_eq!(service_namespace(&s).as_deref(), Some("haproxy"));
        let s = snapshot_of("a_up 1\nb_up 1\n");
        assert_eq!(service_namespace(&s), None);
    }
}
