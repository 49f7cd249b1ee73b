//! Composite requests as a Salesforce client sends them: chained subrequests with references,
//! one API call, all-or-none rollback with `PROCESSING_HALTED`, and the 25-subrequest limit.

use serde_json::{Value, json};

use crate::helpers::{Org, contact_body, json, org};

fn enrollment_for(contact_ref: &str) -> Value {
    json!({
        "Legacy_Id__c": "e-1",
        "Contact__c": format!("@{{{contact_ref}.id}}"),
        "Course_Code__c": "RUST-101",
        "Source_Status__c": "Active",
        "Enrolled_On__c": "2024-03-01T10:00:00Z",
        "Price__c": 49.0,
        "Currency__c": "GBP",
    })
}

async fn composite(org: &Org, body: Value) -> (u16, Value) {
    let response =
        org.http.post(org.url("/composite")).bearer_auth(&org.token).json(&body).send().await.expect("POST");
    assert!(response.headers().contains_key("sforce-limit-info"));
    json(response).await
}

fn results_of(body: &Value) -> &Vec<Value> {
    body["compositeResponse"].as_array().expect("compositeResponse is an array")
}

#[tokio::test]
async fn chained_subrequests_run_in_order_with_references_for_one_api_call() {
    let org = org().await;
    let calls_before = org.sim.stats().api_calls;
    let (status, body) = composite(
        &org,
        json!({"allOrNone": false, "compositeRequest": [
            {"method": "PATCH", "url": "/services/data/v60.0/sobjects/Contact/Legacy_Id__c/c-1",
             "referenceId": "contact", "body": contact_body("c-1")},
            {"method": "POST", "url": "/services/data/v60.0/sobjects/Enrollment__c",
             "referenceId": "enrollment", "body": enrollment_for("contact")},
            {"method": "GET", "referenceId": "readBack",
             "url": "/services/data/v60.0/query?q=SELECT+Id,+Contact__c+FROM+Enrollment__c+WHERE+Id+=+'@{enrollment.id}'"},
            {"method": "GET", "url": "/services/data/v60.0/sobjects/Contact/describe", "referenceId": "describe"},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let results = results_of(&body);
    let codes: Vec<u64> = results.iter().map(|r| r["httpStatusCode"].as_u64().unwrap_or(0)).collect();
    assert_eq!(codes, [201, 201, 200, 200], "{body}");
    let refs: Vec<&str> = results.iter().map(|r| r["referenceId"].as_str().unwrap_or("")).collect();
    assert_eq!(refs, ["contact", "enrollment", "readBack", "describe"]);

    let contact_id = results[0]["body"]["id"].as_str().expect("contact id");
    assert_eq!(results[0]["body"]["created"], true);
    let enrollment_id = results[1]["body"]["id"].as_str().expect("enrollment id");
    assert_eq!(
        results[1]["httpHeaders"]["Location"],
        json!(format!("/services/data/v60.0/sobjects/Enrollment__c/{enrollment_id}"))
    );
    assert_eq!(results[2]["body"]["totalSize"], 1);
    assert_eq!(results[2]["body"]["records"][0]["Contact__c"], json!(contact_id));
    assert_eq!(results[3]["body"]["name"], "Contact");
    assert_eq!(org.sim.stats().api_calls - calls_before, 1, "a composite request is one API call");
    assert_eq!(org.sim.records("Enrollment__c")[0]["Contact__c"], json!(contact_id));
}

#[tokio::test]
async fn all_or_none_rolls_back_and_halts_the_others() {
    let org = org().await;
    let mut bad = enrollment_for("contact");
    bad["Source_Status__c"] = json!("Lost");
    let (status, body) = composite(
        &org,
        json!({"allOrNone": true, "compositeRequest": [
            {"method": "PATCH", "url": "/services/data/v60.0/sobjects/Contact/Legacy_Id__c/c-1",
             "referenceId": "contact", "body": contact_body("c-1")},
            {"method": "POST", "url": "/services/data/v60.0/sobjects/Enrollment__c",
             "referenceId": "enrollment", "body": bad},
            {"method": "GET", "url": "/services/data/v60.0/sobjects/Contact/describe", "referenceId": "later"},
        ]}),
    )
    .await;
    assert_eq!(status, 200);
    let results = results_of(&body);
    assert_eq!(results.len(), 3, "every subrequest is reported: {body}");
    assert_eq!(results[1]["httpStatusCode"], 400);
    assert_eq!(results[1]["body"][0]["errorCode"], "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    for other in [&results[0], &results[2]] {
        assert_eq!(other["httpStatusCode"], 400, "{other}");
        assert_eq!(other["body"][0]["errorCode"], "PROCESSING_HALTED", "{other}");
    }
    assert_eq!(results[2]["referenceId"], "later");
    assert!(org.sim.records("Contact").is_empty(), "the Contact was rolled back");
}

#[tokio::test]
async fn without_all_or_none_a_failure_only_halts_what_references_it() {
    let org = org().await;
    let mut bad = contact_body("c-1");
    bad["Email"] = json!("not-an-email");
    let (_, body) = composite(
        &org,
        json!({"compositeRequest": [
            {"method": "PATCH", "url": "/services/data/v60.0/sobjects/Contact/Legacy_Id__c/c-1",
             "referenceId": "contact", "body": bad},
            {"method": "POST", "url": "/services/data/v60.0/sobjects/Enrollment__c",
             "referenceId": "enrollment", "body": enrollment_for("contact")},
            {"method": "PATCH", "url": "/services/data/v60.0/sobjects/Contact/Legacy_Id__c/c-2",
             "referenceId": "other", "body": contact_body("c-2")},
        ]}),
    )
    .await;
    let results = results_of(&body);
    assert_eq!(results[0]["body"][0]["errorCode"], "INVALID_EMAIL_ADDRESS");
    assert_eq!(results[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    let message = results[1]["body"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("contact.id"), "{message}");
    assert_eq!(results[2]["httpStatusCode"], 201);
    let contacts = org.sim.records("Contact");
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["Legacy_Id__c"], "c-2");
}

#[tokio::test]
async fn more_than_25_subrequests_are_refused_and_bad_routes_answer_per_subrequest() {
    let org = org().await;
    let many: Vec<Value> = (0..26)
        .map(|i| json!({"method": "GET", "url": "/services/data/v60.0/sobjects/Contact/describe", "referenceId": format!("d{i}")}))
        .collect();
    let (status, body) = composite(&org, json!({"compositeRequest": many})).await;
    assert_eq!(status, 200);
    let results = results_of(&body);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["httpStatusCode"], 400);
    assert_eq!(results[0]["referenceId"], Value::Null);
    assert_eq!(results[0]["body"][0]["errorCode"], "LIMIT_EXCEEDED");

    let (_, body) = composite(
        &org,
        json!({"compositeRequest": [
            {"method": "DELETE", "url": "/services/data/v60.0/sobjects/Contact/Legacy_Id__c/x", "referenceId": "a"},
            {"method": "GET", "url": "/services/data/v60.0/nowhere", "referenceId": "b"},
        ]}),
    )
    .await;
    let results = results_of(&body);
    assert_eq!(results[0]["httpStatusCode"], 405);
    assert_eq!(results[1]["httpStatusCode"], 404);

    let (status, body) = composite(
        &org,
        json!({"compositeRequest": [
            {"method": "GET", "url": "/services/data/v60.0/sobjects/Contact/describe", "referenceId": "same"},
            {"method": "GET", "url": "/services/data/v60.0/sobjects/Contact/describe", "referenceId": "same"},
        ]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_INPUT");
}
