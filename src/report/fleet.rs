//! Many targets at once: which target a report is about, what scraping it costs, and the
//! fleet summary that ranks the targets by what the recommended changes would save.

use super::Report;
use crate::recommend::RECOMMENDED_SCRAPE_INTERVAL;
use crate::threshold::Status;

/// The target a report is about, by its `job` and `instance` labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// `job`.
    pub job: String,
    /// `instance`.
    pub instance: String,
}

/// What scraping a target costs and how it went over the range, as the server saw it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScrapeFacts {
    /// The job's scrape interval in seconds.
    pub interval: Option<f64>,
    /// Where the interval came from (`/api/v1/targets`, the median gap between `up` samples).
    pub interval_source: String,
    /// The scrape timeout in seconds, and where it came from.
    pub timeout: Option<(f64, String)>,
    /// Samples per scrape (`scrape_samples_scraped`, averaged over the range).
    pub samples_per_scrape: Option<f64>,
    /// The longest scrape over the range (`scrape_duration_seconds`).
    pub duration_max: Option<f64>,
    /// The share of scrapes that succeeded (`avg_over_time(up[range])`).
    pub availability: Option<f64>,
    /// Process restarts in the range (`changes(process_start_time_seconds[range])`).
    pub restarts: Option<f64>,
    /// The most resident memory in the range (`max_over_time`), beside the value at its end.
    pub memory_max: Option<f64>,
    /// Samples per scrape kept after the job's own `metric_relabel_configs`
    /// (`scrape_samples_post_metric_relabeling` at the range's end).
    pub samples_post_relabeling: Option<f64>,
    /// New series over the range, the churn (`sum_over_time(scrape_series_added[range])`).
    pub series_added: Option<f64>,
}

impl ScrapeFacts {
    /// One line for the report's header.
    pub fn describe(&self) -> String {
        let u = crate::threshold::Unit::Seconds;
        let mut parts = vec![match self.interval {
            Some(i) => format!("every {} ({})", u.format(i), self.interval_source),
            None => format!("interval {}", self.interval_source),
        }];
        if let Some(s) = self.samples_per_scrape {
            parts.push(match self.ingest() {
                Some(i) => format!("{s:.0} samples per scrape, {} ingested", rate(Some(i))),
                None => format!("{s:.0} samples per scrape"),
            });
        }
        if let Some(d) = self.duration_max {
            parts.push(match &self.timeout {
                Some((t, _)) => format!(
                    "slowest scrape {} of a {} timeout",
                    u.format(d),
                    u.format(*t)
                ),
                None => format!("slowest scrape {}", u.format(d)),
            });
        }
        if let Some(a) = self.availability {
            parts.push(format!("up {}", crate::threshold::Unit::Ratio.format(a)));
        }
        if let Some(m) = self.memory_max {
            parts.push(format!(
                "most memory {}",
                crate::threshold::Unit::Bytes.format(m)
            ));
        }
        parts.join("; ")
    }

    /// Samples ingested per second: samples per scrape ÷ interval.
    pub fn ingest(&self) -> Option<f64> {
        Some(self.samples_per_scrape? / self.interval?)
    }

    /// The ingest saved by scraping at the recommended interval, when the job is faster.
    pub fn savings(&self) -> Option<f64> {
        let (samples, interval) = (self.samples_per_scrape?, self.interval?);
        Some(if interval < RECOMMENDED_SCRAPE_INTERVAL * 0.95 {
            samples / interval - samples / RECOMMENDED_SCRAPE_INTERVAL
        } else {
            0.0
        })
    }
}

/// One row of the fleet summary.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRow {
    /// The target.
    pub target: Target,
    /// Requests to the metrics endpoint per second, as the target counted them.
    pub metrics_per_second: Option<f64>,
    /// Health checks per second.
    pub health_per_second: Option<f64>,
    /// The worst check status, and its check.
    pub worst: Option<(Status, String)>,
    /// Samples per second ingested.
    pub ingest: Option<f64>,
    /// Samples per second the recommended interval saves.
    pub savings: f64,
    /// Why the target could not be analysed.
    pub error: Option<String>,
}

/// What a job's or the fleet's series cost: the sums of its targets' [`crate::model::Cost`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostTotal {
    /// Targets whose page was read (a failed target has no cost).
    pub targets: usize,
    /// Samples per scrape, summed.
    pub series: u64,
    /// After promtune's rules, when every target has that figure.
    pub series_after: Option<u64>,
    /// Samples per second, when every target's interval is known.
    pub samples_per_second: Option<f64>,
}

impl CostTotal {
    /// Adds one target's cost.
    pub fn add(&mut self, c: &crate::model::Cost) {
        self.merge(&CostTotal {
            targets: 1,
            series: c.series,
            series_after: c.series_after,
            samples_per_second: c.per_second(c.series),
        });
    }

