//! The ticket a Bulk delivery hands the hub: a small versioned JSON naming, per object in
//! configured order (parents first), the ingest job that carries its records once started,
//! and which stage runs now. It holds everything `collect` needs besides Salesforce itself,
//! so any hub process can collect it, and it holds no secrets and no record data.
//!
//! `{"v":1,"stages":[{"object":"Contact","job":"7505g..."},{"object":"Enrollment__c"}],"running":0}`

use serde::{Deserialize, Serialize};

use crate::salesforce::config::is_api_name;

/// The only ticket version so far.
const VERSION: u32 = 1;

/// One object's step of a staged Bulk delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The sObject, as configured.
    pub object: String,
    /// Its ingest job, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

/// A parsed ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkTicket {
    v: u32,
    /// Parents before children.
    pub stages: Vec<Stage>,
    /// The index of the stage whose job runs now; earlier stages have finished.
    pub running: usize,
}

/// Why a ticket could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("not a Salesforce Bulk ticket: {0}")]
    Unreadable(String),
    #[error("Bulk ticket version {0} is not known to this adapter")]
    Version(u32),
    #[error("Bulk ticket is inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl BulkTicket {
    /// A ticket whose first stage runs `job`.
    pub fn new(objects: Vec<String>, first_job: String) -> Self {
        let stages = objects
            .into_iter()
            .enumerate()
            .map(|(index, object)| Stage { object, job: (index == 0).then(|| first_job.clone()) })
            .collect();
        Self { v: VERSION, stages, running: 0 }
    }

    /// This ticket with stage `index` started as `job`.
    pub fn started(&self, index: usize, job: String) -> Self {
        let mut next = self.clone();
        if let Some(stage) = next.stages.get_mut(index) {
            stage.job = Some(job);
            next.running = index;
        }
        next
    }

    /// Parses and checks a ticket: ids and names must be plain API names (they go in URLs),
    /// the running stage must have a job and the later ones none.
    pub fn parse(text: &str) -> Result<Self, TicketError> {
        let ticket: Self =
            serde_json::from_str(text).map_err(|err| TicketError::Unreadable(err.to_string()))?;
        if ticket.v != VERSION {
            return Err(TicketError::Version(ticket.v));
        }
        if ticket.stages.is_empty() || ticket.running >= ticket.stages.len() {
            return Err(TicketError::Inconsistent("the running stage is not one of its stages"));
        }
        for (index, stage) in ticket.stages.iter().enumerate() {
            if !is_api_name(&stage.object) {
                return Err(TicketError::Inconsistent("a stage names an invalid object"));
            }
            match &stage.job {
                Some(job) if !job.bytes().all(|b| b.is_ascii_alphanumeric()) || job.is_empty() => {
                    return Err(TicketError::Inconsistent("a job id is not a Salesforce id"));
                }
                Some(_) if index > ticket.running => {
                    return Err(TicketError::Inconsistent("a stage after the running one has a job"));
                }
                None if index <= ticket.running => {
                    return Err(TicketError::Inconsistent("a started stage has no job"));
                }
                _ => {}
            }
        }
        Ok(ticket)
    }

    /// The ticket as stored in the ledger.
    pub fn encode(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_round_trip_and_advance() {
        let ticket =
            BulkTicket::new(vec!["Contact".into(), "Enrollment__c".into()], "7505g0000000001AAA".into());
        let text = ticket.encode();
        assert_eq!(
            text,
            r#"{"v":1,"stages":[{"object":"Contact","job":"7505g0000000001AAA"},{"object":"Enrollment__c"}],"running":0}"#
        );
        assert_eq!(BulkTicket::parse(&text).unwrap(), ticket);
        let next = ticket.started(1, "7505g0000000002AAA".into());
        assert_eq!(next.running, 1);
        assert_eq!(BulkTicket::parse(&next.encode()).unwrap(), next);
    }

    #[test]
    fn bad_tickets_are_refused_with_a_reason() {
        let cases = [
            ("not json", "not a Salesforce Bulk ticket"),
            (r#"{"v":2,"stages":[{"object":"Contact","job":"750"}],"running":0}"#, "version 2"),
            (r#"{"v":1,"stages":[],"running":0}"#, "running stage"),
            (r#"{"v":1,"stages":[{"object":"Contact"}],"running":0}"#, "no job"),
            (r#"{"v":1,"stages":[{"object":"Contact","job":"../x"}],"running":0}"#, "not a Salesforce id"),
            (r#"{"v":1,"stages":[{"object":"Con/tact","job":"750"}],"running":0}"#, "invalid object"),
            (
                r#"{"v":1,"stages":[{"object":"Contact","job":"750"},{"object":"X","job":"751"}],"running":0}"#,
                "after the running one",
            ),
        ];
        for (text, expected) in cases {
            let err = BulkTicket::parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
