//! The adapter's JWT bearer flow against the simulator: assertions signed with the sandbox
//! test key get sessions, a lapsed session is renewed with a new assertion, and a user the org
//! does not know is refused as an auth problem.

use switchyard_adapters::salesforce::{ObjectTarget, SalesforceAdapter, SalesforceConfig};
use switchyard_adapters::{Adapter, DeliveryOutcome, RejectCode};
use switchyard_sandbox::salesforce::RunningSimulator;

use crate::{fixture_contacts, items, start_org};

const TEST_KEY_FILE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../sandbox/orgs/keys/sandbox-test-only.key.pem");

fn jwt_config(sim: &RunningSimulator, username: &str) -> SalesforceConfig {
    SalesforceConfig {
        allow_list: vec!["127.0.0.0/8".into()],
        audience: Some("https://test.salesforce.com".into()),
        ..SalesforceConfig::jwt_bearer(
            format!("{}/services/oauth2/token", sim.base_url()),
            "switchyard-sandbox",
            username,
            TEST_KEY_FILE,
            ObjectTarget::new("Contact", "Legacy_Id__c"),
        )
    }
}

#[tokio::test]
async fn the_jwt_bearer_flow_delivers_and_renews_a_lapsed_session_with_a_new_assertion() {
    let sim = start_org().await;
    let adapter = SalesforceAdapter::new(jwt_config(&sim, "integration@e-learning.sandbox")).expect("valid");
    let contacts = fixture_contacts();
    let first = adapter.deliver(&items(&contacts[..1])).await;
    assert!(first[0].is_delivered(), "{first:?}");

    // The session ends (as its timeout would; moving the org's clock on would also age the
    // adapter's fresh assertions, whose clock does not move); the cached token is refused once.
    sim.expire_sessions();
    let rest = adapter.deliver(&items(&contacts[1..])).await;
    assert!(rest.iter().all(DeliveryOutcome::is_delivered), "{rest:?}");
    let stats = sim.stats();
    assert_eq!(stats.refused_invalid_session, 1, "one refused call, then the retried one");
    assert_eq!(stats.records.get("Contact").copied(), Some(contacts.len()));
}

#[tokio::test]
async fn a_user_the_org_does_not_know_is_refused_as_auth() {
    let sim = start_org().await;
    let adapter = SalesforceAdapter::new(jwt_config(&sim, "nobody@e-learning.sandbox")).expect("valid");
    let outcomes = adapter.deliver(&items(&fixture_contacts())).await;
    for outcome in &outcomes {
        assert_eq!(outcome.reject_code(), Some(RejectCode::Auth), "{outcome:?}");
        assert!(outcome.reason().unwrap_or_default().contains("invalid_grant"), "{outcome:?}");
    }
    assert_eq!(sim.stats().api_calls, 0);
}
