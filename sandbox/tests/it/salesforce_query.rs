//! SOQL subset queries and `nextRecordsUrl` paging.

use serde_json::{Value, json};
use switchyard_sandbox::salesforce::OrgConfig;

use crate::helpers::{json, org, org_with};

#[tokio::test]
async fn query_filters_with_equals_in_and_limit() {
    let org = org().await;
    for id in ["a", "b", "c"] {
        org.contact(id).await;
    }
    let (status, body) = json(
        org.query("SELECT Id, Legacy_Id__c, FirstName FROM Contact WHERE Legacy_Id__c IN ('a', 'c') AND LastName = 'doe'").await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalSize"], 2);
    assert_eq!(body["done"], true);
    assert!(body.get("nextRecordsUrl").is_none());
    let first = &body["records"][0];
    let id = first["Id"].as_str().expect("Id");
    assert_eq!(
        first["attributes"],
        json!({"type": "Contact", "url": format!("/services/data/v60.0/sobjects/Contact/{id}")})
    );
    assert_eq!(first["Legacy_Id__c"], "a");
    assert_eq!(body["records"][1]["Legacy_Id__c"], "c");

    let (_, limited) = json(org.query("SELECT Id FROM Contact LIMIT 1").await).await;
    assert_eq!(limited["totalSize"], 1);
}

#[tokio::test]
async fn bad_queries_get_salesforce_errors() {
    let org = org().await;
    for (soql, code) in [
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Dragon__c", "INVALID_TYPE"),
        ("SELECT Shoe__c FROM Contact", "INVALID_FIELD"),
    ] {
        let (status, body) = json(org.query(soql).await).await;
        assert_eq!(status, 400, "{soql}");
        assert_eq!(body[0]["errorCode"], code, "{soql}");
    }
}

#[tokio::test]
async fn large_results_page_through_next_records_url() {
    let mut config = OrgConfig::e_learning();
    config.query_page_size = 2;
    let org = org_with(config).await;
    for id in ["1", "2", "3", "4", "5"] {
        org.contact(id).await;
    }
    let (_, mut page) = json(org.query("SELECT Legacy_Id__c FROM Contact").await).await;
    let mut seen = Vec::new();
    loop {
        assert_eq!(page["totalSize"], 5);
        for record in page["records"].as_array().expect("records") {
            seen.push(record["Legacy_Id__c"].as_str().expect("id").to_owned());
        }
        if page["done"] == Value::Bool(true) {
            break;
        }
        let next = page["nextRecordsUrl"].as_str().expect("nextRecordsUrl").to_owned();
        assert!(next.starts_with("/services/data/v60.0/query/"));
        let response = org
            .http
            .get(format!("{}{next}", org.sim.base_url()))
            .bearer_auth(&org.token)
            .send()
            .await
            .expect("next page");
        page = json(response).await.1;
    }
    assert_eq!(seen, ["1", "2", "3", "4", "5"]);
    let (status, body) = json(org.get("/query/01gnothing-2").await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_QUERY_LOCATOR");
}

/// The Legacy_Id__c values a query returned, in order.
async fn legacy_ids(org: &crate::helpers::Org, soql: &str) -> Vec<String> {
    let (status, body) = json(org.query(soql).await).await;
    assert_eq!(status, 200, "{body}");
    body["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["Legacy_Id__c"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn indexed_lookups_match_like_a_scan_would() {
    let org = org().await;
    for id in ["Mixed-1", "b", "c"] {
        org.contact(id).await;
    }
    // SOQL compares text case-insensitively, through the index too; results keep store order.
    assert_eq!(
        legacy_ids(
            &org,
            "SELECT Legacy_Id__c FROM Contact WHERE Legacy_Id__c IN ('c', 'MIXED-1', 'c', 'zz')"
        )
        .await,
        ["Mixed-1", "c"]
    );
    // An id of 15 or 18 characters.
    let records = org.sim.records("Contact");
    let id18 = records[1]["Id"].as_str().expect("id").to_owned();
    let soql = format!("SELECT Legacy_Id__c FROM Contact WHERE Id IN ('{}', '{id18}')", &id18[..15]);
    assert_eq!(legacy_ids(&org, &soql).await, ["b"]);
    // A changed value moves in the index: the old one no longer finds the record.
    let mut changed = crate::helpers::contact_body("b");
    changed["Platform_User_Id__c"] = json!("u-moved");
    assert!(org.patch("/sobjects/Contact/Legacy_Id__c/b", changed).await.status().is_success());
    assert!(
        legacy_ids(&org, "SELECT Legacy_Id__c FROM Contact WHERE Platform_User_Id__c = 'u-b'")
            .await
            .is_empty()
    );
    assert_eq!(
        legacy_ids(
            &org,
            "SELECT Legacy_Id__c FROM Contact WHERE Platform_User_Id__c = 'u-moved' AND LastName = 'Doe'"
        )
        .await,
        ["b"]
    );
    // A condition that no index serves still works (a scan), alone or beside an indexed one.
    assert_eq!(legacy_ids(&org, "SELECT Legacy_Id__c FROM Contact WHERE FirstName = 'jo'").await.len(), 3);
    assert!(
        legacy_ids(&org, "SELECT Legacy_Id__c FROM Contact WHERE Legacy_Id__c = 'c' AND FirstName = 'Al'")
            .await
            .is_empty()
    );
}
