//! The OpenAPI document: golden, served, and every documented operation actually routed.

use super::*;

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_golden_file() {
    let generated = openapi_json();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        std::fs::write(golden_path(), generated).unwrap();
    }
    let golden = std::fs::read_to_string(golden_path()).unwrap_or_else(|err| {
        panic!("{}: {err} (run with UPDATE_GOLDEN=1 to create it)", golden_path().display())
    });
    let first_difference =
        golden.lines().zip(generated.lines()).enumerate().find(|(_, (file, code))| file != code);
    if let Some((line, (file, code))) = first_difference {
        panic!(
            "hub/openapi.json differs from the code's API at line {}:\n  file: {file}\n  code: {code}\n\
             UPDATE_GOLDEN=1 regenerates it",
            line + 1
        );
    }
    assert_eq!(
        golden.len(),
        generated.len(),
        "hub/openapi.json differs in length; UPDATE_GOLDEN=1 regenerates it"
    );

    let document: Value = serde_json::from_str(generated).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let hub = spawn_ops_hub(tokens()).await;
    let served = hub.get("/openapi.json", None).await;
    assert_eq!(served.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(served.text().await.unwrap(), generated);
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let hub = spawn_ops_hub(ApiTokens::local()).await;
    let document: Value = serde_json::from_str(openapi_json()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{:?}", paths.keys());
    let mut operation_ids = BTreeSet::new();
    for (path, operations) in paths {
        let concrete = path.replace("{query}", "x").replace("{delivery_id}", "x");
        for method in operations.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response =
                hub.client.request(method.clone(), format!("{}{concrete}", hub.base)).send().await.unwrap();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                !matches!(body["code"].as_str(), Some("route.not-found" | "route.method-not-allowed")),
                "{method} {path} is documented but not served"
            );
        }
        for operation in operations.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().expect("an operationId").to_owned();
            assert!(operation_ids.insert(id.clone()), "operationId {id} is not unique");
            assert!(operation["responses"].is_object(), "{path}");
        }
    }
}
