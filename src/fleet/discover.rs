//! The targets of a fleet, read the way Prometheus reads them: a `prometheus.yml`'s
//! `static_configs` and `file_sd_configs` (with their globs), each job's scheme,
//! `metrics_path`, `params`, basic auth, bearer token and CA, and the simple relabelings;
//! or a file_sd file (JSON or YAML) on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use serde_yaml::Value;

use super::relabel;
use crate::input::{bounded, without_userinfo, HttpOptions};

/// One scrape job's settings.
#[derive(Debug, Clone)]
pub struct Job {
    /// `job_name`.
    pub name: String,
    /// `scrape_interval` (or the global one), in seconds.
    pub interval: Option<f64>,
    /// `scrape_timeout` (or the global one, or Prometheus's default), in seconds.
    pub timeout: Option<f64>,
    /// How its targets are fetched: the command line's options plus the job's auth and CA.
    pub http: HttpOptions,
}

/// One target to scrape.
#[derive(Debug, Clone)]
pub struct Target {
    /// Index into [`Discovered::jobs`].
    pub job: usize,
    /// The `instance` label.
    pub instance: String,
    /// The URL.
    pub url: String,
}

/// A fleet's jobs and targets, and what could not be applied.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// The jobs, in the file's order.
    pub jobs: Vec<Job>,
    /// The targets, by job then in the file's order.
    pub targets: Vec<Target>,
    /// Relabelings not applied, and the like, each naming its job.
    pub notices: Vec<String>,
    /// The Prometheus config's text, when the targets came from one (the base of the
    /// fleet's generated config).
    pub config: Option<String>,
}

/// `path:line: message` for the first line holding `needle`.
fn at(path: &Path, text: &str, needle: &str, message: String) -> anyhow::Error {
    let line = text
        .lines()
        .position(|l| l.contains(needle))
        .map(|n| format!(":{}", n + 1))
        .unwrap_or_default();
    anyhow!("{}{line}: {message}", path.display())
}

fn seconds(v: Option<&Value>) -> Option<f64> {
    humantime::parse_duration(v?.as_str()?)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// A secret given inline or in a file (relative to the config's folder).
fn secret(
    inline: Option<&Value>,
    file: Option<&Value>,
    dir: &Path,
    what: &str,
) -> anyhow::Result<Option<String>> {
    if let Some(f) = file.and_then(Value::as_str) {
        let s = bounded::read_text(&dir.join(f), what, bounded::SECRET_LIMIT)?;
        return Ok(Some(s.trim_end_matches(['\r', '\n']).to_string()));
    }
    Ok(inline.and_then(Value::as_str).map(str::to_string))
}

/// The job's HTTP options: the command line's, with the job's auth and CA on top.
fn job_http(j: &Value, dir: &Path, base: &HttpOptions) -> anyhow::Result<HttpOptions> {
    let mut o = base.clone();
    if let Some(b) = j.get("basic_auth") {
        let user = b
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let pw = secret(
            b.get("password"),
            b.get("password_file"),
            dir,
            "the basic_auth password file",
        )?;
        o.basic_auth = Some((user.to_string(), pw.unwrap_or_default()));
    }
    let bearer = match j.get("authorization") {
        Some(a) => secret(
            a.get("credentials"),
            a.get("credentials_file"),
            dir,
            "the credentials file",
        )?,
        None => secret(
            j.get("bearer_token"),
            j.get("bearer_token_file"),
            dir,
            "the bearer token file",
        )?,
    };
    if bearer.is_some() {
        o.bearer_token = bearer;
    }
    if let Some(ca) = j
        .get("tls_config")
        .and_then(|t| t.get("ca_file"))
        .and_then(Value::as_str)
    {
        o.ca_file = Some(dir.join(ca));
    }
    Ok(o)
}

/// Files matching a file_sd glob: `*` and `?` in the last path segment, as Prometheus allows.
fn glob(dir: &Path, pattern: &str) -> anyhow::Result<Vec<PathBuf>> {
    let p = dir.join(pattern);
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    if !name.contains(['*', '?']) {
        return Ok(vec![p]);
    }
    let parent = p.parent().unwrap_or(dir).to_path_buf();
    let mut out: Vec<PathBuf> = std::fs::read_dir(&parent)
        .with_context(|| format!("file_sd_configs: {}", parent.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| wildcard(&name, n))
        })
        .collect();
    out.sort();
    Ok(out)
}

