//! The delivery step: claim one batch of a system's due deliveries, map them, hand them to the
//! adapter, decide every item's fate, record it in the ledger, and say which jobs follow.
//! [`Deliverer::deliver_due`] is the step tests drive directly; the queue calls it through
//! [`JobHandler`].

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use switchyard_adapters::{DeliveryItem, DeliveryOutcome};
use tracing::Instrument;
use ulid::Ulid;

use super::decide::{ItemDecision, batch_health, decide};
use super::in_flight::InFlight;
use super::lane::SystemLane;
use super::prepare::{Prepared, prepare_guarded};
use crate::ingest::BoxFuture;
use crate::metrics::HubMetrics;
use crate::policy::{Admission, CircuitSnapshot};
use crate::queue::{DeliveryJob, JobCause, JobHandler, JobQueue, ScheduledJob};
use crate::store::{
    AttemptOutcome, AttemptRecord, ClaimedDelivery, Deferral, OutcomeKind, Store, StoreError, Submission,
};

/// What one step did, for tests, logs and the follow-up jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    pub claimed: usize,
    pub delivered: usize,
    pub retried: usize,
    pub rejected: usize,
    pub dead_lettered: usize,
    pub deferred: usize,
    /// Taken by the downstream for asynchronous processing; collected later.
    pub submitted: usize,
    /// Records the ledger ignored (the lease was lost meanwhile).
    pub stale: usize,
    /// The circuit held the batch back until then; nothing was claimed.
    pub circuit_wait: Option<DateTime<Utc>>,
    /// Jobs to push so the work goes on.
    pub follow_ups: Vec<ScheduledJob>,
}

/// Delivers for every configured system of this process. Cheap to clone (one per step).
#[derive(Debug, Clone)]
pub struct Deliverer {
    store: Store,
    lanes: Arc<BTreeMap<String, Arc<SystemLane>>>,
    /// Prefix of every lease this process takes: `<process>/<step ulid>`.
    process_id: String,
    lease: Duration,
    metrics: HubMetrics,
    queue: Option<JobQueue>,
    in_flight: InFlight,
}

impl Deliverer {
    pub fn new(
        store: Store,
        lanes: Vec<SystemLane>,
        process_id: String,
        lease: Duration,
        metrics: HubMetrics,
    ) -> Self {
        let lanes = Arc::new(lanes.into_iter().map(|lane| (lane.system.clone(), Arc::new(lane))).collect());
        Self { store, lanes, process_id, lease, metrics, queue: None, in_flight: InFlight::default() }
    }

    /// Pushes follow-up jobs to `queue` when run as a [`JobHandler`].
    pub fn with_queue(mut self, queue: JobQueue) -> Self {
        self.queue = Some(queue);
        self
    }

    pub fn lanes(&self) -> impl Iterator<Item = &SystemLane> {
        self.lanes.values().map(Arc::as_ref)
    }

    pub fn process_id(&self) -> &str {
        &self.process_id
    }

    /// The steps running now; a stopping hub waits for them.
    pub fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    /// Steps as the queue runs them, then their follow-up jobs pushed. While steps come back
    /// full (more is due now) the job takes the next one itself, for up to [`JOB_BUDGET`].
    async fn run_job(self, job: DeliveryJob) {
        let _running = self.in_flight.enter();
        let system = job.system.clone();
        let started = Instant::now();
        let mut follow_ups = FollowUps::default();
        loop {
            match self.deliver_due(&system, Utc::now()).await {
                Ok(report) => follow_ups.add(report.follow_ups),
                // The ledger is unreachable: claimed deliveries (if any) come back when their
                // lease expires, and the sweeper wakes the system. Failing the job would only
                // make apalis re-run it at once.
                Err(err) => tracing::warn!(%system, cause = ?job.cause, error = %err, "delivery step failed"),
            }
            // Every job of a verified system also looks for due read-backs: one index seek when
            // there are none, and no separate worker to size and stop.
            match self.verify_due(&system, Utc::now()).await {
                Ok(jobs) => follow_ups.add(jobs),
                Err(err) => tracing::warn!(%system, error = %err, "verification step failed"),
            }
            if !follow_ups.more_now() || started.elapsed() >= JOB_BUDGET {
                break;
            }
            follow_ups.take_now();
        }
        let follow_ups = follow_ups.into_jobs();
        if let Some(queue) = &self.queue
            && !follow_ups.is_empty()
            && let Err(err) = queue.push(follow_ups).await
        {
            // The sweeper wakes the system again: nothing is lost.
            tracing::warn!(%system, error = %err, "could not push follow-up jobs");
        }
    }

