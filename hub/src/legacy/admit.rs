//! What each item of the legacy converter becomes in staging: a migrated user; an event checked
//! against its contract with the validator ingest uses (one that fails is quarantined with the
//! violation's JSON path and rule, never dropped); or a quarantined row. Pure: no IO.

use std::collections::HashSet;

use switchyard_contracts::Catalog;
use switchyard_sandbox::legacy::{Migrated, MigratedUser, MigrationEvent, QuarantinedRow};

use super::report::ImportTally;
use crate::ingest::{ContractFault, check_contract};
use crate::serve::ledger_event;
use crate::store::{ImportBatch, QuarantineEntry, StagedUser};

/// The contract version whose event makes an account a migrated user.
const USER_MIGRATED: &str = "user.migrated";

/// Turns converter items into staging rows, a batch at a time, and tallies them.
pub struct Admission<'c> {
    catalog: &'c Catalog,
    tally: ImportTally,
    batch: ImportBatch,
    /// Accounts whose `user.migrated` event broke its contract: their other events are
    /// quarantined too, so no wave sends an enrollment for a user it never created.
    refused_accounts: HashSet<String>,
}

impl<'c> Admission<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        Self {
            catalog,
            tally: ImportTally::default(),
            batch: ImportBatch::default(),
            refused_accounts: HashSet::new(),
        }
    }

    pub fn admit(&mut self, item: Migrated) {
        match item {
            Migrated::User(user) => self.user(user),
            Migrated::Event(event) => self.event(event),
            Migrated::Quarantined(row) => self.quarantine(quarantine_entry(row)),
        }
    }

    /// Rows waiting to be written.
    pub fn pending(&self) -> usize {
        self.batch.len()
    }

    /// The rows admitted since the last call, to be written together.
    pub fn take_batch(&mut self) -> ImportBatch {
        std::mem::take(&mut self.batch)
    }

    pub fn into_tally(self) -> ImportTally {
        self.tally
    }

    fn user(&mut self, user: MigratedUser) {
        let status = status_name(&user);
        self.tally.user(&status);
        self.batch.users.push(StagedUser {
            legacy_id: user.legacy_id,
            user_id: user.user_id,
            status,
            created_at: user.created_at,
            partner_code: user.partner_code,
            website: user.website,
            enrollments: i64::from(user.enrollments),
        });
    }

    fn event(&mut self, event: MigrationEvent) {
        let MigrationEvent { legacy_id, envelope, file, line, .. } = event;
        let contract = envelope.contract().to_string();
        let reason = if self.refused_accounts.contains(&legacy_id) {
            format!("{contract}: the account's {USER_MIGRATED} event breaks its contract")
        } else {
            match check_contract(self.catalog, &envelope) {
                Ok(()) => {
                    self.tally.event(&contract);
                    let mut staged = ledger_event(envelope, Vec::new());
                    staged.legacy_id = Some(legacy_id);
                    self.batch.events.push(staged);
                    return;
                }
                Err(fault) => {
                    if envelope.event_type().as_str() == USER_MIGRATED {
                        self.refuse_account(&legacy_id);
                    }
                    fault_reason(&contract, &fault)
                }
            }
        };
        self.quarantine(QuarantineEntry {
            file,
            line: line_number(line),
            legacy_id: Some(legacy_id),
            reason,
            class: None,
        });
    }

    /// An account whose `user.migrated` broke its contract is quarantined, not a user.
    fn refuse_account(&mut self, legacy_id: &str) {
        self.refused_accounts.insert(legacy_id.to_owned());
        if let Some(at) = self.batch.users.iter().rposition(|user| user.legacy_id == legacy_id) {
            let user = self.batch.users.remove(at);
            self.tally.withdraw_user(&user.status);
        }
    }

    fn quarantine(&mut self, entry: QuarantineEntry) {
        self.tally.quarantine(&entry);
        self.batch.quarantined.push(entry);
    }
}

