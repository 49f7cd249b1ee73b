//! The org's duplicate and custom validation rules, as per-record errors inside an HTTP 200
//! sObject Collections response.

use serde_json::{Value, json};

use crate::helpers::{contact_body, json, org};

fn contact(legacy_id: &str, email: &str) -> Value {
    let mut record = contact_body(legacy_id);
    record["attributes"] = json!({"type": "Contact"});
    record["Legacy_Id__c"] = json!(legacy_id);
    record["Email"] = json!(email);
    record
}

#[tokio::test]
async fn a_new_contact_with_an_existing_email_is_a_detected_duplicate() {
    let org = org().await;
    let first = json!({"records": [contact("1", "ada@example.com")]});
    let (status, _) = json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", first).await).await;
    assert_eq!(status, 200);
    let body = json!({"records": [
        contact("2", "ADA@Example.com"),
        contact("1", "ada@example.com"),
        contact("3", "grace@example.com"),
    ]});
    let (status, results) = json(org.patch("/composite/sobjects/Contact/Legacy_Id__c", body).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        results[0],
        json!({"success": false, "errors": [{"statusCode": "DUPLICATES_DETECTED",
            "message": "Use one of these records?", "fields": []}]})
    );
    // The same external id is the same Contact: an update, not a duplicate.
    assert_eq!(results[1]["success"], true);
    assert_eq!(results[1]["created"], false);
    assert_eq!(results[2]["success"], true);
    assert_eq!(org.sim.records("Contact").len(), 2);
}

#[tokio::test]
async fn a_negative_price_fails_the_custom_validation_rule() {
    let org = org().await;
    org.contact("c1").await;
    let enrollment = |id: &str, price: f64| {
        json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": id,
            "Contact__r": {"Legacy_Id__c": "c1"}, "Course_Code__c": "RUST-101",
            "Source_Status__c": "Expired", "Enrolled_On__c": "2024-03-01T10:00:00Z",
            "Price__c": price, "Currency__c": "GBP"})
    };
    let body = json!({"records": [enrollment("e1", -5.0), enrollment("e2", 0.0)]});
    let (status, results) =
        json(org.patch("/composite/sobjects/Enrollment__c/Legacy_Id__c", body).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        results[0],
        json!({"success": false, "errors": [{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "message": "Price cannot be negative.", "fields": ["Price__c"]}]})
    );
    assert_eq!(results[1]["success"], true);
    // The rule sees the record as it would be saved: an update to a negative price fails too.
    let (status, errors) =
        json(org.patch("/sobjects/Enrollment__c/Legacy_Id__c/e2", json!({"Price__c": -1})).await).await;
    assert_eq!(status, 400);
    assert_eq!(errors[0]["errorCode"], "FIELD_CUSTOM_VALIDATION_EXCEPTION");
    let (_, read) = json(org.query("SELECT Price__c, Status__c FROM Enrollment__c").await).await;
    assert_eq!(read["totalSize"], 1);
    assert_eq!(read["records"][0]["Price__c"], json!(0.0));
    // The expiry flow carried the source status over.
    assert_eq!(read["records"][0]["Status__c"], "Expired");
}
