//! Upsert one record by external id: created, updated, and each field rule's error.

use serde_json::json;

use crate::helpers::{contact_body, json, org};

#[tokio::test]
async fn upsert_creates_then_updates_the_same_record() {
    let org = org().await;
    let response = org.patch("/sobjects/Contact/Legacy_Id__c/100234", contact_body("100234")).await;
    assert!(response.headers().contains_key("sforce-limit-info"));
    let (status, created) = json(response).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("003"));
    assert_eq!(created, json!({"id": id, "success": true, "errors": [], "created": true}));

    let (status, updated) =
        json(org.patch("/sobjects/Contact/Legacy_Id__c/100234", json!({"FirstName": "Joanna"})).await).await;
    assert_eq!(status, 200);
    assert_eq!(updated, json!({"id": id, "success": true, "errors": [], "created": false}));

    let records = org.sim.records("Contact");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["FirstName"], "Joanna");
    assert_eq!(records[0]["Legacy_Id__c"], "100234");
    assert_eq!(records[0]["Id"], json!(id));
}

#[tokio::test]
async fn before_v46_an_update_is_204_without_a_body() {
    let org = org().await;
    org.contact("1").await;
    let response = org
        .http
        .patch(format!("{}/services/data/v45.0/sobjects/Contact/Legacy_Id__c/1", org.sim.base_url()))
        .bearer_auth(&org.token)
        .json(&json!({"FirstName": "B"}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.expect("body"), "");
}

#[tokio::test]
async fn field_rules_come_back_as_top_level_error_arrays() {
    let org = org().await;
    let (status, body) =
        json(org.patch("/sobjects/Contact/Legacy_Id__c/1", json!({"FirstName": "A"})).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "Required fields are missing: [Platform_User_Id__c, LastName, Learner_Status__c]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["Platform_User_Id__c", "LastName", "Learner_Status__c"]}])
    );

    let cases = [
        (json!({"LastName": "x".repeat(81)}), "STRING_TOO_LONG", "LastName"),
        (json!({"Email": "jo at example"}), "INVALID_EMAIL_ADDRESS", "Email"),
        (
            json!({"Learner_Status__c": "Sleeping"}),
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Learner_Status__c",
        ),
        (json!({"Favourite_Colour__c": "blue"}), "INVALID_FIELD", "Favourite_Colour__c"),
    ];
    for (change, code, field) in cases {
        let mut record = contact_body("2");
        record.as_object_mut().expect("object").extend(change.as_object().cloned().unwrap_or_default());
        let (status, body) = json(org.patch("/sobjects/Contact/Legacy_Id__c/2", record).await).await;
        assert_eq!(status, 400, "{code}");
        assert_eq!(body[0]["errorCode"], code);
        assert_eq!(body[0]["fields"], json!([field]));
        assert!(body[0]["message"].is_string());
    }
    assert!(org.sim.records("Contact").is_empty());
}

#[tokio::test]
async fn lookups_by_external_id_must_find_their_record() {
    let org = org().await;
    let enrollment = |contact: serde_json::Value| {
        json!({"Contact__r": contact, "Course_Code__c": "PY-101", "Source_Status__c": "Active",
            "Enrolled_On__c": "2025-09-01T08:00:00Z", "Price__c": 149, "Currency__c": "USD"})
    };
    // Under the id field's own name, a lookup object does not deserialize (as in Salesforce).
    let mut misnamed = enrollment(json!({"Platform_User_Id__c": "u-7f3a"}));
    let lookup = misnamed.as_object_mut().unwrap().remove("Contact__r").unwrap();
    misnamed["Contact__c"] = lookup;
    let (status, body) = json(org.patch("/sobjects/Enrollment__c/Legacy_Id__c/e-1", misnamed).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR", "{body}");
    let (status, body) = json(
        org.patch(
            "/sobjects/Enrollment__c/Legacy_Id__c/e-1",
            enrollment(json!({"Platform_User_Id__c": "u-7f3a"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_CROSS_REFERENCE_KEY");
    assert_eq!(body[0]["fields"], json!(["Contact__c"]));

    let contact = org.contact("100234").await;
    let (status, body) = json(
        org.patch(
            "/sobjects/Enrollment__c/Legacy_Id__c/e-1",
            enrollment(json!({"Platform_User_Id__c": "u-100234"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["id"].as_str().expect("id").starts_with("a0A"));
    assert_eq!(org.sim.records("Enrollment__c")[0]["Contact__c"], contact["id"]);
    // The integration user cannot set the flow-owned status.
    let (status, body) =
        json(org.patch("/sobjects/Enrollment__c/Legacy_Id__c/e-1", json!({"Status__c": "Active"})).await)
            .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
}

#[tokio::test]
async fn unknown_objects_fields_and_bad_bodies_are_refused_without_a_panic() {
    let org = org().await;
    let (status, body) = json(org.patch("/sobjects/Contact/Shoe_Size__c/1", contact_body("1")).await).await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    let (status, body) = json(org.patch("/sobjects/Dragon__c/Legacy_Id__c/1", contact_body("1")).await).await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    let response = org
        .http
        .patch(org.url("/sobjects/Contact/Legacy_Id__c/1"))
        .bearer_auth(&org.token)
        .body("{not json")
        .send()
        .await
        .expect("PATCH");
    let (status, body) = json(response).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR");
    let response = org
        .http
        .get(format!("{}/services/data/latest/sobjects/Contact/describe", org.sim.base_url()))
        .bearer_auth(&org.token)
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn unique_fields_refuse_a_second_record_with_the_same_value() {
    let org = org().await;
    let first = org.contact("1").await;
    // Another legacy id, but the same platform user id as the first Contact.
    let mut record = contact_body("2");
    record["Platform_User_Id__c"] = json!("u-1");
    let (status, body) = json(org.patch("/sobjects/Contact/Legacy_Id__c/2", record).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "DUPLICATE_VALUE");
    assert_eq!(body[0]["fields"], json!(["Platform_User_Id__c"]));
    assert!(body[0]["message"].as_str().is_some_and(|m| m.ends_with(first["id"].as_str().unwrap_or("?"))));
    // Upsert by the other external id finds the same record.
    let (status, body) =
        json(org.patch("/sobjects/Contact/Platform_User_Id__c/u-1", json!({"FirstName": "Al"})).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], first["id"]);
}
