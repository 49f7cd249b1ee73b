//! The interactions of a system's pact: one per fixture case, plus the read-backs of the
//! expectations that apply to it (Salesforce).

use serde_json::{Map, Value, json};
use switchyard_adapters::DeliveryItem;
use switchyard_adapters::salesforce::ObjectTarget;
use switchyard_adapters::salesforce::read_back::soql_statements;
use switchyard_adapters::salesforce::request_builder::plan;
use switchyard_contracts::catalog::{Fixture, SystemCatalog};

use super::ProviderKind;
use crate::verify::SystemExpectations;

/// Why a pact cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum PactError {
    #[error("{mapping}: target contract {target} has no external_id, so no upsert path can be built")]
    NoExternalId { mapping: String, target: String },
    #[error("fixture {file} case {case:?}: {problem}")]
    Fixture { file: String, case: String, problem: String },
    #[error("expectations: {0}")]
    Expectations(String),
}

pub fn all(system: &SystemCatalog, kind: ProviderKind) -> Result<Vec<Value>, PactError> {
    let expectations = SystemExpectations::compile(&system.expectations).map_err(PactError::Expectations)?;
    let mut interactions = Vec::new();
    for fixture in system.fixtures.iter().filter(|fixture| fixture.expected.is_some()) {
        match kind {
            ProviderKind::Salesforce { api_version } => {
                interactions.push(salesforce_upsert(system, fixture, api_version)?);
                interactions.extend(salesforce_read_backs(&expectations, fixture, api_version)?);
            }
            ProviderKind::Webhook => interactions.push(webhook_post(fixture)),
        }
    }
    Ok(interactions)
}

fn fixture_error(fixture: &Fixture, problem: impl Into<String>) -> PactError {
    PactError::Fixture {
        file: fixture.file.display().to_string(),
        case: fixture.name.clone(),
        problem: problem.into(),
    }
}

/// A matcher on one path: the provider chooses the value, the consumer relies on its type.
fn by_type() -> Value {
    json!({"combine": "AND", "matchers": [{"match": "type"}]})
}

fn json_body(content: Value) -> Value {
    json!({"content": content, "contentType": "application/json", "encoded": false})
}

fn salesforce_upsert(
    system: &SystemCatalog,
    fixture: &Fixture,
    api_version: &str,
) -> Result<Value, PactError> {
    let mapping = &system.mappings[&fixture.mapping];
    let target = &mapping.spec().target;
    let contract = system.targets.get(target);
    let external_id = contract.and_then(|contract| contract.external_id.clone()).ok_or_else(|| {
        PactError::NoExternalId { mapping: fixture.mapping.clone(), target: target.to_string() }
    })?;
    let object = target.object.to_string();
    let mut record = fixture.expected.clone().unwrap_or_default();
    record.insert("attributes".into(), json!({"type": object}));
    let item = DeliveryItem { delivery_id: String::new(), event_id: String::new(), record, attempt: 1 };
    // The adapter's own request code: relationship names and tagging as on the wire.
    let planned = plan(std::slice::from_ref(&item), &[ObjectTarget::new(&object, &external_id)]);
    let Some(mut wire) = planned.calls.into_iter().next().and_then(|call| call.records.into_iter().next())
    else {
        return Err(fixture_error(fixture, "the adapter would not send this record (no external id value?)"));
    };
    let key = match wire.remove(&external_id) {
        Some(Value::String(text)) => text,
        Some(Value::Number(number)) => number.to_string(),
        _ => return Err(fixture_error(fixture, format!("no value for the external id {external_id}"))),
    };
    wire.remove("attributes");
    let path = format!(
        "/services/data/{api_version}/sobjects/{object}/{external_id}/{}",
        url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
    );
    Ok(json!({
        "type": "Synchronous/HTTP",
        "description": format!("{}: {}", fixture.mapping, fixture.name),
        "providerStates": [{"name": format!("the {object} contract {target} is deployed in the org")}],
        "request": {
            "method": "PATCH",
            "path": path,
            "headers": {"Content-Type": ["application/json"], "Authorization": ["Bearer session"]},
            "body": json_body(Value::Object(wire)),
            "matchingRules": {"header": {"Authorization": {"combine": "AND", "matchers": [{"match": "regex", "regex": "^Bearer .+$"}]}}},
        },
        "response": {
            // 201 when created, 200 when updated (API v46 and later): any success.
            "status": 201,
            "headers": {"Content-Type": ["application/json"]},
            "body": json_body(json!({"id": "003000000000001AAA", "success": true, "errors": [], "created": true})),
            "matchingRules": {
                "status": {"combine": "AND", "matchers": [{"match": "statusCode", "status": "success"}]},
                "body": {"$.id": by_type(), "$.created": by_type()},
            },
        },
    }))
}

