//! Replay against a webhook partner (the Standard Webhooks receiver simulator or a partner's
//! endpoint): every case POSTed, signed, through the real webhook adapter. Against the
//! simulator a case passes only if the receiver accepted its delivery exactly once and the body
//! it recorded is the mapped record (a skipped case: only if nothing arrived); an endpoint
//! cannot be read back, so there a 2xx is the evidence.

use std::time::Instant;

use secrecy::SecretString;
use serde_json::{Map, Value};
use switchyard_adapters::webhook::{WebhookAdapter, WebhookConfig};
use switchyard_adapters::{Adapter, DeliveryItem, DeliveryOutcome};
use switchyard_contracts::catalog::SystemCatalog;
use switchyard_sandbox::{WebhookReceiver, generate_secret};
use ulid::Ulid;

use super::cases::ReplayCase;
use super::report::{CaseResult, ReplayReport};
use super::run::{Mapped, ReplayError, judge_outcome, map_case, target_object};

/// The endpoint a webhook replay runs against.
pub(super) enum Endpoint {
    Simulated { answers: Vec<(u16, Option<String>)> },
    Remote { url: String, secret: SecretString, allow_list: Vec<String> },
}

/// The evidence of a case accepted by an endpoint that cannot be read back.
const UNREADABLE: &str = "accepted (HTTP 2xx); the endpoint cannot be read back";

/// The evidence of a skipped case at an endpoint that cannot be read back.
const NOTHING_SENT: &str = "nothing sent; the endpoint cannot be read back";

/// The simulator has no rate limit of its own: don't let the adapter's default (10/s) defer
/// a replay of many cases.
const SIMULATOR_RATE_PER_SECOND: u32 = 10_000;

pub(super) async fn replay(
    system: &SystemCatalog,
    cases: &[ReplayCase],
    endpoint: Endpoint,
) -> Result<ReplayReport, ReplayError> {
    let (receiver, config, target_name) = match endpoint {
        Endpoint::Simulated { answers } => {
            let secret = generate_secret();
            let receiver = WebhookReceiver::start(([127, 0, 0, 1], 0).into(), &secret)
                .await
                .map_err(ReplayError::Receiver)?;
            receiver.script(answers.iter().map(|(status, retry_after)| (*status, retry_after.as_deref())));
            let mut config = WebhookConfig::new(receiver.url(), secret);
            config.allow_list = vec!["127.0.0.0/8".into()];
            config.rate_limit_per_second = SIMULATOR_RATE_PER_SECOND;
            let name = format!("the webhook receiver simulator at {}", receiver.url());
            (Some(receiver), config, name)
        }
        Endpoint::Remote { url, secret, allow_list } => {
            let mut config = WebhookConfig::new(url.clone(), secret);
            config.allow_list = allow_list;
            (None, config, url)
        }
    };
    let adapter = WebhookAdapter::new(config).map_err(ReplayError::WebhookAdapter)?;
    // Delivery ids unique to this run: a partner that dedupes on `webhook-id` must process a
    // second replay's cases again, not acknowledge them as seen. ASCII, so any case name works.
    let run = Ulid::generate().to_string().to_lowercase();
    let started = chrono::Utc::now();
    let mut results = Vec::with_capacity(cases.len());
    for (index, case) in cases.iter().enumerate() {
        let delivery_id = format!("replay-{run}-{index:04}");
        results.push(run_case(system, &adapter, receiver.as_ref(), case, delivery_id).await);
    }
    // The receiver stops when dropped, once every case has been read back.
    drop(receiver);
    Ok(ReplayReport::of(system, target_name, started, results))
}

