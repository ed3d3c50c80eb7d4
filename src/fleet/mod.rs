//! Fleets without a server (`--targets-from`): the targets a Prometheus config or a file_sd
//! file lists, scraped concurrently and analysed one by one, with the fleet summary that
//! server mode also gives.

pub mod discover;
pub(crate) mod relabel;
mod run;

pub use discover::{read as discover, Discovered};
pub use run::{scrape, Options, Progress, Scraped};
