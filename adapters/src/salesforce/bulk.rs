//! Large batches through Bulk API 2.0, in stages: one upsert job per object, objects in their
//! configured order (parents first), a child object's job created only once its parents' job
//! has finished. `deliver` starts the first stage and answers every item `Submitted`; `collect`
//! reads the running job, answers the finished stage's items from the result files, starts
//! the next stage and answers its items `Submitted` under the new ticket. Nothing is kept in
//! memory between calls: a fresh adapter (another hub, or after a crash) can collect any
//! ticket, and collecting twice re-reads the same results (a second run may start a duplicate
//! child job, which upserts by external id make harmless).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::adapter::DeliveryItem;
use crate::outcome::DeliveryOutcome;
use crate::salesforce::bulk_csv::{self, JobResults, ResultFile};
use crate::salesforce::bulk_jobs::BulkCallError;
use crate::salesforce::bulk_ticket::BulkTicket;
use crate::salesforce::classify::{RecordResult, classify_record};
use crate::salesforce::request_builder::{self, external_id_key};
use crate::salesforce::service::{CONCURRENCY_DEFER, SalesforceAdapter, log_outcome};

/// One object's items of a batch: batch indexes and their records (tagged), in batch order.
#[derive(Debug, Default)]
struct Group {
    external_id_field: String,
    items: Vec<usize>,
    records: Vec<Map<String, Value>>,
}

/// The batch planned as `request_builder::plan` plans Collections calls (same checks, same
/// settled items), with the calls merged back into one group per object.
fn groups(
    batch: &[DeliveryItem],
    adapter: &SalesforceAdapter,
) -> (HashMap<String, Group>, Vec<(usize, DeliveryOutcome)>) {
    let plan = request_builder::plan(batch, &adapter.endpoint.objects);
    let mut groups: HashMap<String, Group> = HashMap::new();
    for call in plan.calls {
        let group = groups.entry(call.object).or_default();
        group.external_id_field = call.external_id_field;
        group.items.extend(call.items);
        group.records.extend(call.records);
    }
    (groups, plan.settled)
}

/// Per-item outcomes being filled in.
struct Answers(Vec<Option<DeliveryOutcome>>);

impl Answers {
    fn set(&mut self, index: usize, outcome: DeliveryOutcome) {
        self.0[index] = Some(outcome);
    }

    fn set_all(&mut self, items: &[usize], outcome: &DeliveryOutcome) {
        for index in items {
            self.set(*index, outcome.clone());
        }
    }

    /// One outcome per item; an item nothing answered retries, with a reason.
    fn finish(self, batch: &[DeliveryItem]) -> Vec<DeliveryOutcome> {
        batch
            .iter()
            .zip(self.0)
            .map(|(item, outcome)| {
                let outcome = outcome.unwrap_or_else(|| {
                    DeliveryOutcome::retry("this item was not part of the Bulk jobs it was collected under")
                });
                log_outcome(item, &outcome);
                outcome
            })
            .collect()
    }
}

impl SalesforceAdapter {
    /// The configured objects, parents first, that have items in `groups`.
    fn stage_objects(&self, groups: &HashMap<String, Group>) -> Vec<String> {
        self.endpoint.objects.iter().map(|t| t.object.clone()).filter(|o| groups.contains_key(o)).collect()
    }

    fn submitted(&self, ticket: &BulkTicket) -> DeliveryOutcome {
        DeliveryOutcome::submitted(ticket.encode(), self.endpoint.bulk_poll_interval)
    }

    /// Builds the stage's upload; refused items are answered. `None` when nothing is left.
    fn upload(group: &Group, answers: &mut Answers) -> Option<bulk_csv::Upload> {
        let upload = bulk_csv::build_upload(&group.items, &group.records, &group.external_id_field);
        for (index, outcome) in &upload.refused {
            answers.set(*index, outcome.clone());
        }
        (!upload.items.is_empty()).then_some(upload)
    }

    /// `deliver` for a batch of `bulk_threshold` items or more: starts the first stage.
    pub(super) async fn deliver_bulk(&self, batch: &[DeliveryItem]) -> Vec<DeliveryOutcome> {
        let mut answers = Answers(vec![None; batch.len()]);
        let (groups, settled) = groups(batch, self);
        for (index, outcome) in settled {
            answers.set(index, outcome);
        }
        let Ok(_permit) = self.in_flight.try_acquire() else {
            let deferred = DeliveryOutcome::deferred(CONCURRENCY_DEFER, "Salesforce concurrency cap reached");
            groups.values().for_each(|group| answers.set_all(&group.items, &deferred));
            return answers.finish(batch);
        };
        // The first stage is the first object with anything sendable; objects whose every
        // record was refused drop out, so that the ticket only names stages that will run.
        let mut uploads = Vec::new();
        for object in self.stage_objects(&groups) {
            if let Some(upload) = Self::upload(&groups[&object], &mut answers) {
                uploads.push((object, upload));
            }
        }
        let Some((first, first_upload)) = uploads.first() else {
            return answers.finish(batch);
        };
        let pending: Vec<usize> =
            uploads.iter().flat_map(|(_, upload)| upload.items.iter().copied()).collect();
        match self.start_job(first, &groups[first].external_id_field, &first_upload.csv).await {
            Ok(job) => {
                let objects = uploads.iter().map(|(object, _)| object.clone()).collect();
                let ticket = BulkTicket::new(objects, job);
                answers.set_all(&pending, &self.submitted(&ticket));
            }
            Err(err) => answers.set_all(&pending, &err.outcome),
        }
        answers.finish(batch)
    }

