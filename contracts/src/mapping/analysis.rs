//! Static analysis of jq expressions: which source paths they read, and which literal strings
//! they can output (to check picklist values without running anything).

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Term};
use jaq_core::path::Part;

/// A path into the source document. `[]` stands for "every element of an array".
pub type SourcePath = Vec<String>;

const ITEMS: &str = "[]";

/// Parses an expression into its syntax tree (`None` if it does not parse; compilation
/// reports that error with details).
fn parse(source: &str) -> Option<Term<&str>> {
    jaq_core::load::parse(source, |parser| parser.term())
}

/// The paths from the input root that an expression reads, as far as they can be known
/// statically. Paths under `$event` and under values whose origin is unknown are left out:
/// the analysis never reports a path it is not sure of.
pub fn source_paths(source: &str) -> Vec<SourcePath> {
    let mut paths = Vec::new();
    if let Some(term) = parse(source) {
        walk(&term, Some(Vec::new()), &mut paths);
    }
    paths.sort();
    paths.dedup();
    paths
}

/// The literal strings an expression can output (e.g. the branches of an `if`, both sides of
/// `//`, the values of an object it indexes into).
pub fn output_literals(source: &str) -> Vec<String> {
    let mut literals = Vec::new();
    if let Some(term) = parse(source) {
        collect_literals(&term, &mut literals);
    }
    literals
}

pub(crate) fn literal(term: &Term<&str>) -> Option<String> {
    let Term::Str(None, parts) = term else { return None };
    let mut text = String::new();
    for part in parts {
        match part {
            StrPart::Str(s) => text.push_str(s),
            StrPart::Char(c) => text.push(*c),
            StrPart::Term(_) => return None,
        }
    }
    Some(text)
}

