//! Scrapes a fleet: every target concurrently (a bound on the requests in flight), each
//! body parsed and analysed on a small pool of threads as it arrives, progress reported to
//! the caller. A failed target is a report with its error; the others go on. With a window,
//! every target is scraped twice, the second round starting a window after the first.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::discover::Discovered;
use crate::analysis::{self, Scrape};
use crate::cli::InputFormatArg;
use crate::collect::format_choice;
use crate::config::Config;
use crate::detect::{self, TimeSource};
use crate::input::concurrent::{self, Fetched};
use crate::model::Snapshot;
use crate::parse::{self, ParseError, ParseOptions, Parsed};
use crate::recommend::relabel::{Gatherer, Seen};
use crate::report::{Report, ScrapeFacts, Target};

/// How to scrape.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// The byte limit of each body, after decompression too.
    pub max_bytes: u64,
    /// `--input-format`.
    pub input_format: InputFormatArg,
    /// Scrape twice, this far apart.
    pub window: Option<Duration>,
    /// Where the targets came from, for the reports.
    pub source: String,
}

/// The fleet's reports.
pub struct Scraped {
    /// One report per target, in the targets' order.
    pub reports: Vec<Report>,
    /// Each job's first target that was analysed: what its alert rules are written from.
    pub samples: BTreeMap<String, Snapshot>,
    /// Targets that failed.
    pub failed: usize,
}

/// One scrape of one target, parsed (with every series when relabel rules are worked out),
/// or why not.
type Read = Result<((Parsed, Option<Seen>), TimeSource, f64), String>;

/// Parses a fetched body; gzip is decoded here, inside the parser's byte limit. The body's
/// share of the byte budget is given back when this returns.
fn parse_body(name: &str, f: Fetched, o: &Options, cfg: &Config) -> Read {
    let keep = detect::retention(&cfg.traffic);
    let opts = ParseOptions {
        format: format_choice(o.input_format, f.content_type.as_deref()),
        max_bytes: o.max_bytes,
        retain: Some(&keep),
    };
    let html = f
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("text/html"));
    let gzip = matches!(f.encoding.as_deref(), Some("gzip" | "x-gzip"));
    let (fetch_seconds, _held) = (f.seconds, f.held);
    let reader: Box<dyn std::io::Read> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(std::io::Cursor::new(
            f.body,
        )))
    } else {
        Box::new(std::io::Cursor::new(f.body))
    };
    let mut gather = (cfg.relabel || cfg.usage.is_some()).then(Gatherer::default);
    let parsed = match gather.as_mut() {
        Some(g) => parse::parse_observed(reader, &opts, g),
        None => parse::parse(reader, &opts),
    };
    let parsed = parsed.map_err(|e| match e {
        ParseError::Syntax { .. } if html => {
            format!("{name}:{e} (the server answered text/html: is this the metrics path?)")
        }
        ParseError::Syntax { .. } => format!("{name}:{e}"),
        other => format!("{name}: error: {other}"),
    })?;
    // An empty page is a broken scrape, as for one URL: a report of it would be clean.
    crate::collect::require_samples(name, &parsed)?;
    let time = TimeSource::observed(f.at, "the time of the HTTP request");
    Ok(((parsed, gather.map(Gatherer::finish)), time, fetch_seconds))
}

/// How a long run shows itself: implemented where the terminal is (`app`), so this module
/// prints nothing.
pub trait Progress: Send + Sync {
    /// A round of `total` scrapes begins.
    fn start(&self, total: usize, what: &str);
    /// One scrape is done; `failed` says whether it failed.
    fn done(&self, failed: bool);
    /// The round is over.
    fn finish(&self);
    /// Waits `w` before the second round, showing it.
    fn wait(&self, w: Duration);
}

/// What every round shares.
struct Runner<'a> {
    rt: tokio::runtime::Runtime,
    d: &'a Discovered,
    clients: Vec<reqwest::Client>,
    o: Arc<Options>,
    cfg: Arc<Config>,
    progress: Arc<dyn Progress>,
}

