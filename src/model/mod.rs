//! Stage 3: the parsed exposition as plain data (families of grouped series), with no I/O.
//!
//! The parser (`crate::parse`) streams samples into a [`SnapshotBuilder`]; detectors read the
//! resulting [`Snapshot`]. Nothing here knows about files, HTTP, clap or YAML.

mod cardinality;
mod cost;
mod created;
mod delta;
mod family;
mod keep;
mod names;
mod snapshot;
mod suspect;

pub use cardinality::{Cardinality, FamilyLabels, PassThrough};
pub use cost::{Cost, FamilyCost, LabelCost, Suspect, SuspectKind};
pub use created::{created_parent, fold_created};
pub use delta::{increase, Reset};
pub use family::{le_text, Bucket, Family, Labels, MetricType, Series, SeriesValue, Suffix};
pub use keep::{Keep, Retention};
pub use names::{legacy_label_name, legacy_metric_name};
pub use snapshot::{FamilyStats, Snapshot, Stats};
pub use suspect::{is_hex_id, is_uuid, Shapes};
