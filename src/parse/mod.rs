//! Stage 2: bytes → model. A strict, streaming parser for the Prometheus text format 0.0.4
//! and OpenMetrics 1.0.
//!
//! Input is read in chunks and parsed line by line over borrowed bytes; only the families the
//! caller retains are copied into the [`Snapshot`]. Every error carries `line:column`.

mod build;
mod family;
mod hash;
mod lexer;
mod number;
mod reader;

mod rules;
mod sniff;
mod validate;

use std::fmt;
use std::io::Read;

use crate::model::{FamilyStats, MetricType, Retention, Snapshot, Suffix};

pub use sniff::sniff;

pub(crate) use hash::{label_subset, PassThrough};
pub(crate) use lexer::{Comment, Label, SampleLine};
pub(crate) use number::parse_value;
pub(crate) use reader::{lex_lines, Lines};
pub(crate) use validate::Failure;

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Prometheus => "prometheus text 0.0.4",
            Format::OpenMetrics => "openmetrics 1.0",
        })
    }
}

/// How to choose the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatChoice {
    /// Decide from the content (see [`sniff`]) unless the transport said (Content-Type).
    Auto,
    /// Always this format.
    Fixed(Format),
}

/// A located warning: valid but odd input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: u64,
    /// 1-based column in characters.
    pub column: u64,
    /// What is odd.
    pub message: String,
}

/// Why parsing stopped.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The input is not a valid exposition.
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// 1-based line.
        line: u64,
        /// 1-based column in characters.
        column: u64,
        /// What was wrong and what was expected.
        message: String,
    },
    /// Reading failed.
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
    /// The input exceeded the size limit.
    #[error("input is larger than {limit} bytes (raise --max-bytes to read it)")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
}

/// Options for one parse.
pub struct ParseOptions<'a> {
    /// Format choice.
    pub format: FormatChoice,
    /// Stop with [`ParseError::TooLarge`] past this many bytes.
    pub max_bytes: u64,
    /// How much of each family the snapshot keeps (everything when `None`); counts are
    /// always kept.
    pub retain: Option<Retention<'a>>,
}

impl Default for ParseOptions<'_> {
    fn default() -> Self {
        ParseOptions {
            format: FormatChoice::Auto,
            max_bytes: DEFAULT_MAX_BYTES,
            retain: None,
        }
    }
}

/// Default input size limit: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// A successful parse.
#[derive(Debug)]
pub struct Parsed {
    /// The model.
    pub snapshot: Snapshot,
    /// The format used.
    pub format: Format,
    /// Why that format was chosen, when it was decided from the content.
    pub format_reason: Option<String>,
    /// The first warnings (at most 100).
    pub warnings: Vec<Diagnostic>,
    /// How many warnings there were in all.
    pub warnings_total: u64,
}

/// A family header as the sink receives it.
pub(crate) struct FamilyHeader<'a> {
    pub(crate) name: &'a str,
    pub(crate) mtype: MetricType,
    pub(crate) help: Option<&'a str>,
    pub(crate) unit: Option<&'a str>,
    pub(crate) line: u64,
}

/// A validated sample as the sink receives it.
pub(crate) struct SampleRef<'s, 'a> {
    /// Hash of the series' labels without `le` / `quantile`, unique within the family.
    pub(crate) group: u64,
    /// No earlier sample of the family had this group: the validator's own lookup, shared
    /// so that a sink counting series needs no set of its own. Within one block of the
    /// family (from its header or first sample to the next family); across all its blocks
    /// when a sink asked for [`Facts`] ([`Sink::wants_facts`]).
    pub(crate) new_group: bool,
    /// The position in `labels` of a bucket's `le` or a quantile's `quantile` (left out
    /// of `group`).
    pub(crate) skip: Option<usize>,
    pub(crate) suffix: Suffix,
    pub(crate) labels: &'s [lexer::Label<'a>],
    pub(crate) value: f64,
    pub(crate) timestamp: Option<f64>,
    pub(crate) le: Option<f64>,
    pub(crate) quantile: Option<f64>,
}

/// What the validator learnt of one block of a family besides its counts, handed over
/// before [`Sink::end_family`]: what the lint asks of the series, found by the lookups the
/// validator makes anyway.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    /// Series new to the family (see [`SampleRef::new_group`]).
    pub(crate) series: u64,
    /// Samples repeating a series already written: same labels, same sample name (a
    /// histogram's buckets and a summary's quantiles are checked by the parser itself, and a
    /// `_created` is not counted).
    pub(crate) duplicates: u64,
    /// A sample name ended in `_total` (`# TYPE x counter` over `x_total` samples).
    pub(crate) total: bool,
    /// The family's first series (in its first block): its buckets or quantiles in this
    /// block.
    pub(crate) first_width: u64,
}

/// Receives families and samples in exposition order.
pub(crate) trait Sink {
    fn family(&mut self, header: &FamilyHeader<'_>);
    fn sample(&mut self, sample: &SampleRef<'_, '_>);
    fn end_family(&mut self, stats: FamilyStats);
    /// A block of the current family ends (just before [`Sink::end_family`]), when
    /// [`Sink::wants_facts`].
    fn facts(&mut self, _: &Facts) {}
    /// Whether [`Sink::sample`] is wanted: a sink reading only families and their facts
    /// (the lint) spares the parser a call per sample.
    fn reads_samples(&self) -> bool {
        true
    }
    /// Whether the parser gathers [`Facts`] for [`Sink::facts`]. It then remembers each
    /// family's groups once it ends (a `u64` per series), so that a family written again
    /// further on counts as new only the series no earlier block had
    /// ([`SampleRef::new_group`]).
    fn wants_facts(&self) -> bool {
        false
    }
}

/// Parses an exposition from `input`, streaming.
pub fn parse<R: Read>(input: R, opts: &ParseOptions<'_>) -> Result<Parsed, ParseError> {
    reader::run(input, opts)
}

/// Parses an exposition from `input` as [`parse`] does, telling `observer` of every family
/// and sample (retained or not).
pub(crate) fn parse_observed<R: Read>(
    input: R,
    opts: &ParseOptions<'_>,
    observer: &mut dyn Sink,
) -> Result<Parsed, ParseError> {
    reader::run_observed(input, opts, observer)
}

/// Parses an exposition held in memory.
pub fn parse_bytes(input: &[u8], opts: &ParseOptions<'_>) -> Result<Parsed, ParseError> {
    parse(input, opts)
}

/// For unit tests elsewhere: the whole model of a valid exposition.
#[cfg(test)]
pub(crate) fn snapshot_of(text: &str) -> Snapshot {
    parse_bytes(text.as_bytes(), &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .snapshot
}
