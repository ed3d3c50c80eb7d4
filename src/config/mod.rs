//! The tool's own YAML: threshold overrides (`--thresholds`), exporter hints and suppressions
//! (`--config`). Beside `generate` and the fleet's target reader, the only module that knows
//! serde_yaml.
//!
//! Files are read strictly: an unknown key or a value in the wrong unit is an error naming
//! the file and the key path, so a typo never silently disables a check.

mod ignore;

use std::path::Path;

use serde_yaml::Value;

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
}

/// A config error: `FILE: key.path: message`.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {path}{sep}{message}", sep = if path.is_empty() { "" } else { ": " })]
pub struct ConfigError {
    file: String,
    path: String,
    message: String,
}

fn err(file: &Path, path: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        file: file.display().to_string(),
        path: path.to_string(),
        message: message.into(),
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn mapping<'a>(
    file: &Path,
    path: &str,
    v: &'a Value,
) -> Result<&'a serde_yaml::Mapping, ConfigError> {
    v.as_mapping()
        .ok_or_else(|| err(file, path, "expected a mapping"))
}

fn key(file: &Path, path: &str, k: &Value) -> Result<String, ConfigError> {
    k.as_str()
        .map(str::to_string)
        .ok_or_else(|| err(file, path, "keys must be strings"))
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
            .map_err(|e| err(Path::new(&e.place), "", e.message))?;
        let doc: Value =
            serde_yaml::from_str(&raw).map_err(|e| err(file, "", format!("invalid YAML: {e}")))?;
        if doc.is_null() {
            continue;
        }
        let top = mapping(file, "", &doc)?;
        for (k, _) in top {
            let k = key(file, "", k)?;
            let allowed = matches!(k.as_str(), "profile" | "thresholds")
                || (is_config && (k == "exporter" || k == "ignore"));
            if !allowed {
                let keys = if is_config {
                    "profile, thresholds, exporter, ignore"
                } else {
                    "profile, thresholds"
                };
                return Err(err(
                    file,
                    &k,
                    format!("unknown key (expected one of: {keys})"),
                ));
            }
        }
        if let Some(p) = top.get("profile") {
            chosen.get_or_insert(
                text(p).ok_or_else(|| err(file, "profile", "expected a profile name"))?,
            );
        }
        parsed.push((file, doc));
    }
    let name = chosen.unwrap_or_else(|| "default".into());
    cfg.thresholds = Thresholds::profile(&name).ok_or_else(|| {
        let file = config.or(thresholds).unwrap_or(Path::new("--profile"));
        err(
            file,
            "profile",
            format!(
                "unknown profile {name:?} (expected one of: {})",
                PROFILES.join(", ")
            ),
        )
    })?;
    for (file, doc) in &parsed {
        if let Some(t) = doc.get("thresholds") {
            apply_thresholds(file, t, &mut cfg.thresholds)?;
            cfg.thresholds.sources.push(file.display().to_string());
        }
        if let Some(e) = doc.get("exporter") {
            apply_exporter(file, e, &mut cfg.traffic)?;
        }
        if let Some(i) = doc.get("ignore") {
            cfg.ignore.extend(ignore::parse(file, i, &cfg.thresholds)?);
        }
    }
    Ok(cfg)
}

fn apply_thresholds(file: &Path, v: &Value, t: &mut Thresholds) -> Result<(), ConfigError> {
    for (k, row) in mapping(file, "thresholds", v)? {
        let check = key(file, "thresholds", k)?;
        let path = format!("thresholds.{check}");
        let names: Vec<&str> = t.rules.iter().map(|r| r.check).collect();
        let Some(rule) = t.rules.iter_mut().find(|r| r.check == check) else {
            return Err(err(
                file,
                &path,
                format!("unknown check (expected one of: {})", names.join(", ")),
            ));
        };
        for (f, val) in mapping(file, &path, row)? {
            let field = key(file, &path, f)?;
            let fpath = format!("{path}.{field}");
            let slot = match field.as_str() {
                "target" => &mut rule.target,
                "warning" => &mut rule.warning,
                "critical" => &mut rule.critical,
                _ => {
                    return Err(err(
                        file,
                        &fpath,
                        "unknown key (expected target, warning or critical)",
                    ))
                }
            };
            if val.is_null() {
                *slot = None;
                continue;
            }
            let parsed = text(val).and_then(|s| rule.unit.parse(&s));
            *slot = Some(parsed.ok_or_else(|| {
                err(
                    file,
                    &fpath,
                    format!(
                        "expected {}, got {}",
                        rule.unit.example(),
                        serde_yaml::to_string(val).unwrap_or_default().trim()
                    ),
                )
            })?);
        }
    }
    Ok(())
}

fn apply_exporter(file: &Path, v: &Value, o: &mut TrafficOverride) -> Result<(), ConfigError> {
    for (k, val) in mapping(file, "exporter", v)? {
        let field = key(file, "exporter", k)?;
        let path = format!("exporter.{field}");
        let s = val
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| err(file, &path, "expected a name"))?;
        match field.as_str() {
            "requests" => o.family = Some(s),
            "route_label" => o.route_label = Some(s),
            "status_label" => o.status_label = Some(s),
            "method_label" => o.method_label = Some(s),
            _ => {
                return Err(err(
                    file,
                    &path,
                    "unknown key (expected requests, route_label, status_label or method_label)",
                ))
            }
        }
    }
    Ok(())
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
    fn errors_name_file_and_key() {
        let f = file("thresholds:\n  memroy:\n    warning: 1GB\n");
        let e = load(None, None, Some(f.path())).unwrap_err().to_string();
        assert!(e.ends_with(": thresholds.memroy: unknown check (expected one of: request_rate, memory, cache_hit_rate, p95_latency, error_rate, not_found, cpu)"), "{e}");
        assert!(e.starts_with(&f.path().display().to_string()));
        let f = file("thresholds:\n  memory:\n    warning: lots\n");
        let e = load(None, None, Some(f.path())).unwrap_err().to_string();
        assert!(
            e.ends_with("thresholds.memory.warning: expected a size such as 800MB, got lots"),
            "{e}"
        );
        let f = file("exporter:\n  requests: x\n");
        let e = load(None, None, Some(f.path())).unwrap_err().to_string();
        assert!(
            e.ends_with(": exporter: unknown key (expected one of: profile, thresholds)"),
            "{e}"
        );
        let c = load(None, Some(f.path()), None).unwrap();
        assert_eq!(c.traffic.family.as_deref(), Some("x"));
    }
}