/// Scrapes every target once; `then` turns each read into its result, on the parse pool.
fn round<R: Send + 'static>(
    run: &Runner<'_>,
    what: &str,
    then: Arc<dyn Fn(usize, Read) -> (R, bool) + Send + Sync>,
) -> Vec<R> {
    let Runner {
        rt,
        d,
        clients,
        o,
        cfg,
        progress,
    } = run;
    progress.start(d.targets.len(), what);
    let permits = Arc::new(Semaphore::new(o.concurrency.max(1)));
    let budget = concurrent::Budget::default();
    // Targets between their request and their report at most: twice the requests in flight,
    // so that parsing overlaps fetching. Spawning every target at once held a task (a future
    // of a few KiB) per target until the end.
    let live = 2 * o.concurrency.max(1);
    let out = rt.block_on(async {
        let mut out: Vec<Option<R>> = Vec::with_capacity(d.targets.len());
        out.resize_with(d.targets.len(), || None);
        let mut set = tokio::task::JoinSet::new();
        let mut index = std::collections::HashMap::new();
        let mut settle =
            |done: Result<(tokio::task::Id, Option<R>), tokio::task::JoinError>,
             index: &mut std::collections::HashMap<tokio::task::Id, usize>| {
                // A task that panicked leaves `None`, filled in below.
                if let Ok((id, r)) = done {
                    if let Some(i) = index.remove(&id) {
                        out[i] = r;
                    }
                }
            };
        for (i, t) in d.targets.iter().enumerate() {
            while set.len() >= live {
                if let Some(done) = set.join_next_with_id().await {
                    settle(done, &mut index);
                }
            }
            let client = clients[t.job].clone();
            let http = d.jobs[t.job].http.clone();
            let url = t.url.clone();
            let (o, cfg, then) = (o.clone(), cfg.clone(), then.clone());
            let (permits, progress, budget) = (permits.clone(), progress.clone(), budget.clone());
            let handle = set.spawn(async move {
                let name = crate::input::Source::Url(url.clone()).name();
                let fetched = {
                    let _permit = permits.acquire().await;
                    concurrent::fetch(&client, &url, &http, o.max_bytes, &budget).await
                };
                let r = tokio::task::spawn_blocking(move || {
                    let read = match fetched {
                        Ok(f) => parse_body(&name, f, &o, &cfg),
                        Err(e) => Err(format!("{name}: error: {e:#}")),
                    };
                    then(i, read)
                })
                .await;
                progress.done(!r.as_ref().is_ok_and(|r| r.1));
                r.ok().map(|r| r.0)
            });
            index.insert(handle.id(), i);
        }
        while let Some(done) = set.join_next_with_id().await {
            settle(done, &mut index);
        }
        out
    });
    progress.finish();
    // A task that panicked is a bug; it still gets a report, with the reason.
    out.into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                then(
                    i,
                    Err("internal error: the analysis stopped (a bug)".into()),
                )
                .0
            })
        })
        .collect()
}

/// Families kept in each target's cost (with any holding a suspect label): a fleet's
/// reports live until the end, and the totals need none of the rest.
const FLEET_FAMILIES: usize = 10;

/// The facts one scrape gives about scraping the target: its page size against its job's
/// interval, and how long the request took.
fn facts(d: &Discovered, job: usize, parsed: &Parsed, secs: f64, source: &str) -> ScrapeFacts {
    let j = &d.jobs[job];
    ScrapeFacts {
        interval: j.interval,
        interval_source: match j.interval {
            Some(_) => format!("scrape_interval of job {:?} in {source}", j.name),
            None => "unknown: a file_sd list carries no interval".into(),
        },
        timeout: j
            .timeout
            .map(|t| (t, format!("scrape_timeout of job {:?} in {source}", j.name))),
        samples_per_scrape: Some(parsed.snapshot.stats.samples() as f64),
        duration_max: Some(secs),
        availability: None,
        restarts: None,
        memory_max: None,
        samples_post_relabeling: None,
        series_added: None,
    }
}

