//! sObject Collections upsert: per-record results inside HTTP 200, the 200-record cap and
//! all-or-none rollback.

use serde_json::{Value, json};

use crate::helpers::{contact_body, json, org};

fn collection_record(legacy_id: &str) -> Value {
    let mut record = contact_body(legacy_id);
    record["attributes"] = json!({"type": "Contact"});
    record["Legacy_Id__c"] = json!(legacy_id);
    record
}

#[tokio::test]
async fn partial_failures_come_back_per_record_inside_http_200() {
    let org = org().await;
    org.contact("2").await;
    let mut bad = collection_record("3");
    bad["Email"] = json!("nope");
    let body = json!({"allOrNone": false, "records": [collection_record("1"), collection_record("2"), bad]});
    let response = org.patch("/composite/sobjects/Contact/Legacy_Id__c", body).await;
    assert!(response.headers().contains_key("sforce-limit-info"));
    let (status, results) = json(response).await;
    assert_eq!(status, 200);
    assert_eq!(results[0]["success"], true);
    assert_eq!(results[0]["created"], true);
    assert_eq!(results[0]["errors"], json!([]));
    assert_eq!(results[1]["created"], false);
    assert_eq!(
        results[2],
        json!({"success": false, "errors": [{"statusCode": "INVALID_EMAIL_ADDRESS",
            "message": "Email: invalid email address: nope", "fields": ["Email"]}]})
    );
    assert_eq!(org.sim.records("Contact").len(), 2);
}

#[tokio::test]
async fn all_or_none_rolls_back_the_valid_records() {
    let org = org().await;
    org.contact("2").await;
    let before = org.sim.records("Contact");
    let mut changed = collection_record("2");
    changed["FirstName"] = json!("Changed");
    let mut bad = collection_record("3");
    bad["LastName"] = Value::Null;
    let body = json!({"allOrNone": true, "records": [collection_record("1"), changed, bad]});
    let (status, results) = json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", body).await).await;
    assert_eq!(status, 200);
    for result in &results.as_array().expect("array")[..2] {
        assert_eq!(result["success"], false);
        assert_eq!(result["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK");
    }
    assert_eq!(results[2]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(org.sim.records("Contact"), before);
}

#[tokio::test]
async fn missing_and_repeated_external_ids_fail_their_records() {
    let org = org().await;
    let mut no_id = collection_record("x");
    no_id.as_object_mut().expect("object").remove("Legacy_Id__c");
    let body =
        json!({"records": [no_id, collection_record("7"), collection_record("7"), collection_record("8")]});
    let (status, results) = json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", body).await).await;
    assert_eq!(status, 200);
    assert_eq!(results[0]["errors"][0]["statusCode"], "MISSING_ARGUMENT");
    assert_eq!(results[1]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID");
    assert_eq!(results[2]["errors"][0]["statusCode"], "DUPLICATE_EXTERNAL_ID");
    assert_eq!(results[3]["success"], true);
}

#[tokio::test]
async fn more_than_200_records_is_a_request_error() {
    let org = org().await;
    let records: Vec<Value> = (0..201).map(|i| collection_record(&i.to_string())).collect();
    let (status, body) =
        json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", json!({"records": records})).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    let records: Vec<Value> = (0..200).map(|i| collection_record(&i.to_string())).collect();
    let (status, body) =
        json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", json!({"records": records})).await).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(200));
    assert_eq!(org.sim.stats().records["Contact"], 200);
}
