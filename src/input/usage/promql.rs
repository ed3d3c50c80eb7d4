//! The PromQL walk: from one parsed expression, the names each selector reads and the labels
//! what is above the selector needs from it. Where the semantics are unclear the walk asks for
//! more labels, never fewer: a label kept that nobody needs costs series, a label dropped that
//! a use needs breaks it. docs/cost.md ("Usage") states the rules.

use std::collections::BTreeSet;

use promql_parser::label::{MatchOp, Matcher, METRIC_NAME};

use crate::escape::promql::regex_literal;
use promql_parser::parser::token::{
    T_BOTTOMK, T_COUNT_VALUES, T_LAND, T_LIMITK, T_LIMIT_RATIO, T_LOR, T_LUNLESS, T_TOPK,
};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{
    AggregateExpr, BinaryExpr, Call, Expr, LabelModifier, VectorMatchCardinality, VectorSelector,
};

/// A name that stands for a dashboard variable once substituted (`vault_${x}_sum` reads
/// `vault___promtune_var___sum`): in a name it is any text, in a label list any label.
pub(crate) const VAR: &str = "__promtune_var__";

/// The labels the expression above a selector needs from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Want {
    /// Every label (the series are shown or stored as they are, or matched on all labels).
    pub all: bool,
    /// Otherwise, these.
    pub labels: BTreeSet<String>,
}

impl Want {
    fn all() -> Want {
        Want {
            all: true,
            labels: BTreeSet::new(),
        }
    }

    fn none() -> Want {
        Want::default()
    }

    /// `self` plus `labels`; a variable among them stands for any label.
    fn plus<'a>(&self, labels: impl IntoIterator<Item = &'a String>) -> Want {
        let mut w = self.clone();
        for l in labels {
            if l.contains(VAR) {
                w.all = true;
            }
            w.labels.insert(l.clone());
        }
        w
    }
}

/// What one selector reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Names {
    /// These stored names.
    Exact(BTreeSet<String>),
    /// Names an anchored regex matches (`.*` when the selector names no metric).
    Pattern(String),
}

/// One selector's reads: the names, and the labels needed from them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Read {
    pub names: Names,
    pub want: Want,
}

/// Every read in `expr`, whose result is shown or stored as it is (all labels).
pub(crate) fn reads(expr: &Expr) -> Vec<Read> {
    let mut out = Vec::new();
    walk(expr, &Want::all(), &mut out);
    out
}

fn walk(expr: &Expr, want: &Want, out: &mut Vec<Read>) {
    match expr {
        Expr::VectorSelector(vs) => select(vs, want, out),
        Expr::MatrixSelector(ms) => select(&ms.vs, want, out),
        Expr::Paren(p) => walk(&p.expr, want, out),
        Expr::Unary(u) => walk(&u.expr, want, out),
        Expr::Subquery(s) => walk(&s.expr, want, out),
        // An aggregation's result has only its grouping labels: what is above asks no more.
        Expr::Aggregate(a) => aggregate(a, out),
        Expr::Binary(b) => binary(b, want, out),
        Expr::Call(c) => call(c, want, out),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => {}
        // An extension carries no expression the walk can see; the parser builds none
        // without one being registered.
        Expr::Extension(_) => {}
    }
}

fn aggregate(a: &AggregateExpr, out: &mut Vec<Read>) {
    if let Some(p) = &a.param {
        walk(p, &Want::none(), out);
    }
    let inner = match a.op.id() {
        // These return input series with their labels (count_values keeps the `by` labels
        // and adds one; read conservatively as keeping them all).
        T_TOPK | T_BOTTOMK | T_LIMITK | T_LIMIT_RATIO | T_COUNT_VALUES => Want::all(),
        _ => match &a.modifier {
            Some(LabelModifier::Include(by)) => Want::none().plus(&by.labels),
            // `without` keeps every label but the listed ones.
            Some(LabelModifier::Exclude(_)) => Want::all(),
            None => Want::none(),
        },
    };
    walk(&a.expr, &inner, out);
}

