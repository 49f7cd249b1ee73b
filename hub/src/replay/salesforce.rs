//! Replay against a Salesforce org (the org simulator or a partner's sandbox): every case
//! upserted through the real Salesforce adapter, then each expectation read back.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{Map, Value, json};
use switchyard_adapters::salesforce::{SalesforceAdapter, SalesforceConfig};
use switchyard_adapters::{Adapter, DeliveryItem, ReadBack};
use switchyard_contracts::catalog::SystemCatalog;
use switchyard_sandbox::{OrgConfig, SalesforceSimulator};

use super::cases::{FieldCheck, ReplayCase, objects_parents_first};
use super::report::{CaseResult, ReplayReport};
use super::run::{Mapped, ReplayError, judge_outcome, map_case, target_object};
use crate::verify::{Finding, SystemExpectations, check};

/// The org a Salesforce replay runs against.
pub(super) enum Org {
    Simulated(Box<OrgConfig>),
    Remote { token_url: String, client_id: String, client_secret: SecretString, allow_list: Vec<String> },
}

/// How long an expectation that does not hold yet is read again (a real org's flows may
/// lag); the simulator's flows run within the save.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn replay(
    system: &SystemCatalog,
    cases: &[ReplayCase],
    org: Org,
    patience: Duration,
) -> Result<ReplayReport, ReplayError> {
    let catalog_error = |problem: String| ReplayError::Catalog { system: system.id.to_string(), problem };
    let expectations = SystemExpectations::compile(&system.expectations).map_err(catalog_error)?;
    let objects = objects_parents_first(system);
    if objects.is_empty() {
        return Err(catalog_error("no target contract with an external_id to upsert by".into()));
    }
    let mut allow_list = Vec::new();
    let (simulator, token_url, client_id, client_secret, target_name) = match org {
        Org::Simulated(org) => {
            let app =
                org.connected_apps.first().map(|app| (app.client_id.clone(), app.client_secret.clone()));
            let Some((client_id, client_secret)) = app else {
                return Err(catalog_error("the simulated org has no connected app".into()));
            };
            let simulator = SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), *org)
                .await
                .map_err(ReplayError::Simulator)?;
            let token_url = format!("{}/services/oauth2/token", simulator.base_url());
            let name = format!("the org simulator at {}", simulator.base_url());
            (Some(simulator), token_url, client_id, client_secret, name)
        }
        Org::Remote { token_url, client_id, client_secret, allow_list: allowed } => {
            let name = token_url.clone();
            allow_list = allowed;
            (None, token_url, client_id, client_secret, name)
        }
    };
    let mut config = SalesforceConfig::new(token_url, client_id, client_secret, objects[0].clone());
    config.objects = objects.clone();
    config.allow_list = if simulator.is_some() { vec!["127.0.0.0/8".into()] } else { allow_list };
    let adapter = SalesforceAdapter::new(config).map_err(ReplayError::Adapter)?;
    let started = chrono::Utc::now();
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        results.push(run_case(system, &expectations, &adapter, case, patience).await);
    }
    if let Some(simulator) = simulator {
        simulator.shutdown().await;
    }
    Ok(ReplayReport::of(system, target_name, started, results))
}

async fn run_case(
    system: &SystemCatalog,
    expectations: &SystemExpectations,
    adapter: &SalesforceAdapter,
    case: &ReplayCase,
    patience: Duration,
) -> CaseResult {
    let clock = Instant::now();
    let mut result = CaseResult::new(case);
    let Mapped::Record { record, data } = map_case(system, case, &mut result) else {
        return result.timed(clock);
    };
    let object = target_object(system, case);
    let external_id = system
        .mappings
        .get(&case.mapping)
        .and_then(|mapping| system.targets.get(&mapping.spec().target))
        .and_then(|target| target.external_id.clone());
    let key =
        external_id.as_ref().and_then(|field| Some((field.clone(), record.get(field)?.as_str()?.to_owned())));
    result.request = format!("upsert {object} with {} fields", record.len());
    let mut tagged: Map<String, Value> = record;
    tagged.insert("attributes".into(), json!({"type": object}));
    let item = DeliveryItem {
        delivery_id: format!("replay-{}", case.name),
        event_id: case.name.clone(),
        record: tagged,
        attempt: 1,
    };
    let outcome = adapter.deliver(std::slice::from_ref(&item)).await.into_iter().next();
    if judge_outcome(case, outcome, &mut result) {
        read_back(expectations, adapter, case, &data, patience, &mut result).await;
        if !case.field_checks.is_empty() {
            match &key {
                Some(key) => read_fields(adapter, &object, key, &case.field_checks, &mut result).await,
                None => result.fail(format!("{object} has no external id value to read its fields back by")),
            }
        }
    }
    result.timed(clock)
}

