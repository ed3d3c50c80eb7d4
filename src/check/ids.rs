//! Label values that look unbounded: identifiers (UUIDs, long hex strings, long numbers)
//! and raw paths holding one. A label carrying them grows a series per user, request or
//! object.

use crate::model::is_uuid as uuid;

/// Whether `v` is a long hex string with a digit in it (hashes, trace and container IDs).
fn hex_id(v: &str) -> bool {
    crate::model::is_hex_id(v, 12)
}

/// Whether `v` is a number of six digits or more (user IDs, order numbers, timestamps).
fn long_number(v: &str) -> bool {
    v.len() >= 6 && v.bytes().all(|c| c.is_ascii_digit())
}

/// Whether `v` is an identifier on its own.
fn id(v: &str) -> bool {
    uuid(v) || hex_id(v) || long_number(v)
}

/// Whether one segment of a path is an identifier: a number of any length, a UUID or a
/// long hex string.
pub(crate) fn id_segment(s: &str) -> bool {
    id(s) || (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
}

/// Whether `v` looks unbounded: an identifier, or a path (`/users/42/orders`) with a
/// segment that is a number or an identifier, as a raw request path is.
pub(super) fn unbounded(v: &str) -> bool {
    if id(v) {
        return true;
    }
    v.starts_with('/') && v.split(['/', '?', '&', '=']).any(id_segment)
}

#[cfg(test)]
mod tests {
    use super::unbounded;

    #[test]
    fn identifiers_and_raw_paths_look_unbounded() {
        for v in [
            "123e4567-e89b-12d3-a456-426614174000",
            "9f86d081884c7d65",
            "1048576",
            "/users/42/orders",
            "/api/v1/items/0a1b2c3d4e5f6a7b",
        ] {
            assert!(unbounded(v), "{v}");
        }
        for v in [
            "GET",
            "200",
            "/api/v1/users",
            "/users/{id}",
            "0.005",
            "+Inf",
            "deadbeefcafe",
            "12345",
            "kube-system",
        ] {
            assert!(!unbounded(v), "{v}");
        }
    }
}