/// Scrapes the fleet (twice with a window) and analyses every target.
pub fn scrape(
    d: &Discovered,
    o: Options,
    cfg: &Config,
    progress: Arc<dyn Progress>,
) -> anyhow::Result<Scraped> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The parse pool: as many threads as cores, at most four.
        .max_blocking_threads(std::thread::available_parallelism().map_or(2, |n| n.get().min(4)))
        .enable_all()
        .build()?;
    let clients = d
        .jobs
        .iter()
        .map(|j| concurrent::client(&j.http))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (o, cfg) = (Arc::new(o), Arc::new(cfg.clone()));
    let run = Runner {
        rt,
        d,
        clients,
        o: o.clone(),
        cfg: cfg.clone(),
        progress: progress.clone(),
    };
    let shared = Arc::new(d.clone());
    let earlier: Option<Vec<Option<(Parsed, TimeSource)>>> = match o.window {
        None => None,
        Some(w) => {
            // The second round starts a window after the first one started, so that both
            // rounds take each target at about the same point of their span.
            let began = Instant::now();
            let first = round(
                &run,
                "scraped (first round)",
                Arc::new(|_, r: Read| {
                    let ok = r.is_ok();
                    (r.ok().map(|((p, _), t, _)| (p, t)), ok)
                }),
            );
            if first.iter().all(Option::is_none) {
                None
            } else {
                progress.wait(w.saturating_sub(began.elapsed()));
                Some(first)
            }
        }
    };
    let earlier = Arc::new(std::sync::Mutex::new(earlier));
    let now = crate::collect::now();
    let (o2, cfg2, d2, before) = (o.clone(), cfg.clone(), shared.clone(), earlier.clone());
    // Each job's first target (in the list's order) with traffic keeps its snapshot, for the
    // job's alert rules; every other one is dropped as soon as its report is made, instead of
    // every target's waiting for the end.
    let kept: Arc<std::sync::Mutex<BTreeMap<String, (usize, Snapshot)>>> = Arc::default();
    let keep = kept.clone();
    let reports = round(
        &run,
        "scraped",
        Arc::new(move |i, r: Read| {
            let t = &d2.targets[i];
            let target = Target {
                job: d2.jobs[t.job].name.clone(),
                instance: t.instance.clone(),
            };
            let name = crate::input::Source::Url(t.url.clone()).name();
            let prior = before
                .lock()
                .ok()
                .and_then(|mut e| e.as_mut().map(|v| v[i].take()));
            let analysed = r.and_then(|((parsed, seen), time, secs)| {
                let later = Scrape {
                    parsed: &parsed,
                    time: Some(time),
                };
                let earlier = match &prior {
                    Some(None) => {
                        return Err(format!(
                            "{name}: error: the first round's scrape failed, so there is no window"
                        ))
                    }
                    Some(Some((p, t))) => Some(Scrape {
                        parsed: p,
                        time: Some(t.clone()),
                    }),
                    None => None,
                };
                let mut a = analysis::analyse(name.clone(), &later, earlier.as_ref(), &cfg2)
                    .map_err(|e| format!("{name}: error: {e}"))?;
                let f = facts(&d2, t.job, &parsed, secs, &o2.source);
                a.report.notices = a.warnings;
                // A page this slow to fetch is as slow for Prometheus, timeout or not.
                if let (Some(d), Some((to, _))) = (f.duration_max, &f.timeout) {
                    if d > 0.8 * to {
                        a.report.notices.push(format!(
                            "the scrape took {d:.1}s of the job's {to}s scrape_timeout: raise it, or make the page cheaper"
                        ));
                    }
                }
                if let Some(c) = a.report.cost.as_mut() {
                    // The job's configured interval is the one Prometheus scrapes at.
                    if let Some(i) = f.interval {
                        c.interval = Some((i, f.interval_source.clone()));
                    }
                    c.keep_top(FLEET_FAMILIES);
                }
                a.report.scrape = Some(f);
                // A job's rules hold for all its targets: only the drop is worked out here.
                if let Some(seen) = &seen {
                    analysis::relabel(&mut a.report, seen, &cfg2, now, false);
                }
                Ok((a.report, parsed.snapshot))
            });
            match analysed {
                Ok((mut report, snap)) => {
                    if report.traffic.is_some() {
                        if let Ok(mut k) = keep.lock() {
                            if k.get(&target.job).is_none_or(|(first, _)| *first > i) {
                                k.insert(target.job.clone(), (i, snap));
                            }
                        }
                    }
                    report.target = Some(target);
                    (report, true)
                }
                Err(msg) => {
                    let mut report = Report::failed(name, msg);
                    report.target = Some(target);
                    (report, false)
                }
            }
        }),
    );
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    let mut kept = kept
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let samples = std::mem::take(&mut *kept)
        .into_iter()
        .map(|(job, (_, s))| (job, s))
        .collect();
    Ok(Scraped {
        reports,
        samples,
        failed,
    })
}