fn collect_literals(term: &Term<&str>, out: &mut Vec<String>) {
    if let Some(text) = literal(term) {
        out.push(text);
        return;
    }
    match term {
        Term::IfThenElse(branches, otherwise) => {
            for (_condition, value) in branches {
                collect_literals(value, out);
            }
            if let Some(otherwise) = otherwise {
                collect_literals(otherwise, out);
            }
        }
        Term::BinOp(left, BinaryOp::Alt | BinaryOp::Comma, right) => {
            collect_literals(left, out);
            collect_literals(right, out);
        }
        Term::BinOp(_, BinaryOp::Pipe(_), right) => collect_literals(right, out),
        Term::TryCatch(body, catch) => {
            collect_literals(body, out);
            if let Some(catch) = catch {
                collect_literals(catch, out);
            }
        }
        // `{"a": "A", "b": "B"}[.]`: a lookup table outputs its values.
        Term::Path(base, _) => {
            if let Term::Obj(entries) = base.as_ref() {
                for (_key, value) in entries {
                    if let Some(value) = value {
                        collect_literals(value, out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Filters whose argument runs on each element of the input array.
const PER_ELEMENT: [&str; 9] =
    ["map", "map_values", "sort_by", "group_by", "unique_by", "min_by", "max_by", "any", "all"];
/// Filters whose argument runs on the same input (`select(.a)`, `test(.re)` ...).
const SAME_INPUT: [&str; 12] = [
    "select",
    "test",
    "gsub",
    "sub",
    "split",
    "join",
    "startswith",
    "endswith",
    "ltrimstr",
    "rtrimstr",
    "has",
    "error",
];

fn walk(term: &Term<&str>, context: Option<SourcePath>, out: &mut Vec<SourcePath>) {
    match term {
        Term::Path(base, path) => {
            walk(base, context.clone(), out);
            let mut current = output_path(base, context.clone());
            for (part, _optional) in &path.0 {
                current = match (part, current) {
                    (Part::Index(index), current) => match (literal(index), current) {
                        (Some(key), Some(mut known)) => {
                            known.push(key);
                            out.push(known.clone());
                            Some(known)
                        }
                        (_, _) => {
                            walk(index, context.clone(), out);
                            None
                        }
                    },
                    (Part::Range(from, upto), current) => {
                        for bound in [from, upto].into_iter().flatten() {
                            walk(bound, context.clone(), out);
                        }
                        // A slice keeps the path; an iteration `.[]` goes into the items.
                        match (from, upto, current) {
                            (None, None, Some(mut known)) => {
                                known.push(ITEMS.to_owned());
                                Some(known)
                            }
                            (_, _, current) => current,
                        }
                    }
                };
            }
        }
        Term::BinOp(left, BinaryOp::Pipe(None), right) => {
            walk(left, context.clone(), out);
            walk(right, output_path(left, context), out);
        }
        Term::BinOp(left, _, right) => {
            walk(left, context.clone(), out);
            walk(right, context, out);
        }
        Term::Obj(entries) => {
            for (key, value) in entries {
                match (literal(key), value, &context) {
                    // `{name}` is `{name: .name}`.
                    (Some(name), None, Some(known)) => {
                        let mut path = known.clone();
                        path.push(name);
                        out.push(path);
                    }
                    _ => walk(key, context.clone(), out),
                }
                if let Some(value) = value {
                    walk(value, context.clone(), out);
                }
            }
        }
        Term::Call(name, args) => {
            let argument_context = if PER_ELEMENT.contains(name) {
                context.map(|mut known| {
                    known.push(ITEMS.to_owned());
                    known
                })
            } else if SAME_INPUT.contains(name) {
                context
            } else {
                None
            };
            for arg in args {
                walk(arg, argument_context.clone(), out);
            }
        }
        Term::Arr(Some(inner)) | Term::Neg(inner) | Term::Label(_, inner) => walk(inner, context, out),
        Term::Str(_, parts) => {
            for part in parts {
                if let StrPart::Term(inner) = part {
                    walk(inner, context.clone(), out);
                }
            }
        }
        Term::IfThenElse(branches, otherwise) => {
            for (condition, value) in branches {
                walk(condition, context.clone(), out);
                walk(value, context.clone(), out);
            }
            if let Some(otherwise) = otherwise {
                walk(otherwise, context, out);
            }
        }
        Term::TryCatch(body, catch) => {
            walk(body, context.clone(), out);
            if let Some(catch) = catch {
                walk(catch, None, out);
            }
        }
        Term::Fold(_, xs, _, args) => {
            walk(xs, context, out);
            for arg in args {
                walk(arg, None, out);
            }
        }
        Term::Def(_, body) => walk(body, context, out),
        _ => {}
    }
}

/// The source path of an expression's output, when it is a plain path from the input.
fn output_path(term: &Term<&str>, context: Option<SourcePath>) -> Option<SourcePath> {
    match term {
        Term::Id => context,
        Term::Path(base, path) => {
            let mut current = output_path(base, context)?;
            for (part, _) in &path.0 {
                match part {
                    Part::Index(index) => current.push(literal(index)?),
                    Part::Range(None, None) => current.push(ITEMS.to_owned()),
                    Part::Range(..) => {}
                }
            }
            Some(current)
        }
        Term::BinOp(left, BinaryOp::Pipe(None), right) => output_path(right, output_path(left, context)),
        Term::BinOp(left, BinaryOp::Alt, _) => output_path(left, context),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(source: &str) -> Vec<String> {
        source_paths(source).into_iter().map(|path| path.join(".")).collect()
    }

    #[test]
    fn finds_paths_through_pipes_alternatives_and_functions() {
        assert_eq!(paths(".address.city // empty | .[0:40]"), vec!["address", "address.city"]);
        assert_eq!(paths(".address | .street | join(\"\\n\")"), vec!["address", "address.street"]);
        assert_eq!(
            paths("[.first_name, .last_name] | map(select(. != null))"),
            vec!["first_name", "last_name"]
        );
        assert_eq!(paths("{\"Id\": .user_id, legacy_id}"), vec!["legacy_id", "user_id"]);
        assert_eq!(paths(".items | map(.sku)"), vec!["items", "items.[].sku"]);
        assert_eq!(paths("\"\\(.a) and \\(.b)\""), vec!["a", "b"]);
    }

    #[test]
    fn ignores_event_attributes_and_unknown_origins() {
        assert_eq!(paths("$event.time // .created_at"), vec!["created_at"]);
        assert_eq!(paths("to_entries | .[0].key"), Vec::<String>::new());
    }

    #[test]
    fn lists_output_literals_of_branches_and_lookup_tables() {
        assert_eq!(
            output_literals(r#"if .s == "active" then "Active" elif .s == "x" then "X" else "Other" end"#),
            vec!["Active", "X", "Other"]
        );
        assert_eq!(
            output_literals(r#".m | {"card": "Card", "paypal": "PayPal"}[.] // "None""#),
            vec!["Card", "PayPal", "None"]
        );
        assert_eq!(output_literals(".name"), Vec::<String>::new());
    }
}
