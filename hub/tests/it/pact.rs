//! `switchyard contracts pact`: the file it writes is read by the Pact reference
//! implementation (`pact_models`) as a v4 pact between `switchyard` and the system, with an
//! interaction per fixture case showing the request on the wire, and the read-backs of the
//! expectations that apply.

use std::process::Command;

use pact_models::PactSpecification;
use pact_models::pact::load_pact_from_json;

fn export(system: &str) -> serde_json::Value {
    let out = tempfile::NamedTempFile::new().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["contracts", "pact", "--system", system, "--out"])
        .arg(out.path())
        .status()
        .expect("switchyard runs");
    assert!(status.success());
    serde_json::from_slice(&std::fs::read(out.path()).unwrap()).expect("the pact is JSON")
}

#[test]
fn the_salesforce_pact_is_a_v4_pact_with_upserts_and_read_backs() {
    let json = export("salesforce");
    let pact = load_pact_from_json("salesforce.json", &json).expect("pact_models reads it");
    assert_eq!(pact.specification_version(), PactSpecification::V4);
    assert_eq!((pact.consumer().name.as_str(), pact.provider().name.as_str()), ("switchyard", "salesforce"));
    let v4 = pact.as_v4_pact().expect("a v4 pact");
    let http: Vec<_> = v4.interactions.iter().filter_map(|i| i.as_v4_http()).collect();
    assert_eq!(http.len(), v4.interactions.len(), "every interaction is Synchronous/HTTP");

    let upsert = http
        .iter()
        .find(|i| {
            i.description.starts_with("enrollment-from-enrollment-created-v2:") && i.request.method == "PATCH"
        })
        .expect("an enrollment upsert");
    assert!(upsert.request.path.starts_with("/services/data/v60.0/sobjects/Enrollment__c/Legacy_Id__c/"));
    let body: serde_json::Value = serde_json::from_slice(&upsert.request.body.value().unwrap()).unwrap();
    assert!(
        body.get("Contact__r").is_some() && body.get("Contact__c").is_none(),
        "the lookup's wire name: {body}"
    );

    let read_back = http
        .iter()
        .find(|i| i.description.contains("read back: enrollment-activated-by-crm-flow"))
        .expect("the flow's expectation as a read-back");
    assert_eq!(read_back.request.method, "GET");
    let soql = &read_back.request.query.as_ref().expect("a query")["q"][0];
    assert!(
        soql.as_deref()
            .unwrap_or_default()
            .starts_with("SELECT Id, Legacy_Id__c, Status__c FROM Enrollment__c WHERE")
    );
    let answer: serde_json::Value =
        serde_json::from_slice(&read_back.response.body.value().unwrap()).unwrap();
    assert_eq!(answer["records"][0]["Status__c"], "Active");
    let no_error =
        http.iter().find(|i| i.description.contains("read back: no-flow-error-for-enrollment")).unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&no_error.response.body.value().unwrap()).unwrap();
    assert_eq!(answer["totalSize"], 0, "the failed flow's trace must not be there");
}

#[test]
fn the_lms_pact_posts_signed_webhooks() {
    let json = export("lms");
    let pact = load_pact_from_json("lms.json", &json).expect("pact_models reads it");
    let v4 = pact.as_v4_pact().unwrap();
    assert!(!v4.interactions.is_empty());
    for interaction in &v4.interactions {
        let http = interaction.as_v4_http().unwrap();
        assert_eq!(http.request.method, "POST");
        assert!(http.request.headers.as_ref().is_some_and(|h| h.contains_key("webhook-signature")));
    }
}

#[test]
fn a_system_not_in_the_catalog_is_refused_with_its_name() {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["contracts", "pact", "--system", "billing"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no system `billing`"));
}
