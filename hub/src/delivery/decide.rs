//! What the hub makes of an adapter's per-item outcome: a ledger record (delivered, retry at a
//! time, rejected, dead-lettered) or a deferral; and what a batch says about the downstream's
//! health. Pure: the clock and the RNG are passed in.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use switchyard_adapters::DeliveryOutcome;

use crate::policy::{CallOutcome, RetryDecision, RetrySchedule};
use crate::store::AttemptOutcome;

/// What to write to the ledger for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemDecision {
    /// An attempt happened: record it.
    Attempted {
        outcome: AttemptOutcome,
        /// The downstream's (or the hub's) stable code, when there is one.
        code: Option<String>,
        /// A short summary for the attempt row; never record data.
        summary: String,
    },
    /// Nothing was sent: hand the delivery back, due at `not_before`, without an attempt.
    Deferred { not_before: DateTime<Utc> },
    /// The downstream took it for asynchronous processing: collect it with `ticket` from
    /// `check_at` on, without an attempt yet.
    Submitted { ticket: String, check_at: DateTime<Utc> },
}

/// Decides one item. `attempt` is this attempt's number since the last redrive (1 for the
/// first), which is what the retry budget counts.
pub fn decide(
    outcome: &DeliveryOutcome,
    attempt: u32,
    schedule: &RetrySchedule,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> ItemDecision {
    match outcome {
        DeliveryOutcome::Delivered { downstream_id } => ItemDecision::Attempted {
            outcome: AttemptOutcome::Delivered { downstream_id: downstream_id.clone() },
            code: None,
            summary: "delivered".to_owned(),
        },
        DeliveryOutcome::Retry { after, reason } => match schedule.next_delay(attempt, *after, rng) {
            RetryDecision::RetryIn(delay) => ItemDecision::Attempted {
                outcome: AttemptOutcome::Retry { next_attempt_at: later(now, delay), reason: reason.clone() },
                code: None,
                summary: reason.clone(),
            },
            RetryDecision::DeadLetter => {
                let reason =
                    format!("attempts exhausted ({attempt} of {}): {reason}", schedule.max_attempts());
                ItemDecision::Attempted {
                    outcome: AttemptOutcome::DeadLettered { reason: reason.clone() },
                    code: None,
                    summary: reason,
                }
            }
        },
        DeliveryOutcome::Rejected { reason, code } => ItemDecision::Attempted {
            outcome: AttemptOutcome::Rejected { reason: reason.clone() },
            code: Some(code.as_str().to_owned()),
            summary: reason.clone(),
        },
        DeliveryOutcome::Deferred { after, .. } => ItemDecision::Deferred { not_before: later(now, *after) },
        DeliveryOutcome::Submitted { ticket, check_after } => {
            ItemDecision::Submitted { ticket: ticket.clone(), check_at: later(now, *check_after) }
        }
    }
}

/// How a batch went for the system's circuit: `None` when nothing was sent (every item was
/// deferred); a failure when at least half of the items sent failed transiently (timeouts,
/// 5xx, 429: downstream trouble). Rejections are the records' fault, not the system's, and
/// count as answers.
pub fn batch_health(outcomes: &[DeliveryOutcome]) -> Option<CallOutcome> {
    let sent = outcomes.iter().filter(|outcome| !outcome.is_deferred()).count();
    if sent == 0 {
        return None;
    }
    let transient = outcomes.iter().filter(|outcome| outcome.is_retry()).count();
    Some(if transient * 2 >= sent { CallOutcome::Failure } else { CallOutcome::Success })
}

fn later(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use switchyard_adapters::RejectCode;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc()
    }

    fn schedule() -> RetrySchedule {
        RetrySchedule::new(
            vec![Duration::from_secs(5), Duration::from_secs(60)],
            3,
            Duration::from_secs(1),
            Duration::from_secs(600),
        )
        .unwrap()
    }

    #[test]
    fn a_retry_is_scheduled_within_the_jitter_of_its_delay() {
        let mut rng = StdRng::seed_from_u64(7);
        let decision =
            decide(&DeliveryOutcome::retry("downstream answered 503"), 1, &schedule(), now(), &mut rng);
        let ItemDecision::Attempted { outcome: AttemptOutcome::Retry { next_attempt_at, reason }, .. } =
            decision
        else {
            panic!("expected a retry, got {decision:?}");
        };
        let waited = (next_attempt_at - now()).to_std().unwrap();
        assert!(waited >= Duration::from_secs(4) && waited <= Duration::from_secs(6), "{waited:?}");
        assert_eq!(reason, "downstream answered 503");
    }

    #[test]
    fn retry_after_wins_over_the_schedule() {
        let outcome = DeliveryOutcome::Retry { after: Some(Duration::from_secs(30)), reason: "429".into() };
        let decision = decide(&outcome, 1, &schedule(), now(), &mut StdRng::seed_from_u64(1));
        assert!(
            matches!(decision, ItemDecision::Attempted { outcome: AttemptOutcome::Retry { next_attempt_at, .. }, .. }
            if next_attempt_at == now() + chrono::Duration::seconds(30))
        );
    }

    #[test]
    fn the_last_allowed_attempt_dead_letters_with_the_reason() {
        let decision = decide(
            &DeliveryOutcome::retry("timed out"),
            3,
            &schedule(),
            now(),
            &mut StdRng::seed_from_u64(1),
        );
        let ItemDecision::Attempted { outcome: AttemptOutcome::DeadLettered { reason }, .. } = decision
        else {
            panic!("expected a dead letter, got {decision:?}");
        };
        assert_eq!(reason, "attempts exhausted (3 of 3): timed out");
    }

    #[test]
    fn a_rejection_keeps_its_code_and_a_deferral_spends_nothing() {
        let rejected = decide(
            &DeliveryOutcome::rejected(RejectCode::Client, "downstream answered 422"),
            1,
            &schedule(),
            now(),
            &mut StdRng::seed_from_u64(1),
        );
        assert!(
            matches!(rejected, ItemDecision::Attempted { outcome: AttemptOutcome::Rejected { .. }, code: Some(ref code), .. } if code == "client_error")
        );
        let deferred = decide(
            &DeliveryOutcome::deferred(Duration::from_millis(1500), "endpoint rate limit reached"),
            9,
            &schedule(),
            now(),
            &mut StdRng::seed_from_u64(1),
        );
        assert_eq!(
            deferred,
            ItemDecision::Deferred { not_before: now() + chrono::Duration::milliseconds(1500) }
        );
    }

    #[test]
    fn a_batch_fails_the_circuit_when_half_of_what_was_sent_failed_transiently() {
        let ok = DeliveryOutcome::Delivered { downstream_id: None };
        let retry = DeliveryOutcome::retry("503");
        let rejected = DeliveryOutcome::rejected(RejectCode::Client, "400");
        let deferred = DeliveryOutcome::deferred(Duration::from_secs(1), "rate limit");
        assert_eq!(batch_health(&[ok.clone(), retry.clone()]), Some(CallOutcome::Failure));
        assert_eq!(batch_health(&[ok.clone(), ok.clone(), retry.clone()]), Some(CallOutcome::Success));
        assert_eq!(batch_health(&[rejected.clone(), rejected]), Some(CallOutcome::Success));
        assert_eq!(batch_health(&[deferred.clone(), deferred.clone()]), None);
        assert_eq!(batch_health(&[retry, deferred.clone(), deferred]), Some(CallOutcome::Failure));
        assert_eq!(batch_health(&[]), None);
    }
}
