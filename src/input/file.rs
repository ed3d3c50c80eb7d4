//! File sources.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// Opens `path` for reading, refusing directories with a clear message.
pub(super) fn open(path: &Path) -> anyhow::Result<Box<dyn Read>> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let meta = f
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        anyhow::bail!("{} is a directory, not an exposition file", path.display());
    }
    Ok(Box::new(f))
}
