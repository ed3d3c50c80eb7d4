//! Writing generated files safely: into a temporary file in the same directory, then a
//! rename, so that a file is either the old one or the whole new one; never over an existing
//! file without `--force`, and never over anything but a regular file.
//!
//! A run writes all of its files or none: every target is checked before anything is
//! written, and nothing is renamed into place until every file is staged. New files get the
//! mode the umask gives (0644 under the usual 022), as any program's would: a Prometheus
//! running as its own user must be able to read them. A replaced file keeps its mode and,
//! where the user may set it, its owner.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::Context;

/// Temporary files are `.promtune-<pid>-<n>.tmp`: a run killed part-way leaves them behind,
/// and the next run into that directory removes those whose process is gone.
const PREFIX: &str = ".promtune-";

/// A leftover is removed only once it is this old. Our `/proc` does not show a run in
/// another pid namespace (a container) or on another host sharing the directory (NFS), and
/// such a run may be staging that very file; staging takes milliseconds, not a minute.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// Writes `files` (name, text) into `dir`. Refuses before writing anything if a target
/// exists and `force` is not set, or is anything but a regular file.
pub fn write_outputs(
    dir: &Path,
    files: &[(String, String)],
    force: bool,
) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clean_stale(dir);
    let targets: Vec<PathBuf> = files.iter().map(|(n, _)| dir.join(n)).collect();
    let existing: Vec<String> = targets
        .iter()
        .map(|p| check_target(p))
        .collect::<anyhow::Result<Vec<bool>>>()?
        .into_iter()
        .zip(&targets)
        .filter(|(exists, _)| *exists)
        .map(|(_, p)| p.display().to_string())
        .collect();
    if !force && !existing.is_empty() {
        anyhow::bail!(
            "{} already exists; nothing was written (use --force to overwrite)",
            existing.join(", ")
        );
    }
    // Every file is staged first; a failure part-way removes the staged ones (on drop) and
    // leaves the directory as it was.
    let mut staged = Vec::new();
    for ((_, text), path) in files.iter().zip(&targets) {
        staged.push(Staged::new(dir, path, text)?);
    }
    let mut written = Vec::new();
    for s in staged {
        written.push(s.persist(force)?);
    }
    Ok(written)
}

/// Writes one file atomically, with the same checks.
pub fn write_one(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    clean_stale(dir);
    if check_target(path)? && !force {
        anyhow::bail!(
            "{} already exists; nothing was written (use --force to overwrite)",
            path.display()
        );
    }
    Staged::new(dir, path, text)?.persist(force).map(|_| ())
}

/// Whether `path` exists, as a regular file; an error for anything else that is there (a
/// directory, a symlink, dangling or not, a device, a FIFO): renaming over it would replace
/// what the user has with something else.
fn check_target(path: &Path) -> anyhow::Result<bool> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
    };
    let t = meta.file_type();
    if t.is_file() {
        return Ok(true);
    }
    let what = if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file (a device, FIFO or socket)"
    };
    anyhow::bail!(
        "cannot write {}: it is {what}, and only a regular file is replaced; nothing was written",
        path.display()
    )
}

/// Removes temporary files of earlier runs whose process has ended: their pid is not a
/// running promtune (gone, or reused by another program), and they are `STALE_AFTER` old.
fn clean_stale(dir: &Path) {
    // Without /proc no process can be told alive: leave everything.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX)?.strip_suffix(".tmp"))
            .and_then(|rest| rest.split('-').next()?.parse::<u32>().ok())
        else {
            continue;
        };
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if old && !running_promtune(pid) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Whether `pid` is a running promtune. `comm` holds the first 15 bytes of the program's
/// name, so a pid reused by another program does not keep a leftover forever.
fn running_promtune(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with("promtune"))
}

/// A file written next to its target, removed unless persisted.
struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    done: bool,
}

impl Staged {
    fn new(dir: &Path, path: &Path, text: &str) -> anyhow::Result<Staged> {
        static N: AtomicU64 = AtomicU64::new(0);
        // An earlier process with our pid may have left `<pid>-<n>` behind (too recently to
        // be removed): take the next name rather than fail.
        let mut tries = 0;
        let (tmp, mut f) = loop {
            let tmp = dir.join(format!(
                "{PREFIX}{}-{}.tmp",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            // 0666 less the umask, as the kernel applies it.
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o666)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 1000 => {
                    tries += 1
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot write in {}", dir.display()))
                }
            }
        };
        let staged = Staged {
            tmp,
            path: path.to_path_buf(),
            done: false,
        };
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        if let Ok(old) = fs::metadata(path) {
            fs::set_permissions(&staged.tmp, old.permissions())
                .with_context(|| format!("cannot keep the mode of {}", path.display()))?;
            // Only root may give a file away; anyone else keeps their own ownership.
            let _ = std::os::unix::fs::chown(&staged.tmp, Some(old.uid()), Some(old.gid()));
        }
        Ok(staged)
    }

    fn persist(mut self, force: bool) -> anyhow::Result<PathBuf> {
        let result = if force {
            fs::rename(&self.tmp, &self.path)
        } else {
            // A link fails if the target appeared meanwhile: never clobbered.
            fs::hard_link(&self.tmp, &self.path).and_then(|()| fs::remove_file(&self.tmp))
        };
        result.map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))?;
        self.done = true;
        Ok(self.path.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
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

    #[test]
    fn a_leftover_with_our_own_pid_does_not_block_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let pid = std::process::id();
        for n in 0..100 {
            std::fs::write(dir.path().join(format!("{PREFIX}{pid}-{n}.tmp")), "old").unwrap();
        }
        write_one(&dir.path().join("a.yml"), "A", false).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.yml")).unwrap(),
            "A"
        );
    }
}