    /// Sums totals (the fleet's from its jobs'); a figure unknown for one part is unknown
    /// for the whole.
    fn merge(&mut self, o: &CostTotal) {
        fn sum<T: std::ops::Add<Output = T>>(first: bool, a: Option<T>, b: Option<T>) -> Option<T> {
            if first {
                b
            } else {
                Some(a? + b?)
            }
        }
        if o.targets == 0 {
            return;
        }
        let first = self.targets == 0;
        self.targets += o.targets;
        self.series += o.series;
        self.series_after = sum(first, self.series_after, o.series_after);
        self.samples_per_second = sum(first, self.samples_per_second, o.samples_per_second);
    }

    /// Samples per day, when per second is known.
    pub fn per_day(&self) -> Option<f64> {
        self.samples_per_second.map(|s| s * 86_400.0)
    }

    /// Two table cells: samples per scrape and per day (`-` when no page was read).
    fn cells(&self) -> [String; 2] {
        if self.targets == 0 {
            return ["-".into(), "-".into()];
        }
        let day = self
            .per_day()
            .map_or("unknown".into(), crate::plural::count);
        [self.series.to_string(), day]
    }
}

/// Totals for one job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTotal {
    /// The job.
    pub job: String,
    /// Its targets.
    pub targets: usize,
    /// Its scrape interval, when known.
    pub interval: Option<f64>,
    /// Samples per second ingested.
    pub ingest: f64,
    /// Samples per second the recommended interval saves.
    pub savings: f64,
    /// What its series cost, from its targets' pages.
    pub cost: CostTotal,
    /// New series over the range, summed over its targets, when the server says.
    pub series_added: Option<f64>,
    /// The job's series as the server counts them at the range's end, per family (server
    /// mode).
    pub server_cost: Option<crate::model::Cost>,
    /// The job's drop rule worked out from the server's counts (server mode).
    pub relabel: Option<crate::recommend::relabel::Plan>,
}

/// The fleet summary: rows ranked by savings, totals per job.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// The range the figures cover: `(start, end)` in unix seconds.
    pub range: (f64, f64),
    /// Rows, the largest saving first (ties by job, then instance).
    pub rows: Vec<FleetRow>,
    /// Per job, by name.
    pub jobs: Vec<JobTotal>,
    /// Samples per second ingested over the fleet.
    pub ingest: f64,
    /// Samples per second the recommendations save over the fleet.
    pub savings: f64,
    /// What the server warned of (Thanos partial responses), once each.
    pub notices: Vec<String>,
    /// What the fleet's series cost.
    pub cost: CostTotal,
    /// What the server says of its series (server mode).
    pub server_cost: Option<crate::model::ServerCost>,
}

fn per_second(r: &Report, id: &str) -> Option<f64> {
    let p = r.patterns.iter().find(|p| p.id == id)?;
    Some(p.requests? / r.uptime.0?)
}

impl Fleet {
    /// The summary of `reports` (those with a target).
    pub fn from_reports(reports: &[Report], range: (f64, f64)) -> Fleet {
        // Each row is built beside its report's interval and each job found in a map: with a
        // search per row, 100,000 targets took a minute.
        let mut rows: Vec<(FleetRow, Option<f64>, Option<&crate::model::Cost>)> = reports
            .iter()
            .filter_map(|r| {
                let target = r.target.clone()?;
                let scrape = r.scrape.as_ref();
                // The first check of the worst status, in the threshold table's order.
                let worst = r
                    .checks
                    .iter()
                    .fold(None::<&crate::threshold::Check>, |w, c| match w {
                        Some(w) if w.status >= c.status => Some(w),
                        _ => Some(c),
                    })
                    .map(|c| (c.status, c.measurement.check.to_string()));
                let row = FleetRow {
                    target,
                    metrics_per_second: per_second(r, "metrics_scrapes"),
                    health_per_second: per_second(r, "health_checks"),
                    worst,
                    ingest: scrape.and_then(ScrapeFacts::ingest),
                    savings: scrape.and_then(ScrapeFacts::savings).unwrap_or(0.0),
                    error: r.error.clone(),
                };
                Some((row, scrape.and_then(|s| s.interval), r.cost.as_ref()))
            })
            .collect();
        rows.sort_by(|(a, ..), (b, ..)| {
            b.savings
                .total_cmp(&a.savings)
                .then_with(|| a.target.cmp(&b.target))
        });
        let mut jobs: std::collections::BTreeMap<&str, JobTotal> = Default::default();
        for (row, interval, cost) in &rows {
            let j = jobs
                .entry(row.target.job.as_str())
                .or_insert_with(|| JobTotal {
                    job: row.target.job.clone(),
                    targets: 0,
                    interval: *interval,
                    ingest: 0.0,
                    savings: 0.0,
                    cost: CostTotal::default(),
                    series_added: None,
                    server_cost: None,
                    relabel: None,
                });
            if let Some(c) = cost {
                j.cost.add(c);
            }
            j.targets += 1;
            j.ingest += row.ingest.unwrap_or(0.0);
            j.savings += row.savings;
        }
        let jobs: Vec<JobTotal> = jobs.into_values().collect();
        let mut cost = CostTotal::default();
        for j in &jobs {
            cost.merge(&j.cost);
        }
        Fleet {
            cost,
            range,
            ingest: jobs.iter().map(|j| j.ingest).sum(),
            savings: jobs.iter().map(|j| j.savings).sum(),
            rows: rows.into_iter().map(|(row, ..)| row).collect(),
            jobs,
            notices: Vec::new(),
            server_cost: None,
        }
    }

