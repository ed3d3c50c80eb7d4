//! The service behind an exporter.
//!
//! redis_exporter, the nginx, PostgreSQL, MySQL, memcached and Varnish exporters are
//! separate processes: their `process_resident_memory_bytes` and `process_start_time_seconds`
//! are the exporter's own (13 MB for redis_exporter), not the service's. A target is
//! recognised as one by a series only that exporter writes, and the service's own memory,
//! start time, CPU and cache figures are read instead. The table is documented in
//! `docs/exporters.md`.

use crate::model::{SeriesValue, Snapshot};

/// A service whose figures reach Prometheus through a separate exporter.
#[derive(Debug)]
pub(crate) struct Service {
    /// The service, for notes: `Redis`.
    pub(crate) name: &'static str,
    /// The exporter, for notes: `redis_exporter`.
    pub(crate) exporter: &'static str,
    /// A family only this exporter writes.
    pub(crate) signature: &'static str,
    /// The service's count of requests, when it has one and it is not named like one.
    requests: Option<&'static str>,
    /// The service's resident memory, in order of preference.
    pub(crate) memory: &'static [&'static str],
    /// The service's start time (seconds since the epoch).
    pub(crate) start: &'static [&'static str],
    /// The service's uptime, with the factor to seconds.
    pub(crate) uptime: &'static [(&'static str, f64)],
    /// The service's CPU seconds, summed (user and system).
    pub(crate) cpu: &'static [&'static str],
    /// The service's cache: hits family, misses family, and the label matchers that select
    /// them when one family holds both (`command="get"`, `status="hit"`).
    pub(crate) cache: Option<ServiceCache>,
}

/// How a service counts cache hits and misses.
#[derive(Debug)]
pub(crate) struct ServiceCache {
    /// What the cache is, for the check's subject: `redis keyspace`.
    pub(crate) subject: &'static str,
    /// Family and label matchers of the hits.
    pub(crate) hits: (&'static str, &'static [(&'static str, &'static str)]),
    /// Family and label matchers of the misses.
    pub(crate) misses: (&'static str, &'static [(&'static str, &'static str)]),
    /// Whether the first family counts every lookup, hits and misses alike (InnoDB's
    /// `read_requests`), rather than the hits alone.
    pub(crate) lookups: bool,
}

const SERVICES: &[Service] = &[
    Service {
        name: "Redis",
        exporter: "redis_exporter",
        signature: "redis_up",
        requests: None,
        memory: &["redis_memory_used_rss_bytes"],
        start: &["redis_start_time_seconds"],
        uptime: &[("redis_uptime_in_seconds", 1.0)],
        cpu: &[
            "redis_cpu_sys_seconds_total",
            "redis_cpu_user_seconds_total",
        ],
        cache: Some(ServiceCache {
            subject: "redis keyspace",
            hits: ("redis_keyspace_hits_total", &[]),
            misses: ("redis_keyspace_misses_total", &[]),
            lookups: false,
        }),
    },
    Service {
        name: "memcached",
        exporter: "memcached_exporter",
        signature: "memcached_up",
        requests: None,
        memory: &[],
        start: &[],
        uptime: &[("memcached_uptime_seconds", 1.0)],
        cpu: &[
            "memcached_process_system_cpu_seconds_total",
            "memcached_process_user_cpu_seconds_total",
        ],
        cache: Some(ServiceCache {
            subject: "memcached get",
            hits: (
                "memcached_commands_total",
                &[("command", "get"), ("status", "hit")],
            ),
            misses: (
                "memcached_commands_total",
                &[("command", "get"), ("status", "miss")],
            ),
            lookups: false,
        }),
    },
    Service {
        name: "Varnish",
        exporter: "prometheus_varnish_exporter",
        signature: "varnish_up",
        requests: Some("varnish_main_client_req"),
        memory: &[],
        start: &[],
        uptime: &[("varnish_main_uptime", 1.0)],
        cpu: &[],
        cache: Some(ServiceCache {
            subject: "varnish",
            hits: ("varnish_main_cache_hit", &[]),
            misses: ("varnish_main_cache_miss", &[]),
            lookups: false,
        }),
    },
    Service {
        name: "nginx",
        exporter: "nginx-prometheus-exporter",
        signature: "nginx_up",
        requests: None,
        memory: &[],
        start: &[],
        uptime: &[],
        cpu: &[],
        cache: None,
    },
    Service {
        name: "PostgreSQL",
        exporter: "postgres_exporter",
        signature: "pg_up",
        requests: None,
        memory: &[],
        start: &["pg_postmaster_start_time_seconds"],
        uptime: &[],
        cpu: &[],
        // Shared buffers, summed over every database (and the shared catalogs, datname="").
        cache: Some(ServiceCache {
            subject: "postgresql shared buffers",
            hits: ("pg_stat_database_blks_hit", &[]),
            misses: ("pg_stat_database_blks_read", &[]),
            lookups: false,
        }),
    },
    Service {
        name: "MySQL",
        exporter: "mysqld_exporter",
        signature: "mysql_up",
        requests: None,
        memory: &[],
        start: &[],
        uptime: &[("mysql_global_status_uptime", 1.0)],
        cpu: &[],
        // Logical reads, and those that had to go to disk.
        cache: Some(ServiceCache {
            subject: "innodb buffer pool",
            hits: ("mysql_global_status_innodb_buffer_pool_read_requests", &[]),
            misses: ("mysql_global_status_innodb_buffer_pool_reads", &[]),
            lookups: true,
        }),
    },
];

