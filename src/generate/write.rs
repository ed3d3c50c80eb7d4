//! Writing generated files safely: into a temporary file in the same directory, then a
//! rename, so that a file is either the old one or the whole new one; never over an existing
//! file without `--force`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `files` (name, text) into `dir`. Without `force`, refuses before writing anything
/// if any of them exists already.
pub fn write_outputs(
    dir: &Path,
    files: &[(String, String)],
    force: bool,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if !force {
        let existing: Vec<String> = files
            .iter()
            .map(|(n, _)| dir.join(n))
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            anyhow::bail!(
                "{} already exists; nothing was written (use --force to overwrite)",
                existing.join(", ")
            );
        }
    }
    // Every file is written to a temporary file first, and nothing is renamed into place
    // unless all of them were written and no target is in the way (a directory, say): a
    // failure part-way leaves the directory as it was, temporary files removed on drop.
    let mut staged = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        if path.is_dir() {
            anyhow::bail!(
                "cannot write {}: it is a directory; nothing was written",
                path.display()
            );
        }
        staged.push((stage(dir, &path, text)?, path));
    }
    let mut written = Vec::new();
    for (tmp, path) in staged {
        persist(tmp, &path, force)?;
        written.push(path);
    }
    Ok(written)
}

fn stage(dir: &Path, path: &Path, text: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".promtune-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(tmp)
}

fn persist(tmp: tempfile::NamedTempFile, path: &Path, force: bool) -> anyhow::Result<()> {
    let result = if force {
        tmp.persist(path).map(|_| ())
    } else {
        tmp.persist_noclobber(path).map(|_| ())
    };
    result.map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))
}

/// Writes one file atomically.
pub fn write_one(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    persist(stage(dir, path, text)?, path, force)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force_and_leaves_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.yml"), "mine").unwrap();
        let files = vec![
            ("a.yml".to_string(), "A".to_string()),
            ("b.yml".to_string(), "B".to_string()),
        ];
        let e = write_outputs(dir.path(), &files, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b.yml already exists; nothing was written"),
            "{e}"
        );
        assert!(!dir.path().join("a.yml").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.yml")).unwrap(),
            "mine"
        );
        write_outputs(dir.path(), &files, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("b.yml")).unwrap(),
            "B"
        );
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".promtune-")
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
