//! File sources.

use std::fs::File;
use std::path::Path;

use anyhow::Context;

use super::Opened;
use crate::detect::TimeSource;

/// Opens `path` for reading, refusing directories with a clear message.
pub(super) fn open(path: &Path) -> anyhow::Result<Opened> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let meta = f
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        anyhow::bail!("{} is a directory, not an exposition file", path.display());
    }
    let time = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| TimeSource {
            at: d.as_secs_f64(),
            how: "the file's modification time".into(),
        });
    Ok(Opened {
        wire: None,
        reader: Box::new(f),
        content_type: None,
        time,
    })
}
