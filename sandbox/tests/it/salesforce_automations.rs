//! The CRM team's flows as a Salesforce client and the CRM team see them: the enrollment flow
//! activates enrollments, fails silently (success on the API, no Status__c, a Flow_Error__c)
//! when the Contact has no country, and can be switched while the org runs.

use serde_json::{Value, json};

use crate::helpers::{Org, contact_body, json, org};

const FLOW: &str = "Enrollment_Activation";

async fn contact_in(org: &Org, legacy_id: &str, country: Option<&str>) {
    let mut body = contact_body(legacy_id);
    body["MailingCountryCode"] = json!(country);
    let response = org.patch(&format!("/sobjects/Contact/Legacy_Id__c/{legacy_id}"), body).await;
    assert!(response.status().is_success());
}

fn enrollment(contact: &str, status: &str) -> Value {
    json!({
        "Contact__r": {"Legacy_Id__c": contact},
        "Course_Code__c": "RUST-101",
        "Source_Status__c": status,
        "Enrolled_On__c": "2024-03-01T10:00:00Z",
        "Price__c": 49.0,
        "Currency__c": "GBP",
    })
}

async fn enroll(org: &Org, legacy_id: &str, contact: &str) -> Value {
    let (status, body) = json(
        org.patch(
            &format!("/sobjects/Enrollment__c/Legacy_Id__c/{legacy_id}"),
            enrollment(contact, "Active"),
        )
        .await,
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    body
}

/// What the hub's verification reads back: the enrollment's Status__c and its flow errors.
async fn read_back(org: &Org, legacy_id: &str) -> (Value, Vec<Value>) {
    let soql = format!("SELECT Id, Status__c FROM Enrollment__c WHERE Legacy_Id__c = '{legacy_id}'");
    let (status, enrollments) = json(org.query(&soql).await).await;
    assert_eq!(status, 200);
    let soql = format!(
        "SELECT Id, Enrollment__c, Enrollment_Legacy_Id__c, Flow_Name__c, Message__c FROM Flow_Error__c WHERE Enrollment_Legacy_Id__c = '{legacy_id}'"
    );
    let (status, errors) = json(org.query(&soql).await).await;
    assert_eq!(status, 200);
    let status_field = enrollments["records"][0].get("Status__c").cloned().unwrap_or(Value::Null);
    (status_field, errors["records"].as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn an_active_enrollment_is_activated_by_the_flow() {
    let org = org().await;
    contact_in(&org, "c1", Some("GB")).await;
    let saved = enroll(&org, "e1", "c1").await;
    assert_eq!(saved["success"], true);
    let (status, errors) = read_back(&org, "e1").await;
    assert_eq!(status, "Active");
    assert!(errors.is_empty());
}

#[tokio::test]
async fn a_contact_without_country_makes_the_flow_fail_silently() {
    let org = org().await;
    contact_in(&org, "c1", None).await;
    let saved = enroll(&org, "e1", "c1").await;
    // The API says success: nothing tells the client the flow failed.
    assert_eq!(saved["success"], true);
    assert_eq!(saved["created"], true);
    let (status, errors) = read_back(&org, "e1").await;
    assert_eq!(status, Value::Null);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["Enrollment__c"], saved["id"]);
    assert_eq!(errors[0]["Enrollment_Legacy_Id__c"], "e1");
    assert_eq!(errors[0]["Flow_Name__c"], FLOW);
    assert!(errors[0]["Message__c"].as_str().is_some_and(|m| m.contains("MailingCountryCode")));
    let flow = org.sim.automations().into_iter().find(|a| a.name == FLOW).expect("shipped flow");
    assert_eq!((flow.runs, flow.silent_failures), (1, 1));
}

#[tokio::test]
async fn the_silent_failure_inside_a_collection_is_still_success_per_record() {
    let org = org().await;
    contact_in(&org, "with", Some("FR")).await;
    contact_in(&org, "without", None).await;
    let mut records = Vec::new();
    for (id, contact) in [("e1", "with"), ("e2", "without")] {
        let mut record = enrollment(contact, "Active");
        record["attributes"] = json!({"type": "Enrollment__c"});
        record["Legacy_Id__c"] = json!(id);
        records.push(record);
    }
    let (status, results) =
        json(org.patch("/composite/sobjects/Enrollment__c/Legacy_Id__c", json!({"records": records})).await)
            .await;
    assert_eq!(status, 200);
    assert_eq!((results[0]["success"].clone(), results[1]["success"].clone()), (json!(true), json!(true)));
    assert_eq!(read_back(&org, "e1").await, (json!("Active"), vec![]));
    let (status, errors) = read_back(&org, "e2").await;
    assert_eq!((status, errors.len()), (Value::Null, 1));
}

#[tokio::test]
async fn a_rehearsal_switches_the_flow_while_the_org_runs() {
    let org = org().await;
    contact_in(&org, "c1", None).await;
    // The CRM team fixes the flow over HTTP: the same kind of record is now activated.
    let switch = |body: Value| {
        org.http.post(format!("{}/__sim/automations/{FLOW}", org.sim.base_url())).json(&body).send()
    };
    let (status, state) = json(switch(json!({"fail_silently": false})).await.expect("switch")).await;
    assert_eq!(status, 200);
    assert_eq!(state["fail_silently"], false);
    enroll(&org, "e1", "c1").await;
    assert_eq!(read_back(&org, "e1").await, (json!("Active"), vec![]));

    // ...and breaks it again from Rust: the next one fails silently.
    org.sim.set_automation_fails_silently(FLOW, true).expect("known flow");
    enroll(&org, "e2", "c1").await;
    let (status, errors) = read_back(&org, "e2").await;
    assert_eq!((status, errors.len()), (Value::Null, 1));

    // Deactivated, the flow does nothing at all, even for a Contact with a country.
    contact_in(&org, "c2", Some("GB")).await;
    org.sim.set_automation_active(FLOW, false).expect("known flow");
    enroll(&org, "e3", "c2").await;
    assert_eq!(read_back(&org, "e3").await, (Value::Null, vec![]));
    // Reactivated, an update re-runs it on the same record.
    org.sim.set_automation_active(FLOW, true).expect("known flow");
    enroll(&org, "e3", "c2").await;
    assert_eq!(read_back(&org, "e3").await.0, "Active");

    let (status, _) = json(switch(json!({"active": "yes"})).await.expect("switch")).await;
    assert_eq!(status, 400);
    let unknown = org.http.post(format!("{}/__sim/automations/Nope", org.sim.base_url())).json(&json!({}));
    assert_eq!(unknown.send().await.expect("switch").status(), 404);
    assert!(org.sim.set_automation_active("Nope", true).is_err());
}

#[tokio::test]
async fn all_or_none_rolls_back_the_flows_effects_too() {
    let org = org().await;
    contact_in(&org, "c1", None).await;
    let mut good = enrollment("c1", "Active");
    good["Legacy_Id__c"] = json!("e1");
    let mut bad = enrollment("c1", "Active");
    bad["Legacy_Id__c"] = json!("e2");
    bad["Course_Code__c"] = Value::Null;
    let body = json!({"allOrNone": true, "records": [good, bad]});
    let (status, _) = json(org.patch("/composite/sobjects/Enrollment__c/Legacy_Id__c", body).await).await;
    assert_eq!(status, 200);
    assert!(org.sim.records("Enrollment__c").is_empty());
    assert!(org.sim.records("Flow_Error__c").is_empty());
}
