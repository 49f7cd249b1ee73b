//! The org itself: describe, the shipped config against the target contracts, the API
//! allowance and the inspection API.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use switchyard_sandbox::salesforce::OrgConfig;

use crate::helpers::{json, org, org_with};

#[tokio::test]
async fn describe_lists_fields_in_the_salesforce_shape() {
    let org = org().await;
    let (status, body) = json(org.get("/sobjects/Contact/describe").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Contact");
    let field = |name: &str| -> Value {
        body["fields"]
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["name"] == name).cloned())
            .unwrap_or(Value::Null)
    };
    let last_name = field("LastName");
    assert_eq!(last_name["type"], "string");
    assert_eq!(last_name["length"], 80);
    assert_eq!(last_name["nillable"], false);
    assert_eq!(last_name["createable"], true);
    assert_eq!(last_name["defaultedOnCreate"], false);
    assert_eq!(field("FirstName")["length"], 40);
    assert_eq!(field("Email")["type"], "email");
    assert_eq!(field("Legacy_Id__c")["externalId"], true);
    let status = field("Learner_Status__c");
    assert_eq!(status["restrictedPicklist"], true);
    assert_eq!(
        status["picklistValues"][0],
        json!({"active": true, "defaultValue": false, "label": "Active", "validFor": null, "value": "Active"})
    );
    let (_, enrollment) = json(org.get("/sobjects/Enrollment__c/describe").await).await;
    let contact =
        enrollment["fields"].as_array().and_then(|f| f.iter().find(|f| f["name"] == "Contact__c").cloned());
    assert_eq!(contact.map(|c| c["referenceTo"].clone()), Some(json!(["Contact"])));
    assert_eq!(json(org.get("/sobjects/Dragon__c/describe").await).await.0, 404);
}

/// Every field of the shipped target contracts exists in the shipped org with the same
/// type, length, requiredness and picklist values.
#[test]
fn the_shipped_org_matches_the_target_contracts() {
    let org = OrgConfig::e_learning();
    let targets =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contracts/catalog/systems/salesforce/targets");
    for object_name in ["Contact", "Enrollment__c", "Payment__c"] {
        let text = std::fs::read_to_string(targets.join(object_name).join("v1.toml")).expect("contract");
        let contract: toml::Table = toml::from_str(&text).expect("TOML");
        let object = org.object(object_name).expect("object in org");
        let external_id = contract["external_id"].as_str().expect("external_id");
        assert!(object.field(external_id).is_some_and(|f| f.external_id), "{object_name}.{external_id}");
        for field in contract["fields"].as_array().expect("fields") {
            let name = field["name"].as_str().expect("name");
            let ours = object.field(name).unwrap_or_else(|| panic!("{object_name}.{name} missing"));
            assert_eq!(Some(ours.field_type.as_str()), field["type"].as_str(), "{object_name}.{name}");
            if let Some(length) = field.get("length").and_then(toml::Value::as_integer) {
                assert_eq!(i64::from(ours.length), length, "{object_name}.{name}");
            }
            let required = field.get("required").and_then(toml::Value::as_bool).unwrap_or(false);
            assert_eq!(ours.is_required(), required, "{object_name}.{name}");
            if let Some(values) = field.get("values").and_then(toml::Value::as_array) {
                let values: Vec<&str> = values.iter().filter_map(toml::Value::as_str).collect();
                assert_eq!(ours.picklist_values, values, "{object_name}.{name}");
                assert!(ours.restricted_picklist);
            }
        }
    }
    let flow_error = org.object("Flow_Error__c").expect("Flow_Error__c");
    assert!(flow_error.field("Enrollment_Legacy_Id__c").is_some());
    assert!(org.object("Enrollment__c").and_then(|o| o.field("Status__c")).is_some_and(|f| !f.createable));
}

#[tokio::test]
async fn every_data_call_counts_until_the_allowance_is_spent_and_the_window_frees_it() {
    let mut config = OrgConfig::e_learning();
    config.daily_api_limit = 3;
    config.api_window_secs = 1;
    let org = org_with(config).await;
    for expected in ["api-usage=1/3", "api-usage=2/3", "api-usage=3/3"] {
        let response = org.get("/sobjects/Contact/describe").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["sforce-limit-info"], expected);
    }
    let response = org.get("/sobjects/Contact/describe").await;
    assert_eq!(response.headers()["sforce-limit-info"], "api-usage=3/3");
    assert_eq!(
        json(response).await,
        (403, json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
    );
    let stats = org.sim.stats();
    assert_eq!((stats.api_calls, stats.refused_limit), (3, 1));
    // The org's clock moves on; nothing waits.
    org.sim.advance_clock(Duration::from_millis(1100));
    assert_eq!(org.get("/sobjects/Contact/describe").await.status(), 200);
}

#[tokio::test]
async fn the_inspection_api_lists_records_counts_calls_and_resets() {
    let org = org().await;
    org.contact("1").await;
    let base = org.sim.base_url().to_owned();
    let records: Value = org
        .http
        .get(format!("{base}/__sim/records/Contact"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(records[0]["Legacy_Id__c"], "1");
    assert!(records[0]["Id"].as_str().is_some_and(|id| id.starts_with("003")));
    let stats: Value =
        org.http.get(format!("{base}/__sim/stats")).send().await.expect("GET").json().await.expect("JSON");
    assert_eq!(stats["api_calls"], 1);
    assert_eq!(stats["records"]["Contact"], 1);
    let reset = org.http.post(format!("{base}/__sim/reset")).send().await.expect("POST");
    assert_eq!(reset.status(), 204);
    assert_eq!(org.sim.stats().api_calls, 0);
    assert!(org.sim.records("Contact").is_empty());
    // Reset ends sessions too.
    assert_eq!(org.get("/sobjects/Contact/describe").await.status(), 401);
}
