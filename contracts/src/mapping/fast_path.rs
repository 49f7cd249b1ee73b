//! Plain path expressions (`.a.b`, `.a.b // empty`, each optionally truncated by
//! `| .[0:N]`) and value tables (`if .a == "x" then "X" elif … else "Z" end`, also on
//! `.a // "d" | if . == …`) evaluated on the JSON directly. About half of a typical mapping's
//! fields are such paths, several of the others such tables, and a jq run costs about a
//! microsecond; the result is the same as jq's, which property tests hold them to.

use jaq_core::load::parse::{BinaryOp, Term};
use jaq_core::path::{Opt, Part};
use serde_json::Value;

use super::analysis::literal;

/// A recognised shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FastPath {
    Path(PlainPath),
    Table(ValueTable),
}

/// `.a.b`, `.a.b // empty`, optionally `| .[0:N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainPath {
    keys: Vec<String>,
    /// `// empty`: no output when the value is null or false.
    or_empty: bool,
    /// `| .[0:N]`: the first N characters of a string (or items of an array).
    truncate: Option<usize>,
}

/// `if P == "l1" then "r1" elif P == "l2" then "r2" … else "r0" end` with one plain path `P`
/// (`.a.b`) in every condition, or `.a.b // "d" | if . == "l1" then …`: a value looked up
/// in a table of string literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueTable {
    keys: Vec<String>,
    /// `// "d"`: the value when the path's is null or false.
    default: Option<String>,
    cases: Vec<(String, String)>,
    otherwise: String,
}

impl FastPath {
    /// Recognises `source` as one of the shapes, or `None`.
    pub fn detect(source: &str) -> Option<Self> {
        let term = jaq_core::load::parse(source, |parser| parser.term())?;
        match ValueTable::detect(&term) {
            Some(table) => Some(Self::Table(table)),
            None => PlainPath::detect(&term).map(Self::Path),
        }
    }

    /// The output (`Some(None)`: no output), or `None` when jq must run because indexing
    /// fails (jq's error message is the one to report).
    pub fn evaluate(&self, input: &Value) -> Option<Option<Value>> {
        match self {
            Self::Path(path) => path.evaluate(input),
            Self::Table(table) => table.evaluate(input).map(Some),
        }
    }
}

/// The value at `keys` as jq indexes it: null through missing keys and nulls, `None` where
/// jq fails (indexing anything else).
fn follow<'a>(input: &'a Value, keys: &[String]) -> Option<&'a Value> {
    let mut current = input;
    for key in keys {
        current = match current {
            Value::Object(map) => map.get(key).unwrap_or(&Value::Null),
            Value::Null => &Value::Null,
            _ => return None,
        };
    }
    Some(current)
}

impl ValueTable {
    fn detect(term: &Term<&str>) -> Option<Self> {
        let (defaulted_path, default, table) = match term {
            Term::BinOp(left, BinaryOp::Pipe(None), right) => {
                let Term::BinOp(path, BinaryOp::Alt, default) = left.as_ref() else { return None };
                (Some(keys(path)?), Some(literal(default)?), right.as_ref())
            }
            _ => (None, None, term),
        };
        let Term::IfThenElse(branches, Some(otherwise)) = table else { return None };
        let mut subject: Option<Vec<String>> = None;
        let mut cases = Vec::with_capacity(branches.len());
        for (condition, value) in branches {
            let Term::BinOp(left, BinaryOp::Cmp(jaq_core::ops::Cmp::Eq), right) = condition else {
                return None;
            };
            // With a default, the table looks at `.` (the defaulted value); else at a path.
            let compared = if defaulted_path.is_some() {
                matches!(left.as_ref(), Term::Id).then(Vec::new)?
            } else {
                keys(left)?
            };
            if subject.get_or_insert_with(|| compared.clone()) != &compared {
                return None;
            }
            cases.push((literal(right)?, literal(value)?));
        }
        Some(Self { keys: defaulted_path.or(subject)?, default, cases, otherwise: literal(otherwise)? })
    }

    fn evaluate(&self, input: &Value) -> Option<Value> {
        let mut value = follow(input, &self.keys)?;
        let defaulted;
        if let Some(default) = &self.default
            && matches!(value, Value::Null | Value::Bool(false))
        {
            defaulted = Value::String(default.clone());
            value = &defaulted;
        }
        let found = self.cases.iter().find(|(when, _)| matches!(value, Value::String(text) if text == when));
        Some(Value::String(found.map_or(&self.otherwise, |(_, then)| then).clone()))
    }
}

impl PlainPath {
    fn detect(term: &Term<&str>) -> Option<Self> {
        let (path, truncate) = match term {
            Term::BinOp(left, BinaryOp::Pipe(None), right) => (left.as_ref(), Some(slice_end(right)?)),
            _ => (term, None),
        };
        match path {
            Term::BinOp(left, BinaryOp::Alt, right) if matches!(right.as_ref(), Term::Call("empty", args) if args.is_empty()) => {
                Some(Self { keys: keys(left)?, or_empty: true, truncate })
            }
            _ => Some(Self { keys: keys(path)?, or_empty: false, truncate }),
        }
    }

