//! Reads: describe an object, and the SOQL subset with `nextRecordsUrl` paging.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::org_config::{FieldConfig, FieldType, ObjectConfig, OrgConfig};
use super::server::{OrgData, SimState};
use super::soql::{self, Condition, Literal};
use super::store::StoredRecord;
use super::table::ObjectTable;
use super::wire_errors::{Answer, ApiError};

fn describe_field(field: &FieldConfig) -> Value {
    let picklist: Vec<Value> = field
        .picklist_values
        .iter()
        .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
        .collect();
    let relationship = (field.field_type == FieldType::Reference)
        .then(|| field.name.strip_suffix("__c").map(|stem| format!("{stem}__r")))
        .flatten();
    json!({
        "name": field.name,
        "label": field.name,
        "type": field.field_type.as_str(),
        "length": field.length,
        "nillable": field.nillable,
        "createable": field.createable,
        "updateable": field.updateable,
        "defaultedOnCreate": field.defaulted_on_create,
        "externalId": field.external_id,
        "idLookup": field.external_id,
        "unique": field.unique,
        "picklistValues": picklist,
        "restrictedPicklist": field.restricted_picklist,
        "referenceTo": field.reference_to,
        "relationshipName": relationship,
    })
}

/// The describe document of one object.
pub fn describe_object(object: &ObjectConfig) -> Value {
    let id = json!({
        "name": "Id", "label": "Record ID", "type": "id", "length": 18, "nillable": false,
        "createable": false, "updateable": false, "defaultedOnCreate": true,
        "externalId": false, "idLookup": true, "unique": false, "picklistValues": [],
        "restrictedPicklist": false, "referenceTo": [], "relationshipName": null,
    });
    let fields: Vec<Value> = std::iter::once(id).chain(object.fields.iter().map(describe_field)).collect();
    json!({
        "name": object.name,
        "label": object.name,
        "keyPrefix": object.key_prefix,
        "custom": object.name.ends_with("__c"),
        "createable": true,
        "updateable": true,
        "queryable": true,
        "fields": fields,
    })
}

/// `GET /services/data/vXX.X/sobjects/{Object}/describe`.
pub async fn describe(
    State(state): State<SimState>,
    Path((_version, object)): Path<(String, String)>,
) -> Response {
    describe_in(&state.org, &object).into_response()
}

/// The describe answer for `object`, or Salesforce's 404.
pub fn describe_in(org: &OrgConfig, object: &str) -> Answer {
    match org.object(object) {
        Some(object) => Answer::json(StatusCode::OK, describe_object(object)),
        None => ApiError::not_found().into(),
    }
}

fn bad_query(code: &'static str, message: String) -> Answer {
    ApiError::new(StatusCode::BAD_REQUEST, code, message).into()
}

/// The canonical name of a selectable field, or `None` when the object has no such column.
fn column(object: &ObjectConfig, name: &str) -> Option<String> {
    if name.eq_ignore_ascii_case("Id") {
        return Some("Id".to_owned());
    }
    object.field(name).map(|f| f.name.clone())
}

fn value_of<'a>(record: &'a StoredRecord, column: &str) -> Option<&'a Value> {
    record.get(column)
}

fn literal_matches(record: &StoredRecord, column: &str, literal: &Literal) -> bool {
    if column == "Id" {
        return match literal {
            // Ids compare on their case-sensitive 15 characters, so 15 and 18 both match.
            Literal::Text(t) => t.len() >= 15 && record.id.get(..15) == t.get(..15),
            _ => false,
        };
    }
    match (value_of(record, column), literal) {
        (None | Some(Value::Null), Literal::Null) => true,
        // SOQL compares text case-insensitively.
        (Some(Value::String(s)), Literal::Text(t)) => eq_ignore_case(s, t),
        (Some(Value::Number(n)), Literal::Number(m)) => n.as_f64() == Some(*m),
        (Some(Value::Bool(b)), Literal::Bool(c)) => b == c,
        _ => false,
    }
}

/// Unicode case-insensitive equality without allocating (an `IN` of 200 values compares each
/// candidate 200 times).
fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
        || a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

fn condition_holds(record: &StoredRecord, condition: &(String, Condition)) -> bool {
    match &condition.1 {
        Condition::Equals { value, .. } => literal_matches(record, &condition.0, value),
        Condition::In { values, .. } => values.iter().any(|v| literal_matches(record, &condition.0, v)),
    }
}

fn record_json(version: &str, object: &str, columns: &[String], record: &StoredRecord) -> Value {
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": object, "url": format!("/services/data/{version}/sobjects/{object}/{}", record.id)}),
    );
    for column in columns {
        let value = if column == "Id" {
            Value::String(record.id.clone())
        } else {
            value_of(record, column).cloned().unwrap_or(Value::Null)
        };
        out.insert(column.clone(), value);
    }
    Value::Object(out)
}

