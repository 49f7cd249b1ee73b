//! Running a replay: the target (a simulator or a partner's endpoint, per adapter kind), and
//! the steps every target shares: each case through its mapping, then the adapter's answer
//! judged against what the case expects.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Map, Value};
use switchyard_adapters::DeliveryOutcome;
use switchyard_contracts::catalog::SystemCatalog;
use switchyard_contracts::mapping::MappingOutcome;
use switchyard_sandbox::OrgConfig;

use super::cases::{Expected, ReplayCase};
use super::report::{CaseResult, ReplayReport};
use super::{salesforce, webhook};

/// Where the replay runs. Cloning gives the same target again (a simulator variant starts a
/// fresh simulator for every replay).
#[derive(Debug, Clone)]
pub enum ReplayTarget {
    /// The org simulator with this org (the shipped e-learning org by default), in process on
    /// loopback.
    Simulate { org: Box<OrgConfig> },
    /// A Salesforce org (a partner's sandbox): its token URL and connected app.
    Against {
        token_url: String,
        client_id: String,
        client_secret: SecretString,
        /// Private or loopback addresses the org may be reached at (e.g. a local simulator).
        allow_list: Vec<String>,
    },
    /// The Standard Webhooks receiver simulator, in process on loopback with a generated
    /// signing secret; every case is read back from what it recorded.
    SimulateWebhook {
        /// Its first answers (status, optional `Retry-After`), in order, then `204`: a test
        /// plays a failing partner with them. Empty for a partner that accepts everything.
        answers: Vec<(u16, Option<String>)>,
    },
    /// A webhook endpoint (a partner's sandbox), signed with `secret` (`whsec_...`). It
    /// cannot be read back: a 2xx is all the evidence there is.
    AgainstWebhook {
        url: String,
        secret: SecretString,
        /// Private or loopback addresses the endpoint may be reached at.
        allow_list: Vec<String>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("the org simulator did not start")]
    Simulator(#[source] switchyard_sandbox::salesforce::SimulatorError),
    #[error("the Salesforce adapter cannot be built: {0}")]
    Adapter(#[source] switchyard_adapters::salesforce::SalesforceConfigError),
    #[error("the webhook receiver simulator did not start")]
    Receiver(#[source] switchyard_sandbox::ReceiverError),
    #[error("the webhook adapter cannot be built")]
    WebhookAdapter(#[source] switchyard_adapters::webhook::WebhookConfigError),
    #[error("{system}: {problem}")]
    Catalog { system: String, problem: String },
}

/// Replays `cases` for `system` against `target`. `patience` caps how long a case waits for
/// its expectations (each also waits at most its own `within_seconds`); webhook targets have
/// no expectations to wait for.
pub async fn replay(
    system: &SystemCatalog,
    cases: &[ReplayCase],
    target: ReplayTarget,
    patience: Duration,
) -> Result<ReplayReport, ReplayError> {
    switchyard_adapters::tls::ensure_crypto_provider();
    match target {
        ReplayTarget::Simulate { org } => {
            salesforce::replay(system, cases, salesforce::Org::Simulated(org), patience).await
        }
        ReplayTarget::Against { token_url, client_id, client_secret, allow_list } => {
            let org = salesforce::Org::Remote { token_url, client_id, client_secret, allow_list };
            salesforce::replay(system, cases, org, patience).await
        }
        ReplayTarget::SimulateWebhook { answers } => {
            webhook::replay(system, cases, webhook::Endpoint::Simulated { answers }).await
        }
        ReplayTarget::AgainstWebhook { url, secret, allow_list } => {
            webhook::replay(system, cases, webhook::Endpoint::Remote { url, secret, allow_list }).await
        }
    }
}

/// A case's event through its mapping.
pub(super) enum Mapped {
    /// The record to deliver, and the event's `data` (expectations are computed from it).
    Record { record: Map<String, Value>, data: Value },
    /// The mapping's `when` is false: nothing is to be sent (`result` says whether that was
    /// expected).
    Skipped,
    /// The case is decided already: no such mapping, or the mapping failed (`result` says).
    Failed,
}

/// Applies the case's mapping to its event, recording a skip or a failure in `result`.
pub(super) fn map_case(system: &SystemCatalog, case: &ReplayCase, result: &mut CaseResult) -> Mapped {
    let Some(mapping) = system.mappings.get(&case.mapping) else {
        result.fail(format!("the catalog has no mapping {}", case.mapping));
        return Mapped::Failed;
    };
    let data = case.event.get("data").cloned().unwrap_or(Value::Null);
    let mut attributes = case.event.as_object().cloned().unwrap_or_default();
    attributes.remove("data");
    match mapping.apply(&data, &Value::Object(attributes)) {
        Ok(MappingOutcome::Record(record)) => Mapped::Record { record, data },
        Ok(MappingOutcome::Skipped) => {
            result.outcome = "skipped by the mapping".into();
            if case.expected != Expected::Skipped {
                result.fail("the mapping skipped the event".to_owned());
            }
            Mapped::Skipped
        }
        Err(err) => {
            result.outcome = "mapping failed".into();
            result.fail(err.to_string());
            Mapped::Failed
        }
    }
}

/// The target object of the case's mapping (`Contact`, `learner`), once the case is mapped.
pub(super) fn target_object(system: &SystemCatalog, case: &ReplayCase) -> String {
    system
        .mappings
        .get(&case.mapping)
        .map(|mapping| mapping.spec().target.object.to_string())
        .unwrap_or_default()
}

/// Judges the adapter's answer against what the case expects, recording it in `result`.
/// True when the record was delivered as expected, so what it did downstream is to be read
/// back next.
pub(super) fn judge_outcome(
    case: &ReplayCase,
    outcome: Option<DeliveryOutcome>,
    result: &mut CaseResult,
) -> bool {
    match (&case.expected, outcome) {
        (Expected::Confirmed, Some(DeliveryOutcome::Delivered { downstream_id })) => {
            result.outcome = "delivered".into();
            result.downstream_id = downstream_id;
            true
        }
        (Expected::Rejected { code }, Some(DeliveryOutcome::Rejected { reason, .. })) => {
            result.outcome = format!("rejected: {reason}");
            if !reason.contains(code.as_str()) {
                result.fail(format!("rejected, but not with {code}"));
            }
            false
        }
        // Refused for now (e.g. a lookup whose parent is not in the org): the hub would retry
        // it, and it would end dead-lettered if the parent never came.
        (Expected::Rejected { code }, Some(DeliveryOutcome::Retry { reason, .. }))
            if reason.contains(code.as_str()) =>
        {
            result.outcome = format!("refused (retryable): {reason}");
            false
        }
        (expected, outcome) => {
            let shown = outcome.map_or("no outcome".to_owned(), |o| match o {
                DeliveryOutcome::Delivered { .. } => "delivered".to_owned(),
                other => format!("{other:?}"),
            });
            result.outcome = shown.clone();
            result.fail(format!("expected {expected:?}, got {shown}"));
            false
        }
    }
}
