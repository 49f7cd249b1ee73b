//! `switchyard bench salesforce`: learners and their enrollments through the real hub (a
//! `switchyard serve` child process working off a filled ledger) to the sandbox's Salesforce
//! org simulator on loopback, latency off: records per second and data calls against
//! `ceil(records / 200)`. In the same run, the same records sent one call per record by a
//! naive client (upsert by external id, 8 calls at a time, no ledger), for the ratio. Then a
//! smaller run with the simulator's latency model on, against the floor its latency allows at
//! the hub's concurrency.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use serde::Serialize;
use serde_json::{Value, json};
use switchyard_adapters::DeliveryItem;
use switchyard_adapters::salesforce::ObjectTarget;
use switchyard_adapters::salesforce::request_builder::plan;
use switchyard_contracts::Catalog;
use switchyard_contracts::mapping::MappingOutcome;
use switchyard_sandbox::salesforce::FaultConfig;
use switchyard_sandbox::{OrgConfig, RunningSimulator, SalesforceSimulator};
use ulid::Ulid;

use super::child::ChildHub;
use super::run::{BenchError, BenchOptions, Place, prepare};
use super::traffic::user_data;
use crate::store::{DeliveryState, NewEvent, Route, Store};

/// Records per Collections call, and so the batch that fills two calls (Contacts, then the
/// Enrollments that look them up).
const PER_CALL: usize = 200;
/// Learners per ledger transaction: one full batch each (200 Contacts + 200 Enrollments).
const FILL_CHUNK: usize = PER_CALL;
/// Concurrent calls of the naive client.
const NAIVE_CONCURRENCY: usize = 8;
/// The latency model of the latency run: what a remote org roughly costs per call and record.
const LATENCY_FIXED_MS: u64 = 50;
const LATENCY_PER_RECORD_MS: u64 = 1;
const WAIT_LIMIT: Duration = Duration::from_secs(900);