    /// One verification step for `system` at `now`; returns the jobs that keep it going.
    pub async fn verify_due(
        &self,
        system: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ScheduledJob>, StoreError> {
        let Some(lane) = self.lanes.get(system).filter(|lane| lane.expectations.is_some()) else {
            return Ok(Vec::new());
        };
        let bound = self.lease.mul_f64(0.8);
        let report =
            crate::verify::verify_due(&self.store, lane, &self.metrics, self.lease, bound, now).await?;
        let mut jobs = Vec::new();
        if report.claimed >= lane.verification.batch_size as usize {
            jobs.push(ScheduledJob::now(system, JobCause::Verify));
        }
        if let Some(at) = report.next_check {
            jobs.push(ScheduledJob::at(system, JobCause::Verify, at));
        }
        Ok(jobs)
    }

    /// One step for `system` at `now`. A system without a lane does nothing.
    pub async fn deliver_due(&self, system: &str, now: DateTime<Utc>) -> Result<StepReport, StoreError> {
        let Some(lane) = self.lanes.get(system) else {
            tracing::warn!(%system, "a job for a system without a configured adapter; ignored");
            return Ok(StepReport::default());
        };
        let admission = lane.circuit.lock().map_or(Admission::Deliver, |mut circuit| circuit.admit(now));
        if let Admission::Wait { until } = admission {
            // One wake-up per opening: every other job that finds the circuit open just ends,
            // so an outage never multiplies the queue's jobs.
            let follow_ups = if lane.claim_circuit_wake(until) {
                vec![ScheduledJob::at(system, JobCause::Circuit, until)]
            } else {
                Vec::new()
            };
            return Ok(StepReport { circuit_wait: Some(until), follow_ups, ..StepReport::default() });
        }
        lane.clear_circuit_wake(now);
        // A lease token per step: a step that outlives its lease can never record over the
        // step that took the deliveries over, even in the same process.
        let worker_id = format!("{}/{}", self.process_id, Ulid::generate());
        let batch_size = u32::try_from(lane.delivery.batch_size).unwrap_or(u32::MAX);
        let claimed = self.store.claim_due(system, batch_size, &worker_id, self.lease, now).await?;
        if claimed.is_empty() {
            return Ok(StepReport::default());
        }
        let span = tracing::info_span!("delivery_batch", %system, items = claimed.len(), lease = %worker_id);
        self.deliver_claimed(lane, &worker_id, claimed, now).instrument(span).await
    }

    /// Maps, sends and records one claimed batch. Decisions are taken on the step's clock
    /// (`now` plus the time the adapter took), so tests that drive the step with a clock of
    /// their own get the same answers as production.
    async fn deliver_claimed(
        &self,
        lane: &SystemLane,
        worker_id: &str,
        claimed: Vec<ClaimedDelivery>,
        now: DateTime<Utc>,
    ) -> Result<StepReport, StoreError> {
        let mut outcomes: Vec<Option<DeliveryOutcome>> = vec![None; claimed.len()];
        let mut refused: Vec<Option<(&'static str, String)>> = vec![None; claimed.len()];
        // New deliveries are sent; submitted ones are collected, one call per ticket.
        let mut items: Vec<DeliveryItem> = Vec::with_capacity(claimed.len());
        let mut item_index = Vec::with_capacity(claimed.len());
        let mut collect: BTreeMap<&str, (Vec<DeliveryItem>, Vec<usize>)> = BTreeMap::new();
        for (index, delivery) in claimed.iter().enumerate() {
            match prepare_guarded(lane, delivery) {
                Prepared::Send(item) => match delivery.ticket.as_deref() {
                    None => {
                        items.push(item);
                        item_index.push(index);
                    }
                    Some(ticket) => {
                        let (group, indexes) = collect.entry(ticket).or_default();
                        group.push(item);
                        indexes.push(index);
                    }
                },
                Prepared::Refused { code, reason } => refused[index] = Some((code, reason)),
                Prepared::Unroutable { reason } => outcomes[index] = Some(DeliveryOutcome::retry(reason)),
            }
        }

        let clock = Instant::now();
        let mut sent = self.call_adapter(lane, &items, || lane.adapter.deliver(&items)).await;
        for (ticket, (group, indexes)) in &collect {
            sent.extend(self.call_adapter(lane, group, || lane.adapter.collect(ticket, group)).await);
            item_index.extend(indexes);
        }
        let elapsed = clock.elapsed();
        let started_at = now;
        let finished_at = now + chrono::Duration::from_std(elapsed).unwrap_or_default();
        if !items.is_empty() {
            self.metrics.batch_duration(&lane.system, elapsed.as_secs_f64());
            self.metrics.batch_size(&lane.system, items.len() as u64);
        }
        if let Some(usage) = lane.adapter.api_usage() {
            self.metrics.api_usage(&lane.system, &usage);
        }
        if let Some(health) = batch_health(&sent)
            && let Ok(mut circuit) = lane.circuit.lock()
        {
            circuit.record(health, finished_at);
            self.metrics.circuit(&lane.system, &circuit.snapshot());
        }
        for (outcome, index) in sent.into_iter().zip(item_index) {
            outcomes[index] = Some(outcome);
        }

        let decided =
            record_decisions(lane, worker_id, &claimed, &outcomes, refused, started_at, finished_at);
        let mut report = decided.report.clone();
        let recorded = self.store.record_outcomes(&decided.records).await?;
        report.stale = recorded.stale.len();
        self.store.defer(&decided.deferrals).await?;
        self.store.submit(&decided.submissions).await?;
        self.count(&lane.system, &report);
        report.follow_ups = follow_ups(lane, &report, &decided);
        tracing::debug!(
            delivered = report.delivered,
            retried = report.retried,
            rejected = report.rejected,
            dead_lettered = report.dead_lettered,
            deferred = report.deferred,
            submitted = report.submitted,
            stale = report.stale,
            "batch recorded"
        );
        Ok(report)
    }

    /// The adapter call, bounded so that it ends well inside the lease: past the bound every
    /// item is a retry (the downstream may or may not have it; delivery is at-least-once).
    /// `call` makes the adapter's `deliver` or `collect` of `items`; it is not called for
    /// an empty batch.
    async fn call_adapter<'a>(
        &self,
        lane: &SystemLane,
        items: &[DeliveryItem],
        call: impl FnOnce() -> BoxFuture<'a, Vec<DeliveryOutcome>>,
    ) -> Vec<DeliveryOutcome> {
        if items.is_empty() {
            return Vec::new();
        }
        let call = call();
        let bound = self.lease.mul_f64(0.8);
        // A panicking adapter is a Switchyard bug; the batch is retried on its schedule (and so
        // ends dead-lettered if it keeps panicking) instead of looping on lease expiries.
        let call = AssertUnwindSafe(call).catch_unwind();
        match tokio::time::timeout(bound, call).await {
            Ok(Err(_panic)) => {
                tracing::error!(system = %lane.system, items = items.len(), "the adapter panicked");
                vec![
                    DeliveryOutcome::retry("the adapter failed unexpectedly (see the hub's log)");
                    items.len()
                ]
            }
            Ok(Ok(outcomes)) if outcomes.len() == items.len() => outcomes,
            Ok(Ok(outcomes)) => {
                // The adapter contract says one outcome per item; never guess which is which.
                tracing::error!(expected = items.len(), got = outcomes.len(), "adapter broke its contract");
                vec![DeliveryOutcome::retry("adapter returned a wrong number of outcomes"); items.len()]
            }
            Err(_) => vec![
                DeliveryOutcome::retry(format!("adapter call exceeded {} ms", bound.as_millis()));
                items.len()
            ],
        }
    }

    fn count(&self, system: &str, report: &StepReport) {
        for (kind, count) in [
            (OutcomeKind::Delivered, report.delivered),
            (OutcomeKind::Retry, report.retried),
            (OutcomeKind::Rejected, report.rejected),
            (OutcomeKind::DeadLettered, report.dead_lettered),
        ] {
            if count > 0 {
                self.metrics.outcomes(system, kind, count as u64);
            }
        }
        if report.deferred > 0 {
            self.metrics.deferred(system, report.deferred as u64);
        }
    }

    /// The circuit snapshot of every lane, for the API and metrics.
    pub fn circuits(&self) -> BTreeMap<String, CircuitSnapshot> {
        self.lanes
            .iter()
            .filter_map(|(system, lane)| Some((system.clone(), lane.circuit.lock().ok()?.snapshot())))
            .collect()
    }
}

/// How long one job goes on taking steps while they come back full, before it leaves the rest
/// to a `Continue` job. Each job costs the queue a fetch, a push and an ack, three writes
/// that took 13 to 15 ms each on SQLite mid-wave (waiting for the ledger's writes included),
/// so a busy system runs a few long jobs rather than one job per batch. Short enough that a
/// stopping hub waits little for its running steps.
const JOB_BUDGET: Duration = Duration::from_secs(1);

/// The follow-up jobs of a job's steps: per (system, cause), one job now if a step asked for
/// one now, and one at the earliest later time a step asked for.
#[derive(Debug, Default)]
struct FollowUps {
    jobs: Vec<ScheduledJob>,
}

impl FollowUps {
    fn add(&mut self, jobs: Vec<ScheduledJob>) {
        for job in jobs {
            let same = |known: &&mut ScheduledJob| {
                known.job == job.job && known.not_before.is_some() == job.not_before.is_some()
            };
            match self.jobs.iter_mut().find(same) {
                Some(known) => known.not_before = known.not_before.min(job.not_before),
                None => self.jobs.push(job),
            }
        }
    }

