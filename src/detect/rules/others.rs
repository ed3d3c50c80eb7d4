//! Pages about processes and hosts other than the one that serves them: a collector's, whose
//! memory and CPU families name the process each one describes, and a prober's, whose own
//! measurements all name the remote host they were taken of. On both, the client library's
//! plain `process_*` describes the collector or the prober, not what the page is about.

use super::process::{is_library, stats, Marker};
use crate::model::Snapshot;

/// The collector's marker: see [`by_process`].
pub(super) const BY_PROCESS: Marker = Marker {
    shape: "the client library's families beside memory or CPU by process",
    because: "a memory or CPU family that names the process, runtime or container each series describes is about other processes, and the library's process_* is the one collecting them",
    find: |s| library(s).then(|| by_process(s)).flatten(),
};

/// The prober's marker: see [`prober`].
pub(super) const PROBER: Marker = Marker {
    shape: "a prober's build information",
    because: "every labelled family of its namespace names a remote host: the page is about the hosts it probes, and its process_* is the prober's",
    find: prober,
};

/// Words of a family name that say it measures memory or CPU.
const RESOURCE: [&str; 5] = ["memory", "mem", "rss", "cpu", "vcpu"];

/// Words of a label name that say which process a series describes: a pid, a process, a
/// runtime (one running instance of an application), a container.
const PROCESS: [&str; 4] = ["pid", "process", "runtime", "container"];

/// Words of a label name that say which remote host a series was measured on.
const HOST: [&str; 6] = ["host", "hostname", "target", "ip", "address", "addr"];

/// Whether one of `name`'s `_`-separated words is in `words`.
fn has_word(name: &str, words: &[&str]) -> bool {
    name.split('_').any(|w| words.contains(&w))
}

/// Whether the page carries the client library's families.
pub(super) fn library(snap: &Snapshot) -> bool {
    stats(snap).any(|f| is_library(&f.name))
}

/// Each family read and its label names (`le` and `quantile` left out: they divide a
/// histogram or summary, not what it describes).
fn labelled(snap: &Snapshot) -> impl Iterator<Item = (&str, impl Iterator<Item = &str> + Clone)> {
    snap.stats.labels.iter().map(|f| {
        let names = f
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .filter(|l| !matches!(*l, "le" | "quantile"));
        (f.name.as_str(), names)
    })
}

/// A family, not the client library's, that measures memory or CPU by process
/// (`<ns>_runtime_memory_used_bytes{runtime_tag}`, `<ns>_component_rss_mb{pid}`): the first,
/// for notes.
fn by_process(snap: &Snapshot) -> Option<String> {
    labelled(snap)
        .find(|(name, labels)| resource(name) && labels.clone().any(|l| has_word(l, &PROCESS)))
        .map(|(name, _)| name.to_string())
}

/// A prober's `<x>_build_info`: every family of its namespace (the first word of `<x>`) that
/// has labels, other than the build information itself, has one naming a remote host, and
/// there is one. Families without labels (a configuration reload's time and success) describe
/// the prober itself and are not counted.
fn prober(snap: &Snapshot) -> Option<String> {
    let infos = labelled(snap).filter(|(name, _)| !is_library(name) && x_of(name).is_some());
    infos.map(|(name, _)| name).find_map(|name| {
        let ns = prober_namespace(name)?;
        // For each labelled family of the namespace: whether a label names a host.
        let mut own = labelled(snap)
            .filter(|(other, _)| other.starts_with(&ns) && *other != name)
            .filter_map(|(_, mut labels)| {
                let labelled = labels.clone().next().is_some();
                labelled.then(|| labels.any(|l| has_word(l, &HOST)))
            })
            .peekable();
        own.peek()?;
        own.all(|host| host).then(|| name.to_string())
    })
}

/// The namespace (`wisp_`) whose families the prober rule reads beside build information
/// `name` (`wisp_pinger_build_info`).
pub(crate) fn prober_namespace(name: &str) -> Option<String> {
    Some(format!("{}_", x_of(name)?.split('_').next()?))
}

/// Whether family `name` is one the collector's rule reads the label names of: memory or
/// CPU, not the client library's.
pub(crate) fn resource(name: &str) -> bool {
    !is_library(name) && has_word(name, &RESOURCE)
}

/// Whether label `name` says which process or which remote host a series is about: the
/// label names the collector's and the prober's rules look for.
pub(crate) fn process_or_host(name: &str) -> bool {
    has_word(name, &PROCESS) || has_word(name, &HOST)
}

/// `<x>` of `<x>_build_info`.
fn x_of(name: &str) -> Option<&str> {
    name.strip_suffix("_build_info").filter(|x| !x.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::snapshot_of;

    #[test]
    fn process_labels_on_memory_or_cpu() {
        let s = snapshot_of("zorb_runtime_memory_bytes{runtime_tag=\"41\"} 1\n");
        assert_eq!(by_process(&s).as_deref(), Some("zorb_runtime_memory_bytes"));
        // Not memory or CPU: a process label on a queue says nothing of whose memory.
        assert!(by_process(&snapshot_of("zorb_jobs{pid=\"41\"} 1\n")).is_none());
        // `member` and `memo` are not `mem`; `pod` is not a process.
        assert!(by_process(&snapshot_of("zorb_members{pid=\"41\"} 1\n")).is_none());
        assert!(by_process(&snapshot_of("zorb_memory_bytes{pod=\"a\"} 1\n")).is_none());
        // The library's own families are the page's process, whatever their labels.
        assert!(by_process(&snapshot_of("process_cpu_seconds_total{pid=\"1\"} 1\n")).is_none());
    }

    #[test]
    fn a_prober_measures_only_remote_hosts() {
        let info = "wisp_pinger_build_info{version=\"1\"} 1\nwisp_pinger_config_reloads 3\n";
        let s = snapshot_of(&format!(
            "{info}wisp_rtt_seconds{{host=\"a\",ip=\"10.0.0.1\"}} 1\n"
        ));
        assert_eq!(prober(&s).as_deref(), Some("wisp_pinger_build_info"));
        // One family about something else: not a prober.
        let s = snapshot_of(&format!(
            "{info}wisp_rtt_seconds{{host=\"a\"}} 1\nwisp_queue{{kind=\"b\"}} 2\n"
        ));
        assert!(prober(&s).is_none());
        // Nothing labelled beside the build information: nothing says what it measures.
        assert!(prober(&snapshot_of(info)).is_none());
    }
}
