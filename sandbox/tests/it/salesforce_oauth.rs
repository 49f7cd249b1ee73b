//! Client credentials tokens, their errors, and sessions that expire.

use std::time::Duration;

use serde_json::{Value, json};
use switchyard_sandbox::salesforce::OrgConfig;

use crate::helpers::{CLIENT_ID, CLIENT_SECRET, get_token, json, org, org_with, start_sim};

#[tokio::test]
async fn client_credentials_return_the_salesforce_token_shape() {
    let sim = start_sim(OrgConfig::e_learning()).await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/services/oauth2/token", sim.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert!(response.headers().contains_key("sforce-limit-info"));
    let (status, body) = json(response).await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    for key in ["access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"] {
        assert!(keys.contains(&key), "{key} in {body}");
    }
    assert_eq!(body["instance_url"], json!(sim.base_url()));
    assert_eq!(body["token_type"], "Bearer");
    let issued_at: u64 = body["issued_at"].as_str().expect("a string").parse().expect("ms");
    assert!(issued_at > 1_600_000_000_000);
}

#[tokio::test]
async fn bad_credentials_and_grants_get_oauth_errors() {
    let sim = start_sim(OrgConfig::e_learning()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/services/oauth2/token", sim.base_url());
    let cases = [
        (
            vec![("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", "wrong")],
            "invalid_client",
        ),
        (
            vec![("grant_type", "client_credentials"), ("client_id", "nobody"), ("client_secret", "x")],
            "invalid_client_id",
        ),
        (
            vec![("grant_type", "password"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)],
            "unsupported_grant_type",
        ),
    ];
    for (form, error) in cases {
        let (status, body) = json(http.post(&url).form(&form).send().await.expect("token")).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], error);
        assert!(body["error_description"].is_string());
    }
}

#[tokio::test]
async fn unknown_missing_and_expired_sessions_get_invalid_session_id() {
    let org = org().await;
    let expected = json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
    let unknown = org
        .http
        .get(org.url("/sobjects/Contact/describe"))
        .bearer_auth("00D!made-up")
        .send()
        .await
        .expect("GET");
    assert!(unknown.headers().contains_key("sforce-limit-info"));
    assert_eq!(json(unknown).await, (401, expected.clone()));
    let missing = org.http.get(org.url("/sobjects/Contact/describe")).send().await.expect("GET");
    assert_eq!(json(missing).await, (401, expected.clone()));

    assert_eq!(org.get("/sobjects/Contact/describe").await.status(), 200);
    org.sim.expire_sessions();
    assert_eq!(json(org.get("/sobjects/Contact/describe").await).await, (401, expected));
    // A new token works again.
    let fresh = get_token(&org.sim, &org.http).await;
    let again =
        org.http.get(org.url("/sobjects/Contact/describe")).bearer_auth(fresh).send().await.expect("GET");
    assert_eq!(again.status(), 200);
    assert_eq!(org.sim.stats().refused_invalid_session, 3);
}

#[tokio::test]
async fn tokens_lapse_after_the_configured_lifetime() {
    let mut config = OrgConfig::e_learning();
    config.token_lifetime_secs = 1;
    let org = org_with(config).await;
    assert_eq!(org.get("/sobjects/Contact/describe").await.status(), 200);
    // The org's clock moves on; nothing waits.
    org.sim.advance_clock(Duration::from_millis(1100));
    let (status, body) = json(org.get("/sobjects/Contact/describe").await).await;
    assert_eq!(status, 401);
    assert_eq!(body[0]["errorCode"], Value::from("INVALID_SESSION_ID"));
}