/// The read-back of each expectation that applies to the fixture's event.
fn salesforce_read_backs(
    expectations: &SystemExpectations,
    fixture: &Fixture,
    api_version: &str,
) -> Result<Vec<Value>, PactError> {
    let data = fixture.event.get("data").cloned().unwrap_or(Value::Null);
    let checks = expectations
        .checks(&fixture.mapping, &data)
        .map_err(|err| fixture_error(fixture, err.to_string()))?;
    let mut interactions = Vec::new();
    for check in checks {
        let expectation = check.expectation;
        let query = check.query();
        let statements = soql_statements(&query).map_err(|err| fixture_error(fixture, err.to_string()))?;
        let Some(soql) = statements.into_iter().next() else { continue };
        let (records, rules) = if expectation.exists {
            let mut record = Map::new();
            record.insert("attributes".into(), json!({"type": expectation.object}));
            record.insert("Id".into(), json!("a00000000000001AAA"));
            record.insert(expectation.match_field.clone(), json!(check.match_value));
            for (field, value) in &expectation.fields {
                record.insert(field.clone(), value.clone());
            }
            let rules = json!({"$.records[0].Id": by_type(), "$.records[0].attributes": by_type()});
            (vec![Value::Object(record)], rules)
        } else {
            (Vec::new(), json!({}))
        };
        interactions.push(json!({
            "type": "Synchronous/HTTP",
            "description": format!("{}: {} (read back: {})", fixture.mapping, fixture.name, expectation.name),
            "providerStates": [{
                "name": format!("{} was delivered", fixture.mapping),
                "params": {"match_field": expectation.match_field, "match_value": check.match_value},
            }],
            "request": {
                "method": "GET",
                "path": format!("/services/data/{api_version}/query"),
                "query": {"q": [soql]},
                "headers": {"Authorization": ["Bearer session"]},
                "matchingRules": {"header": {"Authorization": {"combine": "AND", "matchers": [{"match": "regex", "regex": "^Bearer .+$"}]}}},
            },
            "response": {
                "status": 200,
                "headers": {"Content-Type": ["application/json"]},
                "body": json_body(json!({"totalSize": records.len(), "done": true, "records": records})),
                "matchingRules": {"body": rules},
            },
        }));
    }
    Ok(interactions)
}

/// What the webhook adapter posts for the fixture (`per_event` mode), signed.
fn webhook_post(fixture: &Fixture) -> Value {
    let record = fixture.expected.clone().unwrap_or_default();
    let body = json!({"delivery_id": "01JDELIVERY000000000000000", "event_id": fixture.event.get("id").cloned().unwrap_or(Value::Null), "data": record});
    json!({
        "type": "Synchronous/HTTP",
        "description": format!("{}: {}", fixture.mapping, fixture.name),
        "request": {
            "method": "POST",
            "path": "/",
            "headers": {
                "Content-Type": ["application/json"],
                "webhook-id": ["01JDELIVERY000000000000000"],
                "webhook-timestamp": ["1764583200"],
                "webhook-signature": ["v1,c2lnbmF0dXJl"],
            },
            "body": json_body(body),
            "matchingRules": {
                "header": {
                    "webhook-id": by_type(),
                    "webhook-timestamp": {"combine": "AND", "matchers": [{"match": "regex", "regex": "^[0-9]+$"}]},
                    "webhook-signature": {"combine": "AND", "matchers": [{"match": "regex", "regex": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$"}]},
                },
                "body": {"$.delivery_id": by_type()},
            },
        },
        "response": {
            "status": 200,
            "matchingRules": {"status": {"combine": "AND", "matchers": [{"match": "statusCode", "status": "success"}]}},
        },
    })
}
