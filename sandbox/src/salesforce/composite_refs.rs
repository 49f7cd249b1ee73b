//! Composite request references, `@{referenceId.path}`: a later subrequest's URL or body names
//! a value from an earlier subrequest's result (`@{newContact.id}`,
//! `@{found.records[0].Id}`). Pure: resolved against the results so far.

use std::collections::HashMap;

use serde_json::Value;

/// The first reference that names nothing: no such earlier (successful) subrequest, or no
/// such value in its result. Holds the expression without `@{` `}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved(pub String);

/// The value at `path` (`id`, `records[0].Id`) in `body`.
fn lookup<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = body;
    for part in path.split('.') {
        let (name, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            current = current.get(name)?;
        }
        let mut rest = indexes;
        while let Some(inner) = rest.strip_prefix('[') {
            let (index, after) = inner.split_once(']')?;
            current = current.get(index.parse::<usize>().ok()?)?;
            rest = after;
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(current)
}

fn resolve_one<'a>(expression: &str, results: &'a HashMap<String, Value>) -> Result<&'a Value, Unresolved> {
    let unresolved = || Unresolved(expression.to_owned());
    let (reference, path) = expression.split_once('.').ok_or_else(unresolved)?;
    let body = results.get(reference).ok_or_else(unresolved)?;
    lookup(body, path).filter(|v| !v.is_null()).ok_or_else(unresolved)
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `text` with every `@{...}` replaced by the value it names.
pub fn substitute(text: &str, results: &HashMap<String, Value>) -> Result<String, Unresolved> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        let Some(length) = rest[start + 2..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let expression = &rest[start + 2..start + 2 + length];
        out.push_str(&as_text(resolve_one(expression, results)?));
        rest = &rest[start + 2 + length + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `body` with references resolved in every string. A string that is one reference and
/// nothing else takes the value as it is (a number stays a number).
pub fn substitute_value(body: &Value, results: &HashMap<String, Value>) -> Result<Value, Unresolved> {
    Ok(match body {
        Value::String(text) => {
            let whole =
                text.strip_prefix("@{").and_then(|t| t.strip_suffix('}')).filter(|t| !t.contains('}'));
            match whole {
                Some(expression) => resolve_one(expression, results)?.clone(),
                None => Value::String(substitute(text, results)?),
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| substitute_value(item, results)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| substitute_value(v, results).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn results() -> HashMap<String, Value> {
        HashMap::from([
            ("newContact".to_owned(), json!({"id": "003000000000001AAA", "success": true})),
            ("found".to_owned(), json!({"totalSize": 2, "records": [{"Id": "a01"}, {"Id": "a02"}]})),
        ])
    }

    #[test]
    fn references_resolve_in_urls_and_bodies() {
        let results = results();
        assert_eq!(
            substitute("/services/data/v60.0/sobjects/Contact/@{newContact.id}", &results),
            Ok("/services/data/v60.0/sobjects/Contact/003000000000001AAA".to_owned())
        );
        let body = json!({"Contact__c": "@{newContact.id}", "Note__c": "of @{found.records[1].Id}",
            "Count__c": "@{found.totalSize}", "Nested": [{"x": "@{found.records[0].Id}"}]});
        assert_eq!(
            substitute_value(&body, &results),
            Ok(json!({"Contact__c": "003000000000001AAA", "Note__c": "of a02", "Count__c": 2,
                "Nested": [{"x": "a01"}]}))
        );
        assert_eq!(substitute("no references here", &results), Ok("no references here".to_owned()));
    }

    #[test]
    fn a_reference_to_nothing_is_reported() {
        let results = results();
        for bad in ["@{missing.id}", "@{newContact.nope}", "@{found.records[5].Id}", "@{newContact}"] {
            let expected = bad.trim_start_matches("@{").trim_end_matches('}').to_owned();
            assert_eq!(substitute(bad, &results), Err(Unresolved(expected)), "{bad}");
        }
    }
}