fn wildcard(p: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
    // Classic backtracking over `*`: linear in practice for file names.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < s.len() {
        if i < p.len() && (p[i] == '?' || p[i] == s[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(st) = star {
            i = st + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// A mapping of strings (a target group's `labels`); other entries are left out.
fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A target group: its addresses and labels.
type Group = (Vec<String>, BTreeMap<String, String>);

/// Target groups of a file_sd file: `[{targets: [...], labels: {...}}]`, JSON or YAML.
fn file_sd(path: &Path) -> anyhow::Result<Vec<Group>> {
    let text = crate::input::yaml::read(path, "the file_sd file")?;
    let v: Value = serde_yaml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    groups_of(path, &text, &v)
}

/// The target groups of a parsed file_sd file (`text` is its source, for line numbers).
fn groups_of(path: &Path, text: &str, v: &Value) -> anyhow::Result<Vec<Group>> {
    let groups = v.as_sequence().ok_or_else(|| {
        anyhow!(
            "{}: expected a list of target groups ({{targets: [...], labels: {{...}}}})",
            path.display()
        )
    })?;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let targets = g
                .get("targets")
                .and_then(Value::as_sequence)
                .ok_or_else(|| {
                    at(
                        path,
                        text,
                        "targets",
                        format!("target group {}: no targets list", i + 1),
                    )
                })?
                .iter()
                .map(|t| {
                    t.as_str().map(str::to_string).ok_or_else(|| {
                        at(
                            path,
                            text,
                            "targets",
                            format!("target group {}: a target that is not a string", i + 1),
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let labels = string_map(g.get("labels"));
            Ok((targets, labels))
        })
        .collect()
}

/// Checks a target address as Prometheus does: `host:port` (or `host`), no scheme, no path.
fn valid_address(a: &str) -> bool {
    !a.is_empty() && !a.contains("://") && !a.contains('/') && !a.contains(char::is_whitespace)
}

/// The fleet in `path`: a Prometheus config, or a file_sd file. `jobs` keeps only those jobs.
pub fn read(path: &Path, jobs: &[String], base: &HttpOptions) -> anyhow::Result<Discovered> {
    let text = crate::input::yaml::read(path, "--targets-from")?;
    let v: Value = serde_yaml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut d = Discovered::default();
    if v.is_sequence() {
        // A file_sd file on its own: the job is each group's `job` label, else the file's stem.
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("targets")
            .to_string();
        // Job name → index into `d.jobs`: a map, as a file may hold a job per group.
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        // From the document already parsed, which is then dropped: a list of 100,000 targets
        // parsed twice held both trees at once.
        let mut seen: std::collections::BTreeSet<String> = Default::default();
        let groups = groups_of(path, &text, &v)?;
        drop(v);
        for (targets, labels) in groups {
            let job = labels.get("job").cloned().unwrap_or_else(|| stem.clone());
            seen.insert(job.clone());
            if !jobs.is_empty() && !jobs.contains(&job) {
                continue;
            }
            let idx = *names.entry(job.clone()).or_insert_with(|| {
                d.jobs.push(Job {
                    name: job,
                    interval: None,
                    timeout: None,
                    http: base.clone(),
                });
                d.jobs.len() - 1
            });
            for t in targets {
                if !valid_address(&t) {
                    return Err(at(
                        path,
                        &text,
                        &t,
                        format!("{:?} is not a valid host:port", without_userinfo(&t)),
                    ));
                }
                let instance = without_userinfo(labels.get("instance").unwrap_or(&t));
                let url = format!(
                    "{}://{t}{}",
                    labels.get("__scheme__").map_or("http", String::as_str),
                    labels
                        .get("__metrics_path__")
                        .map_or("/metrics", String::as_str)
                );
                d.targets.push(Target {
                    job: idx,
                    url,
                    instance,
                });
            }
        }
        every_job_seen(path, jobs, &seen)?;
        return Ok(d);
    }
    d.config = Some(text.clone());
    let configs = v
        .get("scrape_configs")
        .and_then(Value::as_sequence)
        .ok_or_else(|| {
            anyhow!(
                "{}: no scrape_configs list: expected a Prometheus config or a file_sd list",
                path.display()
            )
        })?;
    let global_interval =
        seconds(v.get("global").and_then(|g| g.get("scrape_interval"))).unwrap_or(60.0);
    let mut seen: std::collections::BTreeSet<&str> = Default::default();
    // The notices already given, so each is given once without a search per target.
    let mut noted: std::collections::BTreeSet<String> = Default::default();
    for (i, j) in configs.iter().enumerate() {
        let name = j.get("job_name").and_then(Value::as_str).ok_or_else(|| {
            at(
                path,
                &text,
                "scrape_configs",
                format!("scrape config {} has no job_name", i + 1),
            )
        })?;
        if !seen.insert(name) {
            let needle = format!("job_name: {name}");
            let line = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains(&needle))
                .nth(1)
                .map(|(n, _)| n + 1);
            bail!(
                "{}{}: found multiple scrape configs with job name {name:?}",
                path.display(),
                line.map(|l| format!(":{l}")).unwrap_or_default()
            );
        }
        if !jobs.is_empty() && !jobs.iter().any(|x| x == name) {
            continue;
        }
        let interval = seconds(j.get("scrape_interval")).unwrap_or(global_interval);
        let timeout = seconds(j.get("scrape_timeout"))
            .or_else(|| seconds(v.get("global").and_then(|g| g.get("scrape_timeout"))))
            .unwrap_or(10f64.min(interval));
        if timeout > interval {
            return Err(at(
                path,
                &text,
                &format!("job_name: {name}"),
                format!("job {name:?}: scrape timeout greater than scrape interval ({timeout}s > {interval}s)"),
            ));
        }
        let job = d.jobs.len();
        d.jobs.push(Job {
            name: name.to_string(),
            interval: Some(interval),
            timeout: Some(timeout),
            http: job_http(j, &dir, base).with_context(|| format!("job {name:?}"))?,
        });
        let scheme = j.get("scheme").and_then(Value::as_str).unwrap_or("http");
        let path_ = j
            .get("metrics_path")
            .and_then(Value::as_str)
            .unwrap_or("/metrics");
        let params: Vec<(String, String)> = j
            .get("params")
            .and_then(Value::as_mapping)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        Some((
                            k.as_str()?.to_string(),
                            v.as_sequence()?.first()?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rules = relabel::rules(j.get("relabel_configs")).map_err(|e| {
            at(
                path,
                &text,
                &format!("job_name: {name}"),
                format!("job {name:?}: relabel_configs: {e}"),
            )
        })?;
        let mut groups: Vec<Group> = Vec::new();
        for sc in j
            .get("static_configs")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let targets: Vec<String> = sc
                .get("targets")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect();
            let labels = string_map(sc.get("labels"));
            groups.push((targets, labels));
        }
        for fc in j
            .get("file_sd_configs")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            for pattern in fc
                .get("files")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                for f in glob(&dir, pattern)? {
                    groups.extend(file_sd(&f).with_context(|| format!("job {name:?}"))?);
                }
            }
        }
        for other in [
            "kubernetes_sd_configs",
            "consul_sd_configs",
            "dns_sd_configs",
            "ec2_sd_configs",
            "http_sd_configs",
        ] {
            if j.get(other).is_some() {
                d.notices.push(format!("job {name:?}: {other} is not read (only static_configs and file_sd_configs are)"));
            }
        }
        for (targets, labels) in groups {
            for t in targets {
                if !valid_address(&t) {
                    return Err(at(
                        path,
                        &text,
                        &t,
                        format!("job {name:?}: {t:?} is not a valid host:port"),
                    ));
                }
                // As Prometheus does: a target group's own labels (`__metrics_path__` in a
                // file_sd file) win over the job's defaults.
                let mut l = labels.clone();
                l.insert("__address__".into(), t.clone());
                let defaults = [
                    ("__scheme__".to_string(), scheme.to_string()),
                    ("__metrics_path__".to_string(), path_.to_string()),
                    ("job".to_string(), name.to_string()),
                ];
                for (k, v) in defaults.into_iter().chain(
                    params
                        .iter()
                        .map(|(k, v)| (format!("__param_{k}"), v.clone())),
                ) {
                    l.entry(k).or_insert(v);
                }
                let out = relabel::apply(&rules, l);
                for n in out.notices {
                    let n = format!("job {name:?}: {n}");
                    if noted.insert(n.clone()) {
                        d.notices.push(n);
                    }
                }
                let Some(l) = out.labels else { continue };
                let address = l.get("__address__").cloned().unwrap_or_default();
                if address.is_empty() {
                    continue;
                }
                let query: Vec<String> = l
                    .iter()
                    .filter_map(|(k, v)| Some(format!("{}={v}", k.strip_prefix("__param_")?)))
                    .collect();
                let url = format!(
                    "{}://{address}{}{}",
                    l.get("__scheme__").map_or("http", String::as_str),
                    l.get("__metrics_path__").map_or("/metrics", String::as_str),
                    if query.is_empty() {
                        String::new()
                    } else {
                        format!("?{}", query.join("&"))
                    }
                );
                let instance = without_userinfo(l.get("instance").unwrap_or(&address));
                d.targets.push(Target { job, instance, url });
            }
        }
    }
    every_job_seen(path, jobs, &seen)?;
    Ok(d)
}

/// Fails on a `--job` that names none of the jobs `seen`, listing them.
fn every_job_seen<S: AsRef<str> + Ord + std::borrow::Borrow<str>>(
    path: &Path,
    jobs: &[String],
    seen: &std::collections::BTreeSet<S>,
) -> anyhow::Result<()> {
    if let Some(missing) = jobs.iter().find(|j| !seen.contains(j.as_str())) {
        let names: Vec<&str> = seen.iter().map(AsRef::as_ref).collect();
        bail!(
            "{}: no job named {missing:?} (jobs seen: {})",
            path.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_file_names() {
        assert!(wildcard("*.json", "a.json"));
        assert!(wildcard("targets-?.yml", "targets-1.yml"));
        assert!(!wildcard("*.json", "a.yml"));
        assert!(wildcard("*", ""));
    }
}
