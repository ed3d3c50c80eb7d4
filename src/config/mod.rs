//! The tool's own YAML: threshold overrides (`--thresholds`), exporter hints and suppressions
//! (`--config`). Beside `generate` and the fleet's target reader, the only module that knows
//! serde_yaml.
//!
//! Files are read strictly (`schema`): an unknown key, a value of the wrong type or in the
//! wrong unit is an error naming the file, the line and column, and the key path, so a typo
//! never silently disables a check.

mod ignore;
mod schema;

use std::fmt;
use std::path::Path;

pub use ignore::Ignore;

use crate::detect::TrafficOverride;
use crate::threshold::{Thresholds, PROFILES};

/// Everything the files and flags configure.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The threshold table in force.
    pub thresholds: Thresholds,
    /// Hand-named request family and labels.
    pub traffic: TrafficOverride,
    /// Suppressed findings (`ignore:` in the config file).
    pub ignore: Vec<Ignore>,
    /// What the user's rules, dashboards and query logs read (`--usage`); `None`: unknown.
    pub usage: Option<crate::input::usage::Usage>,
    /// `--keep`: regexes of families no relabel rule may touch.
    pub keep: Vec<String>,
    /// Whether every series of a scrape is kept to work out relabel rules (with `--usage`,
    /// or when configs are written): memory grows with the series then.
    pub relabel: bool,
}

/// A config error: `FILE:LINE:COLUMN: key.path: message` (without the place when there is
/// none, as for `--profile`).
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    file: String,
    at: Option<(usize, usize)>,
    message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some((line, column)) = self.at {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn err(file: &Path, message: impl Into<String>) -> ConfigError {
    ConfigError {
        file: file.display().to_string(),
        at: None,
        message: message.into(),
    }
}

/// serde_yaml's error with its place moved to the front, where editors and CI annotations
/// look for it.
fn located(file: &Path, e: &serde_yaml::Error) -> ConfigError {
    let text = e.to_string();
    let Some(l) = e.location() else {
        return err(file, format!("invalid YAML: {text}"));
    };
    // A key-path message ends with its place (left out at 1:1); a syntax error from libyaml
    // says its places inside the text.
    let at = format!(" at line {} column {}", l.line(), l.column());
    let message = match text.strip_suffix(&at) {
        Some(m) => m.to_string(),
        None if text.contains(" at line ") => format!("invalid YAML: {text}"),
        None => text,
    };
    ConfigError {
        file: file.display().to_string(),
        at: Some((l.line(), l.column())),
        message,
    }
}

/// Loads `profile`, then the `--config` file, then the `--thresholds` file, in that order.
pub fn load(
    profile: Option<&str>,
    config: Option<&Path>,
    thresholds: Option<&Path>,
) -> Result<Config, ConfigError> {
    let mut cfg = Config {
        thresholds: Thresholds::default_table(),
        traffic: TrafficOverride::default(),
        ignore: Vec::new(),
        usage: None,
        keep: Vec::new(),
        relabel: false,
    };
    let mut chosen = profile.map(str::to_string);
    let docs: Vec<(&Path, bool)> = config
        .map(|p| (p, true))
        .into_iter()
        .chain(thresholds.map(|p| (p, false)))
        .collect();
    let mut parsed = Vec::new();
    for (file, is_config) in docs {
        let what = if is_config {
            "the config file"
        } else {
            "the thresholds file"
        };
        let raw = crate::input::yaml::read(file, what)
            .map_err(|e| err(Path::new(&e.place), e.message))?;
        let doc = schema::read(&raw, is_config).map_err(|e| located(file, &e))?;
        if let Some(p) = &doc.profile {
            chosen.get_or_insert(p.clone());
        }
        parsed.push((file, doc));
    }
    let name = chosen.unwrap_or_else(|| "default".into());
    cfg.thresholds = Thresholds::profile(&name).ok_or_else(|| {
        err(
            Path::new("--profile"),
            format!(
                "unknown profile {name:?} (expected one of: {})",
                PROFILES.join(", ")
            ),
        )
    })?;
    for (file, doc) in parsed {
        if let Some(rows) = doc.thresholds {
            for (check, row) in rows {
                if let Some(rule) = cfg.thresholds.rules.iter_mut().find(|r| r.check == check) {
                    for (slot, limit) in [
                        (&mut rule.target, row.target),
                        (&mut rule.warning, row.warning),
                        (&mut rule.critical, row.critical),
                    ] {
                        if let Some(limit) = limit {
                            *slot = limit;
                        }
                    }
                }
            }
            cfg.thresholds.sources.push(file.display().to_string());
        }
        let o = &mut cfg.traffic;
        for (field, name) in doc.exporter {
            let slot = match field {
                "requests" => &mut o.family,
                "route_label" => &mut o.route_label,
                "status_label" => &mut o.status_label,
                _ => &mut o.method_label,
            };
            *slot = Some(name);
        }
        cfg.ignore.extend(doc.ignore);
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn overrides_rows_with_units() {
        let f = file("profile: kpi\nthresholds:\n  memory:\n    warning: 700MB\n  cache_hit_rate: {target: 95%}\n");
        let c = load(None, None, Some(f.path())).unwrap();
        assert_eq!(c.thresholds.profile, "kpi");
        assert_eq!(
            c.thresholds.rule("memory").unwrap().warning,
            Some(700.0 * 1048576.0)
        );
        assert_eq!(
            c.thresholds.rule("cache_hit_rate").unwrap().target,
            Some(0.95)
        );
        assert_eq!(
            c.thresholds.rule("p95_latency").unwrap().target,
            Some(0.005)
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let f = file("thresholds:\n  memroy:\n    warning: 1GB\n");
        let e = load(None, None, Some(f.path())).unwrap_err().to_string();
        let name = f.path().display().to_string();
        assert_eq!(e, format!("{name}:2:3: thresholds: unknown check \"memroy\" (expected one of: request_rate, memory, cache_hit_rate, p95_latency, error_rate, not_found, cpu)"));
        let f = file("thresholds:\n  memory:\n    warning: lots\n");
        let e = load(None, None, Some(f.path())).unwrap_err().to_string();
        assert!(
            e.ends_with(
                ":3:14: thresholds.memory.warning: expected a size such as 800MB, got lots"
            ),
            "{e}"
        );
        let f = file("exporter:\n  requests: x\n");
        let e = load(None, None, Some(f.path())).unwrap_err().to_string();
        assert!(
            e.ends_with(":1:1: unknown key \"exporter\" (expected one of: profile, thresholds)"),
            "{e}"
        );
        let c = load(None, Some(f.path()), None).unwrap();
        assert_eq!(c.traffic.family.as_deref(), Some("x"));
    }

    #[test]
    fn empty_files_and_null_limits() {
        for text in ["", "# nothing\n", "---\n"] {
            let c = load(None, Some(file(text).path()), None).unwrap();
            assert_eq!(c.thresholds, Thresholds::default_table());
        }
        let f = file("thresholds:\n  memory:\n    warning: ~\n");
        let c = load(None, None, Some(f.path())).unwrap();
        assert_eq!(c.thresholds.rule("memory").unwrap().warning, None);
        assert!(c.thresholds.rule("memory").unwrap().critical.is_some());
    }
}