fn status_name(user: &MigratedUser) -> String {
    serde_json::to_value(user.status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", user.status).to_lowercase())
}

fn line_number(line: u64) -> i64 {
    i64::try_from(line).unwrap_or(i64::MAX)
}

/// `enrollment.created@v2 breaks its contract: /data/price: type; /data/course_code: required`:
/// the paths and rules, never the values (they may be personal data).
fn fault_reason(contract: &str, fault: &ContractFault) -> String {
    let faults: Vec<String> =
        fault.faults.iter().map(|field| format!("{}: {}", field.pointer, field.rule)).collect();
    format!("{contract} breaks its contract ({}): {}", fault.code, faults.join("; "))
}

fn quarantine_entry(row: QuarantinedRow) -> QuarantineEntry {
    QuarantineEntry {
        file: row.file,
        line: line_number(row.line),
        legacy_id: row.legacy_id,
        reason: row.reason,
        class: row.class.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::{Value, json};
    use switchyard_contracts::EventRef;
    use switchyard_contracts::events::UserStatus;

    use switchyard_contracts::Envelope;

    use super::*;

    fn catalog() -> Catalog {
        Catalog::load(Catalog::shipped_root()).unwrap()
    }

    fn event(legacy_id: &str, contract: &str, data: Value, line: u64) -> Migrated {
        let contract = EventRef::parse(contract).unwrap();
        let id = format!("{contract}-{legacy_id}");
        let envelope = Envelope::new("/legacy/magento", &id, &contract, Utc::now(), data).unwrap();
        Migrated::Event(MigrationEvent {
            legacy_id: legacy_id.into(),
            envelope,
            file: "customers.csv".into(),
            line,
            classes: Vec::new(),
        })
    }

    fn user(legacy_id: &str) -> Migrated {
        Migrated::User(MigratedUser {
            legacy_id: legacy_id.into(),
            user_id: format!("u-{legacy_id}"),
            status: UserStatus::Inactive,
            created_at: None,
            partner_code: None,
            website: None,
            enrollments: 1,
        })
    }

    #[test]
    fn a_valid_event_is_staged_and_counted_by_contract_version() {
        let catalog = catalog();
        let mut admission = Admission::new(&catalog);
        admission.admit(user("7"));
        admission.admit(event(
            "7",
            "user.migrated@v1",
            json!({"legacy_id": "7", "user_id": "u-7", "status": "inactive"}),
            2,
        ));
        let batch = admission.take_batch();
        assert_eq!(batch.users[0].status, "inactive");
        assert_eq!(batch.events[0].event_type, "user.migrated");
        let tally = admission.into_tally();
        assert_eq!(tally.events["user.migrated@v1"], 1);
        assert_eq!(tally.users["inactive"], 1);
    }

    #[test]
    fn an_account_whose_user_event_breaks_its_contract_is_quarantined_with_path_and_rule() {
        let catalog = catalog();
        let mut admission = Admission::new(&catalog);
        admission.admit(user("7"));
        let long_email = format!("{}@example.com", "a".repeat(400));
        let data = json!({"legacy_id": "7", "user_id": "u-7", "status": "active", "email": long_email});
        admission.admit(event("7", "user.migrated@v1", data, 2));
        admission.admit(event("7", "payment.captured@v1", json!({}), 9));
        let batch = admission.take_batch();
        assert!(batch.users.is_empty() && batch.events.is_empty(), "{batch:?}");
        let reasons: Vec<&str> = batch.quarantined.iter().map(|entry| entry.reason.as_str()).collect();
        assert!(reasons[0].contains("/data/email: maxLength"), "{reasons:?}");
        assert!(!reasons[0].contains("aaaa"), "a reason never quotes the value");
        assert!(reasons[1].contains("the account's user.migrated event breaks its contract"), "{reasons:?}");
        assert_eq!((batch.quarantined[1].line, batch.quarantined[1].legacy_id.as_deref()), (9, Some("7")));
        let tally = admission.into_tally();
        assert_eq!((tally.users_total(), tally.quarantined_total()), (0, 2));
    }

    #[test]
    fn a_row_the_converter_quarantined_keeps_its_place_and_class() {
        let catalog = catalog();
        let mut admission = Admission::new(&catalog);
        admission.admit(Migrated::Quarantined(QuarantinedRow {
            file: "enrollments.csv".into(),
            line: 41,
            legacy_id: Some("9".into()),
            reason: "enrolled_at: zero date".into(),
            class: Some("enrolled-at-zero-date"),
        }));
        let entry = &admission.take_batch().quarantined[0];
        assert_eq!((entry.line, entry.class.as_deref()), (41, Some("enrolled-at-zero-date")));
    }
}
