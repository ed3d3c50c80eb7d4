//! A compact regex that matches exactly a set of names: a trie of their characters written
//! out as alternations, so common prefixes are written once and no wildcard can match a
//! name that was not in the set.

use std::collections::BTreeMap;

#[derive(Default)]
struct Node {
    end: bool,
    next: BTreeMap<char, Node>,
}

fn render(node: &Node) -> String {
    let alts: Vec<String> = node
        .next
        .iter()
        .map(|(c, child)| format!("{}{}", regex_lite::escape(&c.to_string()), render(child)))
        .collect();
    match (alts.len(), node.end) {
        (0, _) => String::new(),
        (1, false) => alts[0].clone(),
        (_, false) => format!("(?:{})", alts.join("|")),
        (_, true) => format!("(?:{})?", alts.join("|")),
    }
}

/// The regex (unanchored: Prometheus anchors relabel regexes, and PromQL its matchers)
/// matching exactly `names`. Empty for no names.
pub(super) fn exactly<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut root = Node::default();
    for name in names {
        let mut n = &mut root;
        for c in name.chars() {
            n = n.next.entry(c).or_default();
        }
        n.end = true;
    }
    // At the top the alternatives need no group: the anchoring adds one.
    root.next
        .iter()
        .map(|(c, child)| format!("{}{}", regex_lite::escape(&c.to_string()), render(child)))
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchored(r: &str) -> regex_lite::Regex {
        regex_lite::Regex::new(&format!("^(?:{r})$")).unwrap()
    }

    #[test]
    fn common_prefixes_are_written_once() {
        let r = exactly([
            "flask_http_request_total",
            "flask_http_request_created",
            "up",
        ]);
        assert_eq!(r, "flask_http_request_(?:created|total)|up");
        let r = exactly(["a_count", "a_sum", "a"]);
        assert_eq!(r, "a(?:_(?:count|sum))?");
    }

    #[test]
    fn matches_the_names_and_nothing_else() {
        // Names built from a small alphabet so that near misses abound.
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        for _ in 0..200 {
            let words: Vec<String> = (0..1 + next() % 6)
                .map(|_| {
                    (0..1 + next() % 5)
                        .map(|_| ['a', 'b', '_', '.'][next() % 4])
                        .collect()
                })
                .collect();
            let re = anchored(&exactly(words.iter().map(String::as_str)));
            for w in &words {
                assert!(re.is_match(w), "{w} in {words:?}");
            }
            for _ in 0..50 {
                let probe: String = (0..next() % 6)
                    .map(|_| ['a', 'b', '_', '.'][next() % 4])
                    .collect();
                assert_eq!(
                    re.is_match(&probe),
                    words.contains(&probe),
                    "{probe} vs {words:?}"
                );
            }
        }
    }
}
