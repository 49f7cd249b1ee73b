//! The JWT bearer flow against the shipped org: an assertion signed with the sandbox test key
//! gets a session; a bad signature, issuer, audience, expiry or user gets Salesforce's own
//! OAuth error; the session lapses like any other.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use switchyard_sandbox::salesforce::{OrgConfig, RunningSimulator};

use crate::helpers::{CLIENT_ID, json, start_sim};

const TEST_KEY: &str = include_str!("../../orgs/keys/sandbox-test-only.key.pem");
const USERNAME: &str = "integration@e-learning.sandbox";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

fn claims() -> Value {
    json!({"iss": CLIENT_ID, "sub": USERNAME, "aud": "https://test.salesforce.com", "exp": now_secs() + 180})
}

fn sign(claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(TEST_KEY.as_bytes()).expect("the test key is a PEM RSA key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("signs")
}

async fn exchange(sim: &RunningSimulator, assertion: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/services/oauth2/token", sim.base_url()))
        .form(&[("grant_type", JWT_BEARER), ("assertion", assertion)])
        .send()
        .await
        .expect("token request");
    json(response).await
}

async fn describe_status(sim: &RunningSimulator, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/services/data/v60.0/sobjects/Contact/describe", sim.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("describe")
        .status()
        .as_u16()
}

fn grant_error(description: &str) -> (u16, Value) {
    (400, json!({"error": "invalid_grant", "error_description": description}))
}

#[tokio::test]
async fn a_signed_assertion_gets_a_session_without_a_refresh_token() {
    let sim = start_sim(OrgConfig::e_learning()).await;
    let (status, body) = exchange(&sim, &sign(&claims())).await;
    assert_eq!(status, 200, "{body}");
    for key in ["access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"] {
        assert!(body.get(key).is_some(), "{key} in {body}");
    }
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(body["instance_url"], json!(sim.base_url()));
    let token = body["access_token"].as_str().expect("a token");
    assert_eq!(describe_status(&sim, token).await, 200);

    // The org's own URL (its My Domain) is a valid audience too, and so is an array.
    let mut own = claims();
    own["aud"] = json!([sim.base_url()]);
    assert_eq!(exchange(&sim, &sign(&own)).await.0, 200);
}

#[tokio::test]
async fn bad_assertions_get_salesforces_errors() {
    let sim = start_sim(OrgConfig::e_learning()).await;

    // A signature that does not match the claims: the claims were swapped after signing.
    let signed = sign(&claims());
    let mut parts: Vec<&str> = signed.split('.').collect();
    let forged_claims = URL_SAFE_NO_PAD.encode(
        json!({"iss": CLIENT_ID, "sub": "admin@e-learning.sandbox",
        "aud": "https://test.salesforce.com", "exp": now_secs() + 180})
        .to_string(),
    );
    parts[1] = &forged_claims;
    assert_eq!(exchange(&sim, &parts.join(".")).await, grant_error("invalid assertion"));
    assert_eq!(exchange(&sim, "not-a-jwt").await, grant_error("invalid assertion"));
    // HS256 with the certificate as the "secret" is the classic algorithm confusion attack.
    let cert_as_secret =
        EncodingKey::from_secret(include_bytes!("../../orgs/keys/sandbox-test-only.cert.pem"))
            .expect("any bytes are an HMAC secret");
    let hs = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(), &cert_as_secret).expect("signs");
    assert_eq!(exchange(&sim, &hs).await, grant_error("invalid assertion"));

    let with = |key: &str, value: Value| {
        let mut claims = claims();
        claims[key] = value;
        sign(&claims)
    };
    assert_eq!(
        exchange(&sim, &with("iss", json!("someone-else"))).await,
        (400, json!({"error": "invalid_client_id", "error_description": "client identifier invalid"}))
    );
    assert_eq!(
        exchange(&sim, &with("aud", json!("https://evil.example"))).await,
        grant_error("audience is invalid")
    );
    assert_eq!(
        exchange(&sim, &with("exp", json!(now_secs() - 120))).await,
        grant_error("expired access/refresh token")
    );
    assert_eq!(
        exchange(&sim, &with("sub", json!("nobody@e-learning.sandbox"))).await,
        grant_error("user hasn't approved this consumer")
    );
    // Within the clock skew (30 s) a just-expired assertion still passes.
    assert_eq!(exchange(&sim, &with("exp", json!(now_secs() - 5))).await.0, 200);
}

#[tokio::test]
async fn an_assertion_expires_with_the_orgs_clock_and_sessions_lapse() {
    let mut config = OrgConfig::e_learning();
    config.token_lifetime_secs = 60;
    let sim = start_sim(config).await;
    let assertion = sign(&claims());
    let (status, body) = exchange(&sim, &assertion).await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().expect("a token").to_owned();

    sim.advance_clock(Duration::from_secs(61));
    assert_eq!(describe_status(&sim, &token).await, 401, "the session lapsed");
    // The same assertion (exp = +180 s) still works 61 s later, and no longer at +240 s.
    assert_eq!(exchange(&sim, &assertion).await.0, 200);
    sim.advance_clock(Duration::from_secs(180));
    assert_eq!(exchange(&sim, &assertion).await, grant_error("expired access/refresh token"));
}

#[tokio::test]
async fn an_app_without_a_certificate_cannot_use_the_jwt_flow() {
    let mut config = OrgConfig::e_learning();
    config.connected_apps[0].certificate = None;
    let sim = start_sim(config).await;
    assert_eq!(
        exchange(&sim, &sign(&claims())).await,
        (400, json!({"error": "invalid_client_id", "error_description": "client identifier invalid"}))
    );
}
