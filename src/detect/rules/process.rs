//! Which process a page describes, and which process each figure on it belongs to.
