//! Stage 6a: results → text. Renderers are pure: they return strings and never print.

mod check;

pub use check::render_check;
