//! Starting a simulated org on a free port and talking to it as a Salesforce client would.

use std::net::SocketAddr;

use reqwest::{Client, Response};
use serde_json::Value;
use switchyard_sandbox::salesforce::{OrgConfig, RunningSimulator, SalesforceSimulator};

pub struct Org {
    pub sim: RunningSimulator,
    pub http: Client,
    pub token: String,
}

pub const CLIENT_ID: &str = "switchyard-sandbox";
pub const CLIENT_SECRET: &str = "sandbox-secret";

pub async fn start_sim(org: OrgConfig) -> RunningSimulator {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    SalesforceSimulator::start(addr, org).await.expect("simulator starts")
}

/// The shipped org with the CRM flow's silent failure switched on, and a token obtained.
pub async fn org() -> Org {
    org_with(OrgConfig::e_learning().with_silent_failures(true)).await
}

pub async fn org_with(config: OrgConfig) -> Org {
    let sim = start_sim(config).await;
    let http = Client::new();
    let token = get_token(&sim, &http).await;
    Org { sim, http, token }
}

pub async fn get_token(sim: &RunningSimulator, http: &Client) -> String {
    let response = http
        .post(format!("{}/services/oauth2/token", sim.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"].as_str().expect("access_token").to_owned()
}

impl Org {
    pub fn url(&self, path: &str) -> String {
        format!("{}/services/data/v60.0{path}", self.sim.base_url())
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.http.patch(self.url(path)).bearer_auth(&self.token).json(&body).send().await.expect("PATCH")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).bearer_auth(&self.token).send().await.expect("GET")
    }

    pub async fn query(&self, soql: &str) -> Response {
        self.http
            .get(self.url("/query"))
            .query(&[("q", soql)])
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("query")
    }

    /// Upserts a valid Contact with this legacy id.
    pub async fn contact(&self, legacy_id: &str) -> Value {
        let response =
            self.patch(&format!("/sobjects/Contact/Legacy_Id__c/{legacy_id}"), contact_body(legacy_id)).await;
        assert!(response.status().is_success());
        response.json().await.expect("JSON")
    }
}

pub fn contact_body(legacy_id: &str) -> Value {
    serde_json::json!({
        "Platform_User_Id__c": format!("u-{legacy_id}"),
        "LastName": "Doe",
        "FirstName": "Jo",
        "Email": format!("jo.{legacy_id}@example.com"),
        "Learner_Status__c": "Active",
    })
}

pub async fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}
