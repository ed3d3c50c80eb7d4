//! Stage 1: where exposition bytes come from (a file or standard input).

mod file;

use std::io::Read;
use std::path::{Path, PathBuf};

/// A source named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file path.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Source {
    /// Interprets a command-line argument.
    pub fn from_arg(arg: &Path) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    /// The name used in messages (`SOURCE:LINE:COLUMN`).
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }

    /// Opens the source for streaming.
    pub fn open(&self) -> anyhow::Result<Box<dyn Read>> {
        match self {
            Source::File(p) => file::open(p),
            Source::Stdin => Ok(Box::new(std::io::stdin().lock())),
        }
    }
}