    /// The time the figures cover, for a heading: `A to B`, or `at A` for one scrape time.
    pub fn span(&self) -> String {
        let (a, b) = self.range;
        if !a.is_finite() {
            "no scrape time".into()
        } else if a == b {
            format!("at {}", super::rfc3339(a))
        } else {
            format!("{} to {}", super::rfc3339(a), super::rfc3339(b))
        }
    }

    /// Each job's drop rule worked out from the server's counts, the most series saved
    /// first (ties by job).
    pub fn drops_ranked(&self) -> Vec<(&JobTotal, &crate::recommend::relabel::Rule)> {
        let mut out: Vec<_> = self
            .jobs
            .iter()
            .flat_map(|j| {
                j.relabel
                    .iter()
                    .flat_map(move |p| p.rules.iter().map(move |r| (j, r)))
            })
            .collect();
        out.sort_by(|a, b| {
            b.1.saved
                .cmp(&a.1.saved)
                .then_with(|| a.0.job.cmp(&b.0.job))
        });
        out
    }

    /// One sentence per job with a drop rule, ranked as [`Fleet::drops_ranked`] (names as
    /// the server has them: escape for the output); empty when no job has one.
    pub fn drop_lines(&self) -> Vec<String> {
        self.drops_ranked()
            .into_iter()
            .map(|(j, r)| {
                let per_day = j
                    .server_cost
                    .as_ref()
                    .and_then(|c| c.per_day(r.saved))
                    .map_or("unknown".into(), crate::plural::count);
                format!(
                    "job {:?}: {}; saves {} per scrape, {per_day} samples per day",
                    j.job,
                    r.what,
                    crate::plural::of(r.saved as f64, "series", "series"),
                )
            })
            .collect()
    }

    /// A saving as a share of the fleet's ingest.
    pub fn share(&self, savings: f64) -> Option<f64> {
        (self.ingest > 0.0).then(|| savings / self.ingest)
    }
}

/// The head of the per-job table.
pub(crate) const JOB_HEAD: [&str; 7] = [
    "Job",
    "Targets",
    "Interval",
    "Ingest",
    "Saves",
    "Samples/scrape",
    "Samples/day",
];

fn rate(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| crate::threshold::Unit::PerSecond.format(v))
}

impl Fleet {
    /// The summary's rows for a table: Job, Instance, Metrics/s, Health/s, Worst, Ingest,
    /// Saves.
    pub fn table_rows(&self) -> Vec<[String; 7]> {
        self.rows
            .iter()
            .map(|r| {
                [
                    r.target.job.clone(),
                    r.target.instance.clone(),
                    rate(r.metrics_per_second),
                    rate(r.health_per_second),
                    match (&r.error, &r.worst) {
                        (Some(_), _) => "failed (see its report)".into(),
                        (None, Some((s, c))) => format!("{s} ({c})"),
                        (None, None) => "-".into(),
                    },
                    rate(r.ingest),
                    self.saving(r.savings),
                ]
            })
            .collect()
    }

    /// Per job: the columns of [`JOB_HEAD`].
    pub fn job_rows(&self) -> Vec<[String; 7]> {
        let mut rows: Vec<[String; 7]> = self
            .jobs
            .iter()
            .map(|j| {
                let [series, day] = j.cost.cells();
                [
                    j.job.clone(),
                    j.targets.to_string(),
                    j.interval.map_or("-".into(), |i| format!("{i}s")),
                    rate(Some(j.ingest)),
                    self.saving(j.savings),
                    series,
                    day,
                ]
            })
            .collect();
        let [series, day] = self.cost.cells();
        rows.push([
            "all".into(),
            self.rows.len().to_string(),
            "-".into(),
            rate(Some(self.ingest)),
            self.saving(self.savings),
            series,
            day,
        ]);
        rows
    }

    /// A saving with its share of the fleet's ingest.
    fn saving(&self, v: f64) -> String {
        if v <= 0.0 {
            return "-".into();
        }
        match self.share(v) {
            Some(s) => format!("{} ({:.1}%)", rate(Some(v)), s * 100.0),
            None => rate(Some(v)),
        }
    }
}
