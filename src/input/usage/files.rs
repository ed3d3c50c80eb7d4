//! `--usage PATH`: files and directories, walked in sorted order, each file's kind told by
//! its content: a JSON line with `params` starts a query log, other JSON is a dashboard,
//! anything else is YAML rules.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::querylog::{is_entry, LINE_LIMIT};
use super::{NotUsage, Usage};
use crate::input::{bounded, yaml};

/// The largest dashboard read (decoded into the few fields read, not a value tree).
pub(super) const DASHBOARD_LIMIT: u64 = 64 * 1024 * 1024;

/// Extensions read inside a directory (a file named on its own is read whatever its name).
const EXTENSIONS: &[&str] = &["yml", "yaml", "json", "jsonl", "ndjson", "log", "rules"];

/// Reads every path: a file of any name, or a directory's files with a usage extension
/// (`.yml`, `.yaml`, `.json`, `.jsonl`, `.ndjson`, `.log`, `.rules`; hidden ones skipped),
/// recursively, in sorted order. Anything unreadable or malformed is an error naming the
/// file (and line:column where there is one); a directory's file that is well-formed but
/// no kind of usage (a Prometheus config beside the rules) is skipped and listed in
/// `skipped`.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<Usage> {
    let mut usage = Usage::default();
    for path in paths {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read usage {}", path.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            if files.is_empty() {
                anyhow::bail!(
                    "usage directory {} holds no {} file",
                    path.display(),
                    EXTENSIONS.join("/")
                );
            }
            for f in files {
                match read_file(&mut usage, &f) {
                    Err(e) if e.downcast_ref::<NotUsage>().is_some() => {
                        usage.skipped.push(f.display().to_string());
                    }
                    other => other?,
                }
            }
        } else {
            read_file(&mut usage, path)?;
        }
    }
    Ok(usage)
}

/// The usage files under `dir`, sorted; symbolic links to directories are not followed.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .and_then(|r| r.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read usage directory {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = e.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| EXTENSIONS.contains(&x))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads one file, its kind told by its first line.
fn read_file(usage: &mut Usage, path: &Path) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let open = || std::fs::File::open(path).with_context(|| format!("cannot read usage {name}"));
    // The first line that is not blank, within LINE_LIMIT bytes.
    let mut reader = std::io::BufReader::new(open()?).take(LINE_LIMIT);
    let mut first = Vec::new();
    while first.iter().all(u8::is_ascii_whitespace) {
        first.clear();
        let got = reader
            .read_until(b'\n', &mut first)
            .with_context(|| format!("cannot read usage {name}"))?;
        if got == 0 {
            break;
        }
    }
    let first = String::from_utf8_lossy(&first);
    let head = first.trim_start();
    if head.starts_with('{') && is_entry(head.trim_end()) {
        usage.add_query_log(&name, open()?)?;
    } else if head.starts_with('{') {
        let text = bounded::read_text(path, "usage dashboard", DASHBOARD_LIMIT)?;
        usage.add_dashboard_text(&name, &text)?;
    } else {
        let text = yaml::read(path, "usage rule file")?;
        usage.add_rules_text(&name, &text)?;
    }
    Ok(())
}
