//! The recognition rules, in one place: general conventions (a namespace's
//! `_exporter_build_info`, `<ns>_process_*`, a label whose values are paths), each with the
//! reason it holds, kept out of the detectors. `docs/exporters.md` states them.

pub(crate) mod others;
pub(crate) mod process;
pub(crate) mod request_labels;
pub(crate) mod requests;