/// One page of a result, opening a cursor when more pages follow.
fn page(
    state: &SimState,
    data: &mut OrgData,
    version: &str,
    cursor: Option<String>,
    all: Vec<Value>,
    offset: usize,
) -> Answer {
    let size = state.org.query_page_size;
    let total = all.len();
    let end = (offset + size).min(total);
    let records: Vec<Value> = all.get(offset..end).unwrap_or_default().to_vec();
    let mut body = json!({"totalSize": total, "done": end >= total});
    if end < total {
        let locator = cursor.unwrap_or_else(|| {
            let serial = data.next_cursor;
            data.next_cursor += 1;
            format!("01g5g{serial:013}")
        });
        body["nextRecordsUrl"] = json!(format!("/services/data/{version}/query/{locator}-{end}"));
        data.cursors.insert(locator, all);
    } else if let Some(locator) = cursor {
        data.cursors.remove(&locator);
    }
    body["records"] = Value::Array(records);
    Answer::json(StatusCode::OK, body)
}

/// `GET /services/data/vXX.X/query?q=<SOQL>`.
pub async fn query(
    State(state): State<SimState>,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    query_in(&state, &mut state.lock(), &version, params.get("q").map(String::as_str)).into_response()
}

/// Runs the SOQL `q` against the locked org: the first page of its result.
pub fn query_in(state: &SimState, data: &mut OrgData, version: &str, q: Option<&str>) -> Answer {
    let Some(q) = q else {
        return bad_query("MALFORMED_QUERY", "A query string (q) is required".to_owned());
    };
    let parsed = match soql::parse(q) {
        Ok(parsed) => parsed,
        Err(err) => return bad_query("MALFORMED_QUERY", err.to_string()),
    };
    let Some(object) = state.org.object(&parsed.object) else {
        return bad_query("INVALID_TYPE", format!("sObject type '{}' is not supported.", parsed.object));
    };
    let no_column = |name: &str| {
        bad_query("INVALID_FIELD", format!("No such column '{name}' on entity '{}'.", object.name))
    };
    let mut columns = Vec::new();
    for name in &parsed.fields {
        match column(object, name) {
            Some(c) => columns.push(c),
            None => return no_column(name),
        }
    }
    let mut conditions = Vec::new();
    for condition in parsed.conditions {
        let name = match &condition {
            Condition::Equals { field, .. } | Condition::In { field, .. } => field.clone(),
        };
        match column(object, &name) {
            Some(c) => conditions.push((c, condition)),
            None => return no_column(&name),
        }
    }
    let records = data.store.records(&object.name);
    let indexed = data.store.table(&object.name).and_then(|table| indexed_positions(table, &conditions));
    let scanned: Box<dyn Iterator<Item = &StoredRecord>> = match indexed {
        Some(positions) => Box::new(positions.into_iter().filter_map(|p| records.get(p))),
        None => Box::new(records.iter()),
    };
    let matched: Vec<Value> = scanned
        .filter(|r| conditions.iter().all(|c| condition_holds(r, c)))
        .take(parsed.limit.unwrap_or(usize::MAX))
        .map(|r| record_json(version, &object.name, &columns, r))
        .collect();
    page(state, data, version, None, matched, 0)
}

/// The positions (oldest first) of the only records that can match, from the first condition
/// on `Id` or an indexed field; `None` when no condition can use an index (then every record
/// is read). Every condition is still checked on the candidates.
fn indexed_positions(table: &ObjectTable, conditions: &[(String, Condition)]) -> Option<Vec<usize>> {
    let (column, literals) = conditions.iter().find_map(|(column, condition)| {
        let literals: Vec<&Literal> = match condition {
            Condition::Equals { value, .. } => vec![value],
            Condition::In { values, .. } => values.iter().collect(),
        };
        let usable = (column == "Id" || table.is_indexed(column))
            && literals.iter().all(|l| matches!(l, Literal::Text(_)));
        usable.then_some((column, literals))
    })?;
    let mut positions: Vec<usize> = Vec::new();
    for literal in literals {
        // Indexed fields hold text, which a number or null literal never equals.
        let Literal::Text(text) = literal else {
            continue;
        };
        if column == "Id" {
            positions.extend(text.get(..15).and_then(|id| table.by_id.get(id)).copied());
        } else {
            positions.extend_from_slice(table.candidates(column, text).unwrap_or_default());
        }
    }
    // Query results keep the store's order; `IN` may name a record twice.
    positions.sort_unstable();
    positions.dedup();
    Some(positions)
}

/// `GET /services/data/vXX.X/query/{locator}-{offset}`: the next page.
pub async fn query_more(
    State(state): State<SimState>,
    Path((version, locator)): Path<(String, String)>,
) -> Response {
    let invalid = || bad_query("INVALID_QUERY_LOCATOR", "invalid query locator".to_owned()).into_response();
    let Some((cursor, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };
    let mut data = state.lock();
    let all = data.cursors.get(cursor).cloned();
    match all {
        Some(all) if offset < all.len() => {
            page(&state, &mut data, &version, Some(cursor.to_owned()), all, offset).into_response()
        }
        _ => invalid(),
    }
}
