//! `switchyard sandbox salesforce` as a person starts it: the banner names the base URL and a
//! ready connected app, and a Salesforce client gets a token and calls the org with them.

use serde_json::Value;

use crate::support::process::standalone_salesforce_simulator;

#[tokio::test(flavor = "multi_thread")]
async fn the_standalone_salesforce_simulator_prints_what_a_client_needs() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (mut child, mut lines) = standalone_salesforce_simulator();
    let mut banner = Vec::new();
    for _ in 0..4 {
        banner.push(lines.next().expect("a banner line").expect("utf-8"));
    }
    let base =
        banner[0].strip_prefix("switchyard sandbox salesforce listening on ").expect("base URL").to_owned();
    let field = |name: &str| {
        banner[1]
            .split_whitespace()
            .find_map(|part| part.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
    };
    let (client_id, secret) =
        (field("client_id").expect("client id"), field("client_secret").expect("secret"));
    assert!(banner[2].contains("curl") && banner[2].contains(&client_id), "{}", banner[2]);
    assert!(banner[3].starts_with("JWT bearer flow: sub=") && banner[3].contains(&base), "{}", banner[3]);

    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/services/oauth2/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let access = token["access_token"].as_str().expect("access token");
    let describe = http
        .get(format!(
            "{}/services/data/v60.0/sobjects/Contact/describe",
            token["instance_url"].as_str().unwrap_or(&base)
        ))
        .bearer_auth(access)
        .send()
        .await
        .expect("describe");
    assert_eq!(describe.status(), 200);
    assert!(describe.headers().contains_key("sforce-limit-info"));
    let _ = child.kill();
    let _ = child.wait();
}