/// Reads every expectation of the case back, waiting (up to the expectation's window and
/// `patience`) for one that does not hold yet.
async fn read_back(
    expectations: &SystemExpectations,
    adapter: &SalesforceAdapter,
    case: &ReplayCase,
    data: &Value,
    patience: Duration,
    result: &mut CaseResult,
) {
    let checks = match expectations.checks(&case.mapping, data) {
        Ok(checks) => checks,
        Err(err) => {
            result.fail(err.to_string());
            return;
        }
    };
    for check_of in checks {
        let expectation = check_of.expectation;
        let query = check_of.query();
        let deadline = Instant::now() + patience.min(expectation.within);
        loop {
            let finding = match adapter.read_back(&query).await {
                Ok(records) => {
                    let found = records.iter().find(|record| {
                        record.get(&expectation.match_field).and_then(Value::as_str)
                            == Some(check_of.match_value.as_str())
                    });
                    check(&check_of, found)
                }
                Err(err) => {
                    Finding::NotYet { evidence: format!("{}: read-back failed: {err}", expectation.name) }
                }
            };
            match finding {
                Finding::Holds => {
                    result.evidence.push(format!("{}: holds", expectation.name));
                    break;
                }
                Finding::NotYet { evidence } if Instant::now() < deadline => {
                    // A real org's flows may lag behind the API's answer: read again.
                    let _ = evidence;
                    tokio::time::sleep(RECHECK_EVERY).await;
                }
                Finding::NotYet { evidence } | Finding::Broken { evidence } => {
                    result.fail(evidence.clone());
                    result.evidence.push(evidence);
                    break;
                }
            }
        }
    }
}

/// Reads `checks`' fields of the record `key` identifies and compares each with what the
/// mapping sent (or with nothing, for a field the mapping left out).
async fn read_fields(
    adapter: &SalesforceAdapter,
    object: &str,
    key: &(String, String),
    checks: &[FieldCheck],
    result: &mut CaseResult,
) {
    let query = ReadBack {
        object: object.to_owned(),
        match_field: key.0.clone(),
        values: vec![key.1.clone()],
        fields: checks.iter().map(|check| check.field.clone()).collect(),
    };
    let records = match adapter.read_back(&query).await {
        Ok(records) => records,
        Err(err) => {
            result.fail(format!("{object} {} = {}: read-back failed: {err}", key.0, key.1));
            return;
        }
    };
    let Some(record) = records.first() else {
        result.fail(format!("{object} {} = {} is not in the org", key.0, key.1));
        return;
    };
    for check in checks {
        let held = record.get(&check.field).filter(|value| !value.is_null());
        let line = match (&check.equals, held) {
            (None, None) => Ok(format!("{object}.{} is empty, as sent", check.field)),
            (Some(sent), Some(held)) if sent == held => {
                Ok(format!("{object}.{} holds what was sent", check.field))
            }
            (None, Some(held)) => Err(format!("{object}.{} holds {held}, expected no value", check.field)),
            (Some(sent), held) => Err(format!(
                "{object}.{} holds {}, expected {sent}",
                check.field,
                held.map_or("no value".to_owned(), Value::to_string)
            )),
        };
        match line {
            Ok(evidence) => result.evidence.push(evidence),
            Err(problem) => {
                result.evidence.push(problem.clone());
                result.fail(problem);
            }
        }
    }
}
