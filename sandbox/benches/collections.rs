//! How fast the org simulator takes sObject Collections upserts of 200 Contacts (latency off,
//! the shipped org's rules: unique external ids, the Email duplicate rule) as its store grows,
//! of 200 Enrollments (lookups by external id, the activation flow), and a SOQL `IN (...)`
//! read-back of 200 external ids. The hub benchmark needs ≥ 20,000
//! records/s through the simulator; `cargo bench -p switchyard-sandbox` prints the median.

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use switchyard_sandbox::salesforce::{OrgConfig, RunningSimulator, SalesforceSimulator};

// The allocator of the `switchyard` binary, which hosts the simulator in the hub benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RECORDS: usize = 200;

struct Bench {
    runtime: tokio::runtime::Runtime,
    sim: RunningSimulator,
    http: reqwest::Client,
    token: String,
}

fn setup() -> Bench {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut org = OrgConfig::e_learning();
    // The Developer org's 15,000 calls a day would end the run long before criterion does.
    org.daily_api_limit = 100_000_000;
    let (sim, http, token) = runtime.block_on(async {
        let sim =
            SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), org).await.expect("simulator starts");
        let http = reqwest::Client::new();
        let token: Value = http
            .post(format!("{}/services/oauth2/token", sim.base_url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "switchyard-sandbox"),
                ("client_secret", "sandbox-secret"),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token JSON");
        let token = token["access_token"].as_str().expect("access_token").to_owned();
        (sim, http, token)
    });
    Bench { runtime, sim, http, token }
}

fn contacts(batch: u64) -> Value {
    let records: Vec<Value> = (0..RECORDS)
        .map(|i| {
            let id = format!("{batch}-{i}");
            json!({"attributes": {"type": "Contact"}, "Legacy_Id__c": id, "Platform_User_Id__c": format!("u-{id}"),
                "LastName": "Doe", "FirstName": "Jo", "Email": format!("jo.{id}@example.com"),
                "Learner_Status__c": "Active", "MailingCountryCode": "GB"})
        })
        .collect();
    json!({"allOrNone": false, "records": records})
}

fn enrollments(batch: u64, contact_batch: u64) -> Value {
    let records: Vec<Value> = (0..RECORDS)
        .map(|i| {
            json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": format!("e-{batch}-{i}"),
                "Contact__r": {"Legacy_Id__c": format!("{contact_batch}-{i}")}, "Course_Code__c": "RUST-101",
                "Source_Status__c": "Active", "Enrolled_On__c": "2024-03-01T10:00:00Z", "Price__c": 49.0,
                "Currency__c": "GBP"})
        })
        .collect();
    json!({"allOrNone": false, "records": records})
}

fn collections(c: &mut Criterion) {
    let bench = setup();
    let batch = AtomicU64::new(0);
    let url = format!("{}/services/data/v60.0/composite/sobjects/Contact/Legacy_Id__c", bench.sim.base_url());
    let mut group = c.benchmark_group("simulator");
    group.throughput(Throughput::Elements(RECORDS as u64)).sample_size(30);
    group.bench_function("collections_upsert_200_contacts", |b| {
        b.iter(|| {
            let body = contacts(batch.fetch_add(1, Ordering::Relaxed)).to_string();
            bench.runtime.block_on(async {
                let response = bench
                    .http
                    .patch(&url)
                    .bearer_auth(&bench.token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("PATCH");
                assert_eq!(response.status(), 200);
                let results: Vec<Value> = response.json().await.expect("results");
                assert!(results.iter().all(|r| r["success"] == true), "{:?}", results.first());
            });
        })
    });
    // Enrollments look their Contact up by external id and run the CRM's activation flow.
    let contact_batches = batch.load(Ordering::Relaxed).max(1);
    let enrollment_batch = AtomicU64::new(0);
    let enrollment_url =
        format!("{}/services/data/v60.0/composite/sobjects/Enrollment__c/Legacy_Id__c", bench.sim.base_url());
    group.bench_function("collections_upsert_200_enrollments_with_lookups_and_flow", |b| {
        b.iter(|| {
            let n = enrollment_batch.fetch_add(1, Ordering::Relaxed);
            let body = enrollments(n, n % contact_batches).to_string();
            bench.runtime.block_on(async {
                let response = bench
                    .http
                    .patch(&enrollment_url)
                    .bearer_auth(&bench.token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("PATCH");
                assert_eq!(response.status(), 200);
                let results: Vec<Value> = response.json().await.expect("results");
                assert!(results.iter().all(|r| r["success"] == true), "{:?}", results.first());
            });
        })
    });
    let stored = bench.sim.stats().records.get("Contact").copied().unwrap_or_default();
    let ids: Vec<String> = (0..RECORDS).map(|i| format!("'0-{i}'")).collect();
    let soql = format!("SELECT Id, Email FROM Contact WHERE Legacy_Id__c IN ({})", ids.join(", "));
    let query_url = format!("{}/services/data/v60.0/query", bench.sim.base_url());
    group.bench_function(format!("soql_in_200_external_ids_of_{stored}_contacts"), |b| {
        b.iter(|| {
            bench.runtime.block_on(async {
                let response = bench
                    .http
                    .get(&query_url)
                    .query(&[("q", &soql)])
                    .bearer_auth(&bench.token)
                    .send()
                    .await
                    .expect("GET");
                let body: Value = response.json().await.expect("query JSON");
                assert_eq!(body["totalSize"], RECORDS);
            });
        })
    });
    group.finish();
}

criterion_group!(benches, collections);
criterion_main!(benches);
