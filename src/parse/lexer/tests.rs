//! Lexer tests: sample lines, located errors, comments.
use super::*;

type Lexed = (String, Vec<(String, String)>, f64, Option<f64>);

fn lex(line: &str, om: bool) -> Result<Lexed, String> {
    let mut labels = Vec::new();
    sample(line, om, &mut labels, "", &mut NameMemo::default())
        .map(|s| {
            (
                s.name.into_owned(),
                labels
                    .iter()
                    .map(|l| (l.name.to_string(), l.value.to_string()))
                    .collect(),
                s.value,
                s.timestamp,
            )
        })
        .map_err(|e| format!("{}: {}", e.pos, e.msg))
}

#[test]
fn sample_lines() {
    let (n, l, v, t) = lex(r#"a_total{x="1",y="}, =:"} 3 1500"#, false).unwrap();
    assert_eq!(n, "a_total");
    assert_eq!(
        l,
        vec![("x".into(), "1".into()), ("y".into(), "}, =:".into())]
    );
    assert_eq!((v, t), (3.0, Some(1.5)));
    let (n, l, ..) = lex(r#"{"my.metric", "my.label"="x"} 1"#, false).unwrap();
    assert_eq!(n, "my.metric");
    assert_eq!(l, vec![("my.label".into(), "x".into())]);
    let (_, l, ..) = lex(r#"a{b="q\"\\\n"} 1"#, false).unwrap();
    assert_eq!(l[0].1, "q\"\\\n");
    assert!(lex("a{b=\"1\",} 1", false).is_ok());
    assert!(lex("  a \t 1 \t 2 ", false).is_ok());
}

#[test]
fn located_errors() {
    assert_eq!(
        lex(r#"a{b="\t"} 1"#, false).unwrap_err(),
        "5: invalid escape sequence '\\t' (only \\\\, \\\" and \\n are allowed)"
    );
    assert!(lex(r#"a{b="\t"} 1"#, true).is_ok());
    assert_eq!(
        lex("a{b=\"1\",} 1", true).unwrap_err(),
        "8: a trailing comma in a label set is not allowed in OpenMetrics"
    );
    assert_eq!(
        lex("a  1", true).unwrap_err(),
        "2: more than one space between tokens is not allowed in OpenMetrics"
    );
    assert_eq!(
        lex("a 1 2.5", false).unwrap_err(),
        "4: invalid timestamp \"2.5\" (expected integer milliseconds)"
    );
    assert_eq!(
        lex(r#"a{b="1",b="2"} 1"#, false).unwrap_err(),
        "8: duplicate label name \"b\""
    );
    assert_eq!(
        lex(r#"a{b="1} 1"#, false).unwrap_err(),
        "4: unterminated quoted string"
    );
}

#[test]
fn comments() {
    assert!(
        matches!(comment("# HELP a x\\ny", true), Ok(Comment::Help { text, .. }) if text == "x\ny")
    );
    assert!(matches!(
        comment("# TYPE a gauge", false),
        Ok(Comment::Type {
            mtype: MetricType::Gauge,
            ..
        })
    ));
    assert!(matches!(comment("# just words", false), Ok(Comment::Other)));
    assert!(comment("# just words", true).is_err());
    assert!(matches!(comment("# EOF", false), Ok(Comment::Eof)));
    assert!(comment("# TYPE a untyped", true).is_err());
    assert!(matches!(
        comment("# HELP a", true),
        Ok(Comment::Help { bare: true, .. })
    ));
    assert!(comment("# HELP a\t", true).is_err());
}

/// A name recognised as the previous line's lexes exactly as a name scanned afresh.
#[test]
fn repeated_names_lex_as_scanned() {
    let lines = [
        "foo 1",
        "foo{a=\"b\"} 1",
        "foo {a=\"b\"} 1",
        "foo\t{a=\"b\"} 1",
        "foo\t1",
        "  foo 1",
        "foo:bar 1",
        "foo_total 1",
        "foobar 1",
        "fooé 1",
        "foo",
        "foo{",
        "foo{\"foo\"} 1",
        "foo 1 # {a=\"b\"} 1",
        "fo 1",
        "{\"foo\"} 1",
    ];
    for om in [false, true] {
        for line in lines {
            let lex_with = |previous: &str| {
                let mut labels = Vec::new();
                sample(line, om, &mut labels, previous, &mut NameMemo::default())
                    .map(|s| {
                        format!(
                            "{} {} {:?} {:?} {labels:?}",
                            s.name, s.value, s.timestamp, s.value_pos
                        )
                    })
                    .map_err(|e| format!("{}: {}", e.pos, e.msg))
            };
            assert_eq!(lex_with("foo"), lex_with(""), "{line:?} (om: {om})");
        }
    }
}

/// The word-at-a-time scan finds what a byte-at-a-time scan finds, at every offset.
#[test]
fn find_either_finds_the_first() {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 40) as usize;
        // Mostly ordinary bytes, with quotes, backslashes, high bytes and their neighbours.
        let pool = b"ab0=,}{ \"\\!#[]\x21\x23\x5b\x5d\xc3\xa9\x80\xff";
        let bytes: Vec<u8> = (0..len)
            .map(|i| pool[((x >> (i % 60)) as usize + i * 7) % pool.len()])
            .collect();
        for from in 0..=len {
            let naive = bytes[from..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
                .map(|k| from + k);
            assert_eq!(
                words::find_either(&bytes, from, b'"', b'\\'),
                naive,
                "{bytes:?} from {from}"
            );
        }
    }
}

/// Duplicate label names are caught whether or not the names' bits collide.
#[test]
fn duplicate_label_names() {
    for (line, ok) in [
        (r#"a{xy="1",xy="2"} 1"#, false),
        (r#"a{xy="1",b="3",xy="2"} 1"#, false),
        (r#"a{xzy="1",xay="2"} 1"#, true),
        (r#"a{"xy"="1",xy="2"} 1"#, false),
        (r#"a{xy="1","xy"="2"} 1"#, false),
    ] {
        let result = lex(line, false);
        assert_eq!(result.is_ok(), ok, "{line}: {result:?}");
        if !ok {
            assert!(
                result.unwrap_err().contains("duplicate label name"),
                "{line}"
            );
        }
    }
}

#[test]
fn starts_with_matches_the_slice_method() {
    let hay = b"http_server_requests_seconds_bucket{le=\"0.1\"} 3";
    for n in 0..hay.len() + 2 {
        for k in 0..n.min(hay.len()) {
            let mut needle = hay[..n.min(hay.len())].to_vec();
            needle.extend(std::iter::repeat_n(b'x', n.saturating_sub(hay.len())));
            assert_eq!(
                words::starts_with(hay, &needle),
                hay.starts_with(&needle),
                "{n}"
            );
            needle[k] ^= 1;
            assert_eq!(
                words::starts_with(hay, &needle),
                hay.starts_with(&needle),
                "{n} {k}"
            );
        }
    }
}

/// Label names recognised from the previous lines lex exactly as names scanned afresh.
#[test]
fn remembered_label_names_lex_as_scanned() {
    let lines = [
        r#"a{job="x",instance="y"} 1"#,
        r#"a{job="x",instance="y"} 1"#,
        r#"a{jobs="x"} 1"#,
        r#"a{job="x",instancf="y"} 1"#,
        r#"a{jo="x"} 1"#,
        r#"a{job="x",job="y"} 1"#,
        r#"a{job="x",job="y"} 1"#,
        r#"a{1ob="x"} 1"#,
        r#"a{job="x""#,
        r#"a{job="x"} 1"#,
        r#"a{job ="x"} 1"#,
        r#"a{job="x\"y"} 1"#,
        r#"a{fourteen_chars="x"} 1"#,
        r#"a{fourteen_chars="x"} 1"#,
        r#"a{fourteen_charz="x"} 1"#,
        r#"a{a_label_name_of_twenty="x"} 1"#,
        r#"a{a_label_name_of_twenty="x"} 1"#,
        r#"a{__name__="x"} 1"#,
        r#"a{"job"="x"} 1"#,
        r#"a{job="x",instance="y"} 1 # {trace_id="1"} 1"#,
        r#"a{trace_id="x"} 1"#,
    ];
    for om in [false, true] {
        let mut memo = NameMemo::default();
        for line in lines.iter().chain(lines.iter().rev()) {
            let lex_with = |memo: &mut NameMemo| {
                let mut labels = Vec::new();
                sample(line, om, &mut labels, "", memo)
                    .map(|s| format!("{} {} {labels:?}", s.name, s.value))
                    .map_err(|e| format!("{}: {}", e.pos, e.msg))
            };
            let remembered = lex_with(&mut memo);
            assert_eq!(
                remembered,
                lex_with(&mut NameMemo::default()),
                "{line} (om: {om})"
            );
        }
    }
}