/// One delivery run through the hub.
#[derive(Debug, Clone, Serialize)]
pub struct HubRun {
    pub records: usize,
    pub seconds: f64,
    pub records_per_second: f64,
    /// Data calls the simulator counted (token calls do not count in Salesforce either).
    pub data_calls: u64,
    /// `ceil(records / 200)`: the fewest Collections calls that can carry the records.
    pub minimum_calls: u64,
    pub hub_peak_rss_mib: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NaiveRun {
    pub records: usize,
    pub seconds: f64,
    pub records_per_second: f64,
    pub data_calls: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatencyRun {
    pub run: HubRun,
    pub latency_fixed_ms: u64,
    pub latency_per_record_ms: u64,
    /// The time the simulator's latency allows at the hub's concurrency: every call's latency,
    /// `concurrency` calls at a time.
    pub floor_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SalesforceReport {
    pub store: &'static str,
    pub concurrency: usize,
    pub collections: HubRun,
    pub naive: NaiveRun,
    pub latency: Option<LatencyRun>,
}

/// Options of the Salesforce benchmark.
#[derive(Debug, Clone)]
pub struct SalesforceBenchOptions {
    pub base: BenchOptions,
    /// Learners (each a Contact and an Enrollment__c) of the main run.
    pub learners: usize,
    /// Learners of the latency run; 0 skips it.
    pub latency_learners: usize,
    /// The hub's delivery concurrency for Salesforce.
    pub concurrency: usize,
}

pub async fn run_salesforce(
    options: &SalesforceBenchOptions,
    progress: impl Fn(&str),
) -> Result<SalesforceReport, BenchError> {
    switchyard_adapters::tls::ensure_crypto_provider();
    let store = if options.base.postgres.is_some() { "postgres" } else { "sqlite" };
    progress(&format!("collections: {} learners and their enrollments through the hub", options.learners));
    let collections = through_hub(options, options.learners, FaultConfig::default()).await?;
    progress(&format!("naive: the same {} records, one call per record", collections.records));
    let naive = naive(options.learners).await?;
    let latency = if options.latency_learners > 0 {
        progress(&format!(
            "latency model on ({LATENCY_FIXED_MS} ms per call + {LATENCY_PER_RECORD_MS} ms per record): {} learners",
            options.latency_learners
        ));
        let faults = FaultConfig {
            latency_fixed_ms: LATENCY_FIXED_MS,
            latency_per_record_ms: LATENCY_PER_RECORD_MS,
            ..FaultConfig::default()
        };
        let run = through_hub(options, options.latency_learners, faults).await?;
        let records_per_call = run.records as f64 / run.data_calls.max(1) as f64;
        let per_call = (LATENCY_FIXED_MS as f64 + LATENCY_PER_RECORD_MS as f64 * records_per_call) / 1_000.0;
        let floor_seconds = (run.data_calls as f64 / options.concurrency as f64).ceil() * per_call;
        Some(LatencyRun {
            run,
            latency_fixed_ms: LATENCY_FIXED_MS,
            latency_per_record_ms: LATENCY_PER_RECORD_MS,
            floor_seconds,
        })
    } else {
        None
    };
    Ok(SalesforceReport { store, concurrency: options.concurrency, collections, naive, latency })
}

async fn simulator(faults: FaultConfig) -> Result<RunningSimulator, BenchError> {
    let mut org = OrgConfig::e_learning();
    // The benchmark measures throughput, not the allowance (which the budget tests cover).
    org.daily_api_limit = 1_000_000_000;
    org.faults = faults;
    SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), org)
        .await
        .map_err(prepare("the Salesforce simulator"))
}

fn contact(run: &str, n: usize) -> NewEvent {
    NewEvent {
        source: "/legacy/magento".into(),
        event_id: format!("{run}-u{n}"),
        event_type: "user.migrated".into(),
        version: 1,
        time: None,
        data: user_data(run, n),
        legacy_id: Some(format!("{run}-{n}")),
        routes: vec![Route { system: "salesforce".into(), mapping: "contact-from-user-migrated".into() }],
    }
}

fn enrollment_data(run: &str, n: usize) -> Value {
    json!({
        "enrollment_id": format!("{run}-e{n}"), "user_id": format!("u-{run}-{n}"),
        "legacy_user_id": format!("{run}-{n}"), "course_code": "PY-101", "status": "active",
        "enrolled_at": "2025-09-01T08:00:00Z", "price": {"amount": "149.00", "currency": "USD"},
        "payment_method": "card"
    })
}

fn enrollment(run: &str, n: usize) -> NewEvent {
    NewEvent {
        source: "/legacy/magento".into(),
        event_id: format!("{run}-e{n}"),
        event_type: "enrollment.created".into(),
        version: 2,
        time: None,
        data: enrollment_data(run, n),
        legacy_id: Some(format!("{run}-{n}")),
        routes: vec![Route {
            system: "salesforce".into(),
            mapping: "enrollment-from-enrollment-created-v2".into(),
        }],
    }
}

/// Fills a ledger, starts the hub on it and times it until every delivery is `delivered`.
async fn through_hub(
    options: &SalesforceBenchOptions,
    learners: usize,
    faults: FaultConfig,
) -> Result<HubRun, BenchError> {
    let simulator = simulator(faults).await?;
    let place = Place::new(&options.base, "salesforce").await?;
    let store = place.store().await?;
    let run = format!("sf{}", Ulid::generate());
    for start in (0..learners).step_by(FILL_CHUNK) {
        // One transaction (and one due time) per full batch, Contacts before their Enrollments.
        let chunk = start..(start + FILL_CHUNK).min(learners);
        let events: Vec<_> =
            chunk.clone().map(|n| contact(&run, n)).chain(chunk.map(|n| enrollment(&run, n))).collect();
        store.insert_events(&events).await?;
    }
    let config = place.write_config(&salesforce_section(&simulator, options.concurrency))?;
    let started = Instant::now();
    let hub = ChildHub::start(&config, place.data_dir(), &place.data_dir().join("hub.log"))?;
    let records = learners * 2;
    // The simulator's counts first (in process, no load on the hub's database), then the
    // ledger, which records each batch just after the org answered it.
    wait_saved(&simulator, &store, records).await?;
    wait_delivered(&store, records).await?;
    let seconds = started.elapsed().as_secs_f64();
    let hub_peak_rss_mib = hub.peak_rss_mib();
    hub.stop()?;
    store.close().await;
    place.remove().await;
    let data_calls = simulator.stats().api_calls;
    simulator.shutdown().await;
    Ok(HubRun {
        records,
        seconds,
        records_per_second: records as f64 / seconds,
        data_calls,
        minimum_calls: records.div_ceil(PER_CALL) as u64,
        hub_peak_rss_mib,
    })
}

fn salesforce_section(simulator: &RunningSimulator, concurrency: usize) -> String {
    format!(
        "[systems.salesforce]\nadapter = \"salesforce\"\n\
         [systems.salesforce.delivery]\nbatch_size = {batch}\nconcurrency = {concurrency}\nlinger_ms = 0\n\
         [systems.salesforce.verification]\nenabled = false\n\
         [systems.salesforce.salesforce]\ntoken_url = \"{}/services/oauth2/token\"\n\
         client_id = \"switchyard-sandbox\"\nclient_secret = \"sandbox-secret\"\nallow_list = [\"127.0.0.0/8\"]\n\
         objects = [{{ object = \"Contact\", external_id_field = \"Legacy_Id__c\" }},\n\
                    {{ object = \"Enrollment__c\", external_id_field = \"Legacy_Id__c\" }}]\n\
         max_concurrency = {calls}\nbulk_threshold = 1000000\nbudget = {{ share = 1.0 }}\n",
        simulator.base_url(),
        batch = 2 * PER_CALL,
        calls = concurrency * 2,
    )
}

/// Polls the simulator's record counts (in process: no load on the hub's database) until
/// `expected` records are saved, looking at the ledger now and then so that deliveries that
/// failed for good end the wait.
async fn wait_saved(simulator: &RunningSimulator, store: &Store, expected: usize) -> Result<(), BenchError> {
    let deadline = Instant::now() + WAIT_LIMIT;
    let mut polls = 0u64;
    loop {
        let saved: usize = simulator.stats().records.values().sum();
        if saved >= expected {
            return Ok(());
        }
        polls += 1;
        if polls.is_multiple_of(100) {
            let counts = store.state_counts().await?;
            let failed = counts
                .iter()
                .filter(|c| matches!(c.state, DeliveryState::Rejected | DeliveryState::DeadLettered))
                .count();
            if failed > 0 || Instant::now() > deadline {
                return Err(BenchError::Stuck { limit: WAIT_LIMIT, received: saved, expected });
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Polls the ledger's counts (a benchmark's clock, not a test's wait) until `expected`
/// deliveries are delivered; a rejected one stops the run with its count.
async fn wait_delivered(store: &Store, expected: usize) -> Result<(), BenchError> {
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        let counts = store.state_counts().await?;
        let count = |state| counts.iter().filter(|c| c.state == state).map(|c| c.count).sum::<u64>();
        let delivered = count(DeliveryState::Delivered) as usize;
        let failed = (count(DeliveryState::Rejected) + count(DeliveryState::DeadLettered)) as usize;
        if delivered + failed >= expected {
            return if failed == 0 {
                Ok(())
            } else {
                Err(BenchError::Stuck { limit: WAIT_LIMIT, received: delivered, expected })
            };
        }
        if Instant::now() > deadline {
            return Err(BenchError::Stuck { limit: WAIT_LIMIT, received: delivered, expected });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A record and the sObject it is for.
type ObjectRecord = (String, serde_json::Map<String, Value>);

/// The records the hub would send, mapped by the shipped catalog and named as the adapter
/// names them (relationship lookups), Contacts first.
fn mapped_records(run: &str, learners: usize) -> Result<Vec<ObjectRecord>, BenchError> {
    let catalog = Catalog::load(Catalog::shipped_root()).map_err(|findings| BenchError::Prepare {
        what: "the shipped catalog".into(),
        source: findings.into_iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; ").into(),
    })?;
    let salesforce = catalog.system(&"salesforce".parse().expect("a system id")).ok_or_else(|| {
        BenchError::Prepare { what: "the catalog's salesforce system".into(), source: "missing".into() }
    })?;
    let mut items = Vec::with_capacity(learners * 2);
    for (mapping, object, data) in [
        ("contact-from-user-migrated", "Contact", &(|n| user_data(run, n)) as &dyn Fn(usize) -> Value),
        ("enrollment-from-enrollment-created-v2", "Enrollment__c", &|n| enrollment_data(run, n)),
    ] {
        let mapping = &salesforce.mappings[mapping];
        for n in 0..learners {
            let Ok(MappingOutcome::Record(mut record)) = mapping.apply(&data(n), &json!({})) else {
                return Err(BenchError::Prepare {
                    what: format!("a {object} record"),
                    source: "the mapping failed".into(),
                });
            };
            record.insert("attributes".into(), json!({"type": object}));
            items.push(DeliveryItem {
                delivery_id: String::new(),
                event_id: String::new(),
                record,
                attempt: 1,
            });
        }
    }
    let objects =
        [ObjectTarget::new("Contact", "Legacy_Id__c"), ObjectTarget::new("Enrollment__c", "Legacy_Id__c")];
    let plan = plan(&items, &objects);
    Ok(plan
        .calls
        .into_iter()
        .flat_map(|call| {
            let object = call.object;
            call.records.into_iter().map(move |record| (object.clone(), record))
        })
        .collect())
}

/// One `PATCH /sobjects/{Object}/Legacy_Id__c/{id}` per record, Contacts before Enrollments.
async fn naive(learners: usize) -> Result<NaiveRun, BenchError> {
    let simulator = simulator(FaultConfig::default()).await?;
    let records = mapped_records(&format!("naive{}", Ulid::generate()), learners)?;
    let client = reqwest::Client::new();
    let token: Value = client
        .post(format!("{}/services/oauth2/token", simulator.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "switchyard-sandbox"),
            ("client_secret", "sandbox-secret"),
        ])
        .send()
        .await
        .map_err(prepare("a naive client's token"))?
        .json()
        .await
        .map_err(prepare("a naive client's token"))?;
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap_or_default());
    let instance = token["instance_url"].as_str().unwrap_or_default().to_owned();
    let started = Instant::now();
    let (contacts, enrollments): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|(object, _)| object == "Contact");
    let count = contacts.len() + enrollments.len();
    for group in [contacts, enrollments] {
        let calls = group.into_iter().map(|(object, mut record)| {
            let (client, bearer, instance) = (client.clone(), bearer.clone(), instance.clone());
            async move {
                let id = record
                    .remove("Legacy_Id__c")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                record.remove("attributes");
                let url = format!("{instance}/services/data/v60.0/sobjects/{object}/Legacy_Id__c/{id}");
                let sent = client.patch(url).header("authorization", bearer).json(&record).send().await;
                sent.map(|response| response.status().is_success()).unwrap_or(false)
            }
        });
        let answers: Vec<bool> = stream::iter(calls).buffer_unordered(NAIVE_CONCURRENCY).collect().await;
        if let Some(failed) = answers.iter().position(|ok| !ok) {
            return Err(BenchError::Prepare {
                what: format!("naive call {failed}"),
                source: "refused".into(),
            });
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let data_calls = simulator.stats().api_calls;
    simulator.shutdown().await;
    Ok(NaiveRun { records: count, seconds, records_per_second: count as f64 / seconds, data_calls })
}
