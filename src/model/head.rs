//! What a server says of the series it holds, beside what PromQL counts: its own cardinality
//! statistics (Prometheus's head block, VictoriaMetrics's per-day index, Mimir's cardinality
//! API), and what it could not say. Plain data, filled in `server`.

/// The server's own view of its series, for a fleet read from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerCost {
    /// The server's cardinality statistics, when it has an API for them.
    pub head: Option<Head>,
    /// What could not be read, and what a figure covers: an absent endpoint, a fleet too
    /// large for per-target families, a head that does not cover the range.
    pub notes: Vec<String>,
    /// Usage the server gave without being asked: `(source, how many uses)`.
    pub usage: Vec<(String, u64)>,
    /// The metric names the server's rules read, by name.
    pub rules_read: Vec<String>,
}

/// One cardinality API's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Head {
    /// The endpoint that answered (`/api/v1/status/tsdb`).
    pub source: String,
    /// What its figures cover (`the head block, every series` or `the series of 2026-01-01
    /// matching {job="api"}`).
    pub scope: String,
    /// Series counted, when it says.
    pub series: Option<u64>,
    /// Series per metric name, most first.
    pub names: Vec<(String, u64)>,
    /// Distinct values per label name, most first.
    pub labels: Vec<(String, u64)>,
    /// The label with the most distinct values and its values with the most series, when
    /// the server can focus on one (VictoriaMetrics's `focusLabel`, Mimir's `label_values`).
    pub focus: Option<(String, Vec<(String, u64)>)>,
}
