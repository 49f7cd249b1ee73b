//! Plain path expressions (`.a.b`, `.a.b // empty`, each optionally truncated by
//! `| .[0:N]`) evaluated on the JSON directly. About half of a typical mapping's fields are such paths, and a jq run costs about
//! a microsecond; the result is the same as jq's, which a property test holds it to.

use jaq_core::load::parse::{BinaryOp, Term};
use jaq_core::path::{Opt, Part};
use serde_json::Value;

use super::analysis::literal;

/// A recognised plain path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastPath {
    keys: Vec<String>,
    /// `// empty`: no output when the value is null or false.
    or_empty: bool,
    /// `| .[0:N]`: the first N characters of a string (or items of an array).
    truncate: Option<usize>,
}

impl FastPath {
    /// Recognises `source` as a plain path, or `None`.
    pub fn detect(source: &str) -> Option<Self> {
        let term = jaq_core::load::parse(source, |parser| parser.term())?;
        let (path, truncate) = match &term {
            Term::BinOp(left, BinaryOp::Pipe(None), right) => (left.as_ref(), Some(slice_end(right)?)),
            _ => (&term, None),
        };
        match path {
            Term::BinOp(left, BinaryOp::Alt, right) if matches!(right.as_ref(), Term::Call("empty", args) if args.is_empty()) => {
                Some(Self { keys: keys(left)?, or_empty: true, truncate })
            }
            _ => Some(Self { keys: keys(path)?, or_empty: false, truncate }),
        }
    }

    /// The path's output (`Some(None)`: no output), or `None` when jq must run because
    /// indexing fails (jq's error message is the one to report).
    pub fn evaluate(&self, input: &Value) -> Option<Option<Value>> {
        let mut current = input;
        for key in &self.keys {
            current = match current {
                Value::Object(map) => map.get(key).unwrap_or(&Value::Null),
                Value::Null => &Value::Null,
                _ => return None,
            };
        }
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
    }
}