    fn evaluate(&self, input: &Value) -> Option<Option<Value>> {
        let current = follow(input, &self.keys)?;
        if self.or_empty && matches!(current, Value::Null | Value::Bool(false)) {
            return Some(None);
        }
        let Some(end) = self.truncate else { return Some(Some(current.clone())) };
        match current {
            Value::String(text) => Some(Some(Value::String(text.chars().take(end).collect()))),
            Value::Array(items) => Some(Some(Value::Array(items.iter().take(end).cloned().collect()))),
            // jaq refuses to slice anything else, null included: let jaq say so.
            _ => None,
        }
    }
}

/// `N` of `.[0:N]` or `.[:N]`, for a non-negative integer literal `N`.
fn slice_end(term: &Term<&str>) -> Option<usize> {
    let Term::Path(base, path) = term else { return None };
    let [(Part::Range(from, Some(upto)), Opt::Essential)] = path.0.as_slice() else { return None };
    let from_zero = match from {
        None => true,
        Some(Term::Num(n)) => *n == "0",
        Some(_) => false,
    };
    match (base.as_ref(), from_zero, upto) {
        (Term::Id, true, Term::Num(n)) if n.chars().all(|c| c.is_ascii_digit()) => n.parse().ok(),
        _ => None,
    }
}

/// The keys of `.a.b.c` (object indexes by literal string only, not optional `?`).
fn keys(term: &Term<&str>) -> Option<Vec<String>> {
    let Term::Path(base, path) = term else { return None };
    if !matches!(base.as_ref(), Term::Id) {
        return None;
    }
    path.0
        .iter()
        .map(|(part, optional)| match (part, optional) {
            (Part::Index(index), Opt::Essential) => literal(index),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::JqProgram;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn recognises_only_plain_paths() {
        assert!(FastPath::detect(".a").is_some());
        assert!(FastPath::detect(".a.b // empty").is_some());
        assert!(FastPath::detect(r#"."odd key".b"#).is_some());
        for other in [
            ".",
            ".a?",
            ".a[0]",
            ".a // \"x\"",
            ".a | length",
            "$event.id",
            ".a.b // empty | .c",
            ".[\"a\"] // null",
        ] {
            assert_eq!(FastPath::detect(other), None, "{other}");
        }
    }

    #[test]
    fn recognises_value_tables_only_over_one_path_of_literals() {
        for table in [
            r#"if .status == "active" then "Active" elif .status == "inactive" then "Inactive" else "Expired" end"#,
            r#".a.b // "p" | if . == "p" then "P" elif . == "q" then "Q" else "O" end"#,
        ] {
            assert!(matches!(FastPath::detect(table), Some(FastPath::Table(_))), "{table}");
        }
        for other in [
            r#"if .a == "x" then "X" end"#,
            r#"if .a == "x" then "X" elif .b == "y" then "Y" else "Z" end"#,
            r#"if .a == "x" then .b else "Z" end"#,
            r#"if .a != "x" then "X" else "Z" end"#,
            r#"if . == "x" then "X" else "Z" end"#,
            r#".a // "p" | if .b == "p" then "P" else "O" end"#,
        ] {
            assert!(!matches!(FastPath::detect(other), Some(FastPath::Table(_))), "{other}");
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-c]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_jq(
            input in json_value(),
            keys in prop::collection::vec("[a-c]", 1..4),
            or_empty in any::<bool>(),
            truncate in prop::option::of(0usize..4),
        ) {
            let mut source = format!(".{}{}", keys.join("."), if or_empty { " // empty" } else { "" });
            if let Some(end) = truncate {
                source = format!("{source} | .[0:{end}]");
            }
            let fast = FastPath::detect(&source).expect("a plain path");
            let jq = JqProgram::compile(&source).expect("compiles");
            // `run` itself takes the fast path; compare with jaq run on a wrapped expression.
            let slow = JqProgram::compile(&format!("({source}) | .")).expect("compiles");
            let expected = slow.run_single(&input, &json!({}));
            match fast.evaluate(&input) {
                Some(output) => prop_assert_eq!(Ok(output), expected),
                None => prop_assert!(expected.is_err(), "the fast path declined but jq succeeded"),
            }
            prop_assert_eq!(jq.run_single(&input, &json!({})), slow.run_single(&input, &json!({})));
        }

        #[test]
        fn value_tables_agree_with_jq(
            input in json_value(),
            keys in prop::collection::vec("[a-c]", 1..3),
            cases in prop::collection::vec(("[a-c]{0,2}", "[A-C]{1,2}"), 1..4),
            default in prop::option::of("[a-c]{0,2}"),
        ) {
            let path = format!(".{}", keys.join("."));
            let (subject, prefix) = match &default {
                Some(default) => (".".to_owned(), format!("{path} // \"{default}\" | ")),
                None => (path, String::new()),
            };
            let branches: Vec<String> = cases
                .iter()
                .map(|(when, then)| format!("{subject} == \"{when}\" then \"{then}\""))
                .collect();
            let source = format!("{prefix}if {} else \"Z\" end", branches.join(" elif "));
            let fast = FastPath::detect(&source).expect("a value table");
            let slow = JqProgram::compile(&format!("({source}) | .")).expect("compiles");
            let expected = slow.run_single(&input, &json!({}));
            match fast.evaluate(&input) {
                Some(output) => prop_assert_eq!(Ok(output), expected),
                None => prop_assert!(expected.is_err(), "the fast path declined but jq succeeded"),
            }
        }
    }
}