    /// Whether a step asked for a job now: its batch came back full.
    fn more_now(&self) -> bool {
        self.jobs.iter().any(|job| job.not_before.is_none())
    }

    /// Drops the jobs asked for now: this job takes the next step itself.
    fn take_now(&mut self) {
        self.jobs.retain(|job| job.not_before.is_some());
    }

    fn into_jobs(self) -> Vec<ScheduledJob> {
        self.jobs
    }
}

/// Every claimed delivery's decision: ledger records, deferrals and submissions, counted.
struct Decided {
    report: StepReport,
    records: Vec<AttemptRecord>,
    deferrals: Vec<Deferral>,
    submissions: Vec<Submission>,
}

fn record_decisions(
    lane: &SystemLane,
    worker_id: &str,
    claimed: &[ClaimedDelivery],
    outcomes: &[Option<DeliveryOutcome>],
    mut refused: Vec<Option<(&'static str, String)>>,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
) -> Decided {
    let mut report = StepReport { claimed: claimed.len(), ..StepReport::default() };
    let mut records = Vec::with_capacity(claimed.len());
    let mut deferrals = Vec::new();
    let mut submissions = Vec::new();
    let mut rng = rand::rng();
    for (index, delivery) in claimed.iter().enumerate() {
        let decision = match (&outcomes[index], refused[index].take()) {
            (_, Some((code, reason))) => ItemDecision::Attempted {
                outcome: AttemptOutcome::Rejected { reason: reason.clone() },
                code: Some(code.to_owned()),
                summary: reason,
            },
            (outcome, None) => {
                // Every item sent has an outcome (`call_adapter` guarantees one per item).
                let missing = DeliveryOutcome::retry("no outcome was recorded for this item");
                let attempt = u32::try_from(delivery.attempts_since_redrive + 1).unwrap_or(u32::MAX);
                decide(outcome.as_ref().unwrap_or(&missing), attempt, &lane.schedule, finished_at, &mut rng)
            }
        };
        match decision {
            ItemDecision::Attempted { outcome, code, summary } => {
                match outcome.kind() {
                    OutcomeKind::Delivered => report.delivered += 1,
                    OutcomeKind::Retry => report.retried += 1,
                    OutcomeKind::Rejected => report.rejected += 1,
                    OutcomeKind::DeadLettered => report.dead_lettered += 1,
                }
                let verify = match (&outcome, &lane.expectations) {
                    (AttemptOutcome::Delivered { .. }, Some(expectations)) => expectations.window(
                        &delivery.mapping,
                        &delivery.data,
                        finished_at,
                        lane.verification.delay.get(),
                    ),
                    _ => None,
                };
                records.push(AttemptRecord {
                    delivery_id: delivery.delivery_id.clone(),
                    worker_id: worker_id.to_owned(),
                    started_at,
                    finished_at,
                    outcome,
                    http_status: None,
                    code,
                    summary,
                    verify,
                });
            }
            ItemDecision::Deferred { not_before } => {
                report.deferred += 1;
                deferrals.push(Deferral {
                    delivery_id: delivery.delivery_id.clone(),
                    worker_id: worker_id.to_owned(),
                    not_before,
                });
            }
            ItemDecision::Submitted { ticket, check_at } => {
                report.submitted += 1;
                submissions.push(Submission {
                    delivery_id: delivery.delivery_id.clone(),
                    worker_id: worker_id.to_owned(),
                    ticket,
                    check_at,
                });
            }
        }
    }

    Decided { report, records, deferrals, submissions }
}

/// The jobs that keep the work going after a step: a full batch means there may be more now;
/// retries and deferrals need a job at the earliest time one of them comes due, submissions
/// one when their results are to be collected, and deliveries to verify one at their first
/// read-back.
fn follow_ups(lane: &SystemLane, report: &StepReport, decided: &Decided) -> Vec<ScheduledJob> {
    let Decided { records, deferrals, submissions, .. } = decided;
    let mut jobs = Vec::new();
    // Not after deferrals: the adapter's own limit is spent, and claiming the next batch now
    // would only defer it too. The deferral's job below picks the work up again.
    if report.claimed >= lane.delivery.batch_size && deferrals.is_empty() {
        jobs.push(ScheduledJob::now(&lane.system, JobCause::Continue));
    }
    let retry_at = records.iter().filter_map(|record| match &record.outcome {
        AttemptOutcome::Retry { next_attempt_at, .. } => Some(*next_attempt_at),
        _ => None,
    });
    let earliest = retry_at.chain(deferrals.iter().map(|deferral| deferral.not_before)).min();
    if let Some(at) = earliest {
        jobs.push(ScheduledJob::at(&lane.system, JobCause::Retry, at));
    }
    if let Some(at) = submissions.iter().map(|submission| submission.check_at).min() {
        jobs.push(ScheduledJob::at(&lane.system, JobCause::Collect, at));
    }
    if let Some(at) =
        records.iter().filter_map(|record| record.verify.map(|window| window.first_check_at)).min()
    {
        jobs.push(ScheduledJob::at(&lane.system, JobCause::Verify, at));
    }
    jobs
}

impl JobHandler for Deliverer {
    fn handle(&self, job: DeliveryJob) -> BoxFuture<'_, ()> {
        // On a task of its own: a queue worker that stops or restarts drops this future, and
        // the step must still finish between the downstream's answer and the ledger's record.
        let step = tokio::spawn(self.clone().run_job(job));
        Box::pin(async move {
            if let Err(err) = step.await {
                tracing::error!(error = %err, "a delivery step failed unexpectedly");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_keep_the_earliest_later_job_when_the_job_takes_the_next_step_itself() {
        let at = |seconds: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + seconds, 0).unwrap();
        let mut follow_ups = FollowUps::default();
        follow_ups.add(vec![
            ScheduledJob::now("salesforce", JobCause::Continue),
            ScheduledJob::at("salesforce", JobCause::Verify, at(5)),
        ]);
        follow_ups.add(vec![
            ScheduledJob::now("salesforce", JobCause::Verify),
            ScheduledJob::at("salesforce", JobCause::Verify, at(2)),
        ]);
        assert!(follow_ups.more_now());
        follow_ups.take_now();
        assert!(!follow_ups.more_now());
        // The later verification survives the step taken in place of the job asked for now.
        assert_eq!(follow_ups.into_jobs(), vec![ScheduledJob::at("salesforce", JobCause::Verify, at(2))]);
    }
}
