//! The verification step: claim a system's due verifications, read their records back in a
//! few batched queries (one per object and match field), and record each delivery's verdict,
//! its next look, or why it cannot be verified.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use switchyard_adapters::{ReadBack, ReadBackError, ReadBackRecord};

use super::evaluate::{check, step};
use super::expectations::{Check, CheckError};
use crate::delivery::SystemLane;
use crate::metrics::HubMetrics;
use crate::store::{Store, StoreError, Verification, VerificationStep};

/// What one verification step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub claimed: usize,
    pub confirmed: usize,
    pub silent_failures: usize,
    pub rechecks: usize,
    pub gave_up: usize,
    /// The earliest recheck, for the follow-up job.
    pub next_check: Option<DateTime<Utc>>,
}

/// (object, match field): one group of read-backs.
type Group = (String, String);

/// Verifies up to the lane's `verification.batch_size` due deliveries of `lane`'s system, as
/// of `now`. `hold` is how long the claimed ones stay hidden from other steps; `bound` caps
/// the read-back calls. A lane without expectations does nothing.
pub async fn verify_due(
    store: &Store,
    lane: &SystemLane,
    metrics: &HubMetrics,
    hold: Duration,
    bound: Duration,
    now: DateTime<Utc>,
) -> Result<VerifyReport, StoreError> {
    let Some(expectations) = &lane.expectations else { return Ok(VerifyReport::default()) };
    let due = store.claim_verifications(&lane.system, lane.verification.batch_size, hold, now).await?;
    if due.is_empty() {
        return Ok(VerifyReport::default());
    }
    let checks: Vec<Result<Vec<Check<'_>>, CheckError>> =
        due.iter().map(|delivery| expectations.checks(&delivery.mapping, &delivery.data)).collect();

    let mut groups: HashMap<Group, (BTreeSet<String>, BTreeSet<String>)> = HashMap::new();
    for check in checks.iter().flatten().flatten() {
        let expectation = check.expectation;
        let (values, fields) =
            groups.entry((expectation.object.clone(), expectation.match_field.clone())).or_default();
        values.insert(check.match_value.clone());
        fields.insert("Id".to_owned());
        fields.extend(expectation.fields.keys().cloned());
    }
    let mut found: HashMap<Group, Result<HashMap<String, ReadBackRecord>, ReadBackError>> = HashMap::new();
    for ((object, match_field), (values, fields)) in groups {
        let query = ReadBack {
            object: object.clone(),
            match_field: match_field.clone(),
            values: values.into_iter().collect(),
            fields: fields.into_iter().collect(),
        };
        let answer = match tokio::time::timeout(bound, lane.adapter.read_back(&query)).await {
            Ok(answer) => answer,
            Err(_) => Err(ReadBackError::Transient(format!("read-back exceeded {} ms", bound.as_millis()))),
        };
        let by_value = answer.map(|records| {
            let mut by_value = HashMap::new();
            for record in records {
                if let Some(value) = record.get(&match_field).and_then(value_text) {
                    by_value.entry(value).or_insert(record);
                }
            }
            by_value
        });
        if let Err(err) = &by_value {
            tracing::warn!(system = %lane.system, %object, error = %err, "read-back failed");
        }
        found.insert((object, match_field), by_value);
    }

    let recheck = lane.verification.recheck.get();
    let mut report = VerifyReport { claimed: due.len(), ..VerifyReport::default() };
    let mut steps = Vec::with_capacity(due.len());
    for (delivery, checks) in due.iter().zip(&checks) {
        let step = match checks {
            Err(err) => VerificationStep::GiveUp { reason: err.to_string() },
            Ok(checks) => delivery_step(checks, &found, now, delivery.deadline, recheck),
        };
        match &step {
            VerificationStep::Verdict(Verification::Confirmed) => report.confirmed += 1,
            VerificationStep::Verdict(Verification::SilentFailure { .. }) => {
                report.silent_failures += 1;
                tracing::warn!(
                    system = %lane.system,
                    delivery_id = %delivery.delivery_id,
                    event_id = %delivery.event_id,
                    "silent failure: the downstream accepted the delivery but its expectations do not hold"
                );
            }
            VerificationStep::CheckAgainAt(at) => {
                report.rechecks += 1;
                report.next_check = Some(report.next_check.map_or(*at, |next| next.min(*at)));
            }
            VerificationStep::GiveUp { reason } => {
                report.gave_up += 1;
                tracing::warn!(system = %lane.system, delivery_id = %delivery.delivery_id, %reason, "cannot verify");
            }
        }
        steps.push((delivery.delivery_id.clone(), step));
    }
    store.apply_verification_steps(&steps, Utc::now()).await?;
    if report.confirmed > 0 {
        metrics.verified(&lane.system, true, report.confirmed as u64);
    }
    if report.silent_failures > 0 {
        metrics.verified(&lane.system, false, report.silent_failures as u64);
    }
    Ok(report)
}

/// One delivery's step from its checks and what the read-backs found.
fn delivery_step(
    checks: &[Check<'_>],
    found: &HashMap<Group, Result<HashMap<String, ReadBackRecord>, ReadBackError>>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
    recheck: Duration,
) -> VerificationStep {
    let mut findings = Vec::with_capacity(checks.len());
    for check_of in checks {
        let expectation = check_of.expectation;
        let group = (expectation.object.clone(), expectation.match_field.clone());
        match found.get(&group) {
            Some(Ok(records)) => findings.push(check(check_of, records.get(&check_of.match_value))),
            Some(Err(ReadBackError::Transient(_))) | None => {
                // No answer is no evidence: look again, whatever the deadline says.
                let again = chrono::Duration::from_std(recheck).ok().and_then(|r| now.checked_add_signed(r));
                return VerificationStep::CheckAgainAt(again.unwrap_or(DateTime::<Utc>::MAX_UTC));
            }
            Some(Err(err)) => {
                return VerificationStep::GiveUp { reason: format!("{}: {err}", expectation.name) };
            }
        }
    }
    if findings.is_empty() {
        // The expectations no longer apply (the catalog changed since delivery).
        return VerificationStep::Verdict(Verification::Confirmed);
    }
    step(&findings, now, deadline, recheck)
}

/// A match field's value as the text expectations compute (strings as is, numbers printed).
fn value_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