fn binary(b: &BinaryExpr, want: &Want, out: &mut Vec<Read>) {
    let scalar = |e: &Expr| e.value_type() == ValueType::Scalar;
    if scalar(&b.lhs) || scalar(&b.rhs) {
        // A vector with a scalar: each series keeps its labels.
        walk(&b.lhs, want, out);
        walk(&b.rhs, want, out);
        return;
    }
    let modifier = b.modifier.as_ref();
    let matching = modifier.and_then(|m| m.matching.as_ref());
    let on = match matching {
        Some(LabelModifier::Include(on)) => Some(&on.labels),
        // `ignoring`, or no modifier: series are matched on all their labels (less some).
        _ => None,
    };
    let Some(on) = on else {
        walk(&b.lhs, &Want::all(), out);
        walk(&b.rhs, &Want::all(), out);
        return;
    };
    let card = modifier.map(|m| &m.card);
    // The result's labels: the "many" side's plus the `group_*` ones from the other; the
    // left side's (`and`, `unless`) or both sides' (`or`); else the `on` labels alone.
    let (lhs, rhs) = match (card, b.op.id()) {
        (Some(VectorMatchCardinality::ManyToOne(g)), _) => {
            (want.plus(on), Want::none().plus(on).plus(&g.labels))
        }
        (Some(VectorMatchCardinality::OneToMany(g)), _) => {
            (Want::none().plus(on).plus(&g.labels), want.plus(on))
        }
        (_, T_LOR) => (want.plus(on), want.plus(on)),
        (_, T_LAND | T_LUNLESS) => (want.plus(on), Want::none().plus(on)),
        _ => (Want::none().plus(on), Want::none().plus(on)),
    };
    walk(&b.lhs, &lhs, out);
    walk(&b.rhs, &rhs, out);
}

fn call(c: &Call, want: &Want, out: &mut Vec<Read>) {
    let args = &c.args.args;
    let strings = |from: usize, to: usize| -> Vec<String> {
        args.iter()
            .take(to)
            .skip(from)
            .filter_map(|a| match a.as_ref() {
                Expr::StringLiteral(s) => Some(s.val.clone()),
                _ => None,
            })
            .collect()
    };
    let inner = match c.func.name {
        // label_replace(v, dst, replacement, src, regex): the source label is read.
        "label_replace" => want.plus(&strings(3, 4)),
        // label_join(v, dst, separator, src...).
        "label_join" => want.plus(&strings(3, args.len())),
        "sort_by_label" | "sort_by_label_desc" => want.plus(&strings(1, args.len())),
        // Classic histograms: the buckets' `le` is read.
        "histogram_quantile" | "histogram_fraction" => want.plus(&["le".to_string()]),
        // Their labels come from the selector's matchers, which the selector adds itself.
        "absent" | "absent_over_time" | "scalar" => Want::none(),
        // info() joins on identifying labels it chooses at evaluation time.
        "info" => Want::all(),
        // Everything else keeps each series' labels (rate, abs, *_over_time, …).
        _ => want.clone(),
    };
    for a in args {
        match a.value_type() {
            ValueType::Vector | ValueType::Matrix => walk(a, &inner, out),
            _ => walk(a, &Want::none(), out),
        }
    }
}

/// Records one selector: its names and, besides what is above it, its matchers' labels.
fn select(vs: &VectorSelector, want: &Want, out: &mut Vec<Read>) {
    let groups = std::iter::once(&vs.matchers.matchers).chain(vs.matchers.or_matchers.iter());
    for group in groups {
        let labels: Vec<String> = group
            .iter()
            .filter(|m| m.name != METRIC_NAME)
            .map(|m| m.name.clone())
            .collect();
        let want = want.plus(&labels);
        let names = match &vs.name {
            Some(n) => name_or_pattern(n),
            None => names_of(group),
        };
        out.push(Read { names, want });
    }
}

/// A literal name, or the pattern a variable in it makes.
fn name_or_pattern(name: &str) -> Names {
    if name.contains(VAR) {
        let parts: Vec<String> = name.split(VAR).map(regex_literal).collect();
        Names::Pattern(parts.join(".*"))
    } else {
        Names::Exact(BTreeSet::from([name.to_string()]))
    }
}

/// The names a selector without a bare name reads, from its `__name__` matchers.
fn names_of(group: &[Matcher]) -> Names {
    let on_name = group.iter().filter(|m| m.name == METRIC_NAME);
    let mut pattern = None;
    for m in on_name {
        match &m.op {
            MatchOp::Equal => return name_or_pattern(&m.value),
            MatchOp::Re(_) => {
                let value = m.value.replace(VAR, ".*");
                if let Some(names) = alternation(&value) {
                    return Names::Exact(names);
                }
                pattern.get_or_insert(value);
            }
            // A negative matcher alone reads every other name.
            MatchOp::NotEqual | MatchOp::NotRe(_) => {}
        }
    }
    Names::Pattern(pattern.unwrap_or_else(|| ".*".into()))
}

/// `a|b|c` (or `(a|b)`, `(?:a|b)`) of plain metric names: those names.
fn alternation(re: &str) -> Option<BTreeSet<String>> {
    let inner = re
        .strip_prefix("(?:")
        .or_else(|| re.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(re);
    let names: BTreeSet<String> = inner.split('|').map(str::to_string).collect();
    names.iter().all(|n| plain_name(n)).then_some(names)
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, the classic metric-name syntax.
pub(crate) fn plain_name(n: &str) -> bool {
    let mut b = n.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}
