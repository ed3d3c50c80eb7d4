//! File sources. A file's modification time never dates it (`git checkout` and `cp` reset
//! it); the record `promtune scrape` wrote beside it does, when there is one.

use std::fs::File;
use std::path::Path;

use anyhow::Context;

use super::{record, Opened};

/// Opens `path` for reading, refusing directories with a clear message.
pub(super) fn open(path: &Path) -> anyhow::Result<Opened> {
    if let Some(p) = path.to_str().filter(|_| !path.exists()) {
        let hint = super::scheme_hint(p);
        if !hint.is_empty() {
            anyhow::bail!("there is no file {p}{hint}");
        }
    }
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let meta = f
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        anyhow::bail!("{} is a directory, not an exposition file", path.display());
    }
    let (time, content_type) = match record::read_beside(path, meta.len())? {
        Some((t, ct)) => (Some(t), ct),
        None => (None, None),
    };
    Ok(Opened {
        wire: None,
        reader: Box::new(f),
        content_type,
        time,
    })
}