async fn run_case(
    system: &SystemCatalog,
    adapter: &WebhookAdapter,
    receiver: Option<&WebhookReceiver>,
    case: &ReplayCase,
    delivery_id: String,
) -> CaseResult {
    let clock = Instant::now();
    let mut result = CaseResult::new(case);
    let record = match map_case(system, case, &mut result) {
        Mapped::Record { record, .. } => record,
        Mapped::Skipped => {
            match receiver {
                Some(receiver) => nothing_arrived(receiver, case, &delivery_id, &mut result),
                None => result.evidence.push(NOTHING_SENT.to_owned()),
            }
            return result.timed(clock);
        }
        Mapped::Failed => return result.timed(clock),
    };
    result.request = format!("POST {} with {} fields", target_object(system, case), record.len());
    let item = DeliveryItem { delivery_id, event_id: case.name.clone(), record, attempt: 1 };
    let outcome = deliver(adapter, &item).await;
    if judge_outcome(case, outcome, &mut result) {
        match receiver {
            Some(receiver) => read_back(receiver, &item, &mut result),
            None => result.evidence.push(UNREADABLE.to_owned()),
        }
    }
    result.timed(clock)
}

/// Delivers one item. A deferral is the adapter's own rate limit (nothing was sent): the
/// replay waits it out as the hub would, without counting an attempt.
async fn deliver(adapter: &WebhookAdapter, item: &DeliveryItem) -> Option<DeliveryOutcome> {
    loop {
        match adapter.deliver(std::slice::from_ref(item)).await.into_iter().next() {
            Some(DeliveryOutcome::Deferred { after, .. }) => tokio::time::sleep(after).await,
            outcome => return outcome,
        }
    }
}

/// The receiver's record of the item: accepted exactly once, with the mapped record as its
/// `data`. The evidence names fields, never their values (personal data).
fn read_back(receiver: &WebhookReceiver, item: &DeliveryItem, result: &mut CaseResult) {
    let id = &item.delivery_id;
    match receiver.stats().items.get(id).copied().unwrap_or(0) {
        1 => result.evidence.push(format!("the receiver accepted {id} once")),
        times => {
            let problem = format!("the receiver accepted {id} {times} times, expected exactly once");
            result.evidence.push(problem.clone());
            result.fail(problem);
        }
    }
    let recorded = receiver.body(id);
    let problem = match recorded.as_ref().and_then(|body| body.get("data")) {
        Some(Value::Object(data)) if *data == item.record => {
            result.evidence.push("the body it recorded equals the mapped record".to_owned());
            return;
        }
        Some(Value::Object(data)) => format!(
            "the body the receiver recorded differs from the mapped record in {}",
            differing_fields(data, &item.record).join(", ")
        ),
        _ => format!("the receiver recorded no body with a `data` object for {id}"),
    };
    result.evidence.push(problem.clone());
    result.fail(problem);
}

/// A skipped case passes only if nothing of it reached the receiver.
fn nothing_arrived(
    receiver: &WebhookReceiver,
    case: &ReplayCase,
    delivery_id: &str,
    result: &mut CaseResult,
) {
    let stats = receiver.stats();
    let arrived = stats.items.get(delivery_id).copied().unwrap_or(0)
        + stats.events.get(&case.name).copied().unwrap_or(0);
    if arrived == 0 {
        result.evidence.push("nothing arrived at the receiver".to_owned());
    } else {
        let problem = format!("the receiver accepted {arrived} item(s) of a case the mapping skips");
        result.evidence.push(problem.clone());
        result.fail(problem);
    }
}

/// The fields whose values differ between two records (present in either), sorted.
fn differing_fields(left: &Map<String, Value>, right: &Map<String, Value>) -> Vec<String> {
    let mut fields: Vec<String> = left
        .keys()
        .chain(right.keys())
        .filter(|field| left.get(*field) != right.get(*field))
        .cloned()
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::differing_fields;

    #[test]
    fn differing_fields_names_changed_missing_and_extra_fields_once() {
        let left = json!({"a": 1, "b": 2, "c": 3}).as_object().cloned().unwrap();
        let right = json!({"a": 1, "b": 20, "d": 4}).as_object().cloned().unwrap();
        assert_eq!(differing_fields(&left, &right), ["b", "c", "d"]);
        assert!(differing_fields(&left, &left).is_empty());
    }
}