    /// `collect`: reads the ticket's stages in order; see the module docs.
    pub(super) async fn collect_bulk(&self, text: &str, batch: &[DeliveryItem]) -> Vec<DeliveryOutcome> {
        let mut answers = Answers(vec![None; batch.len()]);
        let ticket = match BulkTicket::parse(text) {
            Ok(ticket) => ticket,
            Err(err) => {
                let outcome = DeliveryOutcome::retry(format!("{err}; the items are sent again"));
                return batch.iter().map(|_| outcome.clone()).collect();
            }
        };
        let (groups, settled) = groups(batch, self);
        for (index, outcome) in settled {
            answers.set(index, outcome);
        }
        let Ok(_permit) = self.in_flight.try_acquire() else {
            let again = DeliveryOutcome::submitted(ticket.encode(), CONCURRENCY_DEFER);
            groups.values().for_each(|group| answers.set_all(&group.items, &again));
            return answers.finish(batch);
        };
        // Items of this stage and every later one.
        let from = |stage: usize| -> Vec<usize> {
            ticket.stages[stage..]
                .iter()
                .filter_map(|s| groups.get(&s.object))
                .flat_map(|g| g.items.clone())
                .collect()
        };
        for (index, stage) in ticket.stages.iter().enumerate() {
            let group = groups.get(&stage.object);
            match &stage.job {
                // An earlier stage nobody asks about: known finished, nothing to read.
                Some(_) if index < ticket.running && group.is_none() => continue,
                Some(job) => {
                    let info = match self.job_info(job).await {
                        Ok(info) => info,
                        Err(err) => {
                            answers.set_all(&from(index), &self.unreadable_job(&ticket, job, err));
                            break;
                        }
                    };
                    match info.state.as_str() {
                        "JobComplete" => {
                            if let Some(group) = group
                                && let Err(err) = self.answer_from_results(job, group, &mut answers).await
                            {
                                answers.set_all(&from(index), &self.unreadable_job(&ticket, job, err));
                                break;
                            }
                        }
                        "UploadComplete" | "InProgress" => {
                            answers.set_all(&from(index), &self.submitted(&ticket));
                            break;
                        }
                        state => {
                            // Failed, Aborted, or Open (never closed): the records go again.
                            let why = info.error_message.as_deref().unwrap_or("no errorMessage");
                            let outcome = DeliveryOutcome::retry(format!(
                                "Salesforce Bulk job {job} ended {state}: {why}"
                            ));
                            group.inspect(|g| answers.set_all(&g.items, &outcome));
                            let parent = DeliveryOutcome::retry(format!(
                                "the {} records this object depends on were not loaded (Bulk job {job} {state})",
                                stage.object
                            ));
                            answers.set_all(&from(index + 1), &parent);
                            break;
                        }
                    }
                }
                None => {
                    let Some(group) = group else { continue };
                    let Some(upload) = Self::upload(group, &mut answers) else { continue };
                    match self.start_job(&stage.object, &group.external_id_field, &upload.csv).await {
                        Ok(job) => {
                            let next = ticket.started(index, job);
                            let mut pending = upload.items;
                            pending.extend(from(index + 1));
                            answers.set_all(&pending, &self.submitted(&next));
                        }
                        Err(err) => answers.set_all(&from(index), &err.outcome),
                    }
                    break;
                }
            }
        }
        answers.finish(batch)
    }

    /// What the items of a job whose info or results could not be read get: a transient
    /// failure keeps them submitted (the job is still there), a vanished job sends them again,
    /// anything else (a refused session) is that outcome.
    fn unreadable_job(&self, ticket: &BulkTicket, job: &str, err: BulkCallError) -> DeliveryOutcome {
        match (err.status, err.outcome) {
            (Some(404), _) => DeliveryOutcome::retry(format!(
                "Salesforce no longer knows Bulk job {job}; the items are sent again"
            )),
            (_, DeliveryOutcome::Retry { after, .. }) => {
                DeliveryOutcome::submitted(ticket.encode(), after.unwrap_or(self.endpoint.bulk_poll_interval))
            }
            (_, outcome) => outcome,
        }
    }

    /// Reads the three result files of a finished job and answers each item of `group` from
    /// the row carrying its external id.
    async fn answer_from_results(
        &self,
        job: &str,
        group: &Group,
        answers: &mut Answers,
    ) -> Result<(), BulkCallError> {
        let mut results = JobResults::default();
        for (file, path) in [
            (ResultFile::Successful, "successfulResults"),
            (ResultFile::Failed, "failedResults"),
            (ResultFile::Unprocessed, "unprocessedrecords"),
        ] {
            let body = self.job_results(job, path).await?;
            results.read(file, &body, &group.external_id_field).map_err(|err| {
                BulkCallError::from(DeliveryOutcome::retry(format!("Bulk job {job}: {err}")))
            })?;
        }
        for (index, record) in group.items.iter().zip(&group.records) {
            let key = external_id_key(record, &group.external_id_field).unwrap_or_default();
            let outcome = if let Some(id) = results.succeeded.get(&key) {
                DeliveryOutcome::Delivered { downstream_id: (!id.is_empty()).then(|| id.clone()) }
            } else if let Some(errors) = results.failed.get(&key) {
                let result = RecordResult { id: None, success: false, errors: errors.clone(), created: None };
                classify_record(&result, record)
            } else if results.unprocessed.contains(&key) {
                DeliveryOutcome::retry(format!("Salesforce did not process this record (Bulk job {job})"))
            } else {
                DeliveryOutcome::retry(format!("the results of Bulk job {job} do not mention this record"))
            };
            answers.set(*index, outcome);
        }
        tracing::info!(
            job_id = %job,
            succeeded = results.succeeded.len(),
            failed = results.failed.len(),
            unprocessed = results.unprocessed.len(),
            "salesforce Bulk job results read"
        );
        Ok(())
    }
}