/// The service behind the exporter that wrote `snap`, if it is one of the table's.
pub(crate) fn recognise(snap: &Snapshot) -> Option<&'static Service> {
    SERVICES
        .iter()
        .find(|s| snap.stats.families.iter().any(|f| f.name == s.signature))
}

/// The service's request counter, when the table names one and the page has it.
pub(crate) fn requests(snap: &Snapshot) -> Option<&crate::model::Family> {
    snap.family(recognise(snap)?.requests?)
        .filter(|f| !f.series.is_empty())
}

/// Whether the detectors read family `name` for some service (the parser keeps it whole).
pub(crate) fn wanted(name: &str) -> bool {
    SERVICES.iter().any(|s| {
        s.signature == name
            || s.requests == Some(name)
            || s.memory.contains(&name)
            || s.start.contains(&name)
            || s.uptime.iter().any(|u| u.0 == name)
            || s.cpu.contains(&name)
            || s.cache
                .as_ref()
                .is_some_and(|c| c.hits.0 == name || c.misses.0 == name)
    })
}

/// The sum of the finite series of `name` whose labels match `matchers`, when there are any.
pub(crate) fn sum_of(snap: &Snapshot, name: &str, matchers: &[(&str, &str)]) -> Option<f64> {
    let f = snap.family(name)?;
    let vals: Vec<f64> = f
        .series
        .iter()
        .filter(|s| matchers.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .filter_map(|s| match s.value {
            SeriesValue::Scalar(v) if v.is_finite() => Some(v),
            _ => None,
        })
        .collect();
    (!vals.is_empty()).then(|| vals.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::snapshot_of;

    #[test]
    fn recognised_by_signature_only() {
        let snap = snapshot_of("redis_up 1\nredis_memory_used_rss_bytes 8e6\n");
        assert_eq!(recognise(&snap).map(|s| s.name), Some("Redis"));
        let snap = snapshot_of("redis_memory_used_rss_bytes 8e6\n");
        assert!(recognise(&snap).is_none());
        assert!(wanted("redis_keyspace_hits_total") && !wanted("redis_commands_total"));
    }

    #[test]
    fn sums_with_matchers() {
        let snap = snapshot_of(concat!(
            "memcached_commands_total{command=\"get\",status=\"hit\"} 4\n",
            "memcached_commands_total{command=\"get\",status=\"miss\"} 1\n",
            "memcached_commands_total{command=\"set\",status=\"hit\"} 9\n",
        ));
        let hit = [("command", "get"), ("status", "hit")];
        assert_eq!(sum_of(&snap, "memcached_commands_total", &hit), Some(4.0));
        assert_eq!(sum_of(&snap, "memcached_commands_total", &[]), Some(14.0));
        assert_eq!(sum_of(&snap, "nope", &[]), None);
    }
}
