//! Migrating a generated export into events: every row accounted for, every event valid
//! against its contract, no secret carried, quarantines named by their edge-case class.

use std::collections::{BTreeMap, HashSet};

use chrono::{TimeZone, Utc};
use switchyard_contracts::Catalog;
use switchyard_sandbox::legacy::{
    CATALOG, ExpectedOutcome, GenerateOptions, LegacyExport, MigrateOptions, Migrated, MigrationEvent,
    QuarantinedRow, migrate,
};

use crate::legacy_helpers::generated;

struct Migration {
    users: Vec<String>,
    events: Vec<MigrationEvent>,
    quarantined: Vec<QuarantinedRow>,
}

fn migrated(export: &LegacyExport, detect_classes: bool) -> Migration {
    let exported_at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single().expect("time");
    let options = MigrateOptions { detect_classes, ..MigrateOptions::new(exported_at) };
    let mut out = Migration { users: Vec::new(), events: Vec::new(), quarantined: Vec::new() };
    migrate(export, &options, |item| {
        match item {
            Migrated::User(user) => out.users.push(user.legacy_id),
            Migrated::Event(event) => out.events.push(event),
            Migrated::Quarantined(row) => out.quarantined.push(row),
        }
        Ok::<(), std::convert::Infallible>(())
    })
    .expect("migrate");
    out
}

fn of_type<'a>(events: &'a [MigrationEvent], event_type: &str) -> Vec<&'a MigrationEvent> {
    events.iter().filter(|e| e.envelope.event_type().as_str() == event_type).collect()
}

#[test]
fn every_row_becomes_an_event_or_a_quarantined_row_and_every_event_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = generated(dir.path(), &GenerateOptions::new(1_500, 11, 0.4));
    let export = LegacyExport::in_dir(dir.path());
    let run = migrated(&export, false);

    let customers_file = export.customers.display().to_string();
    let enrollments_file = export.enrollments.display().to_string();
    let quarantined_in = |file: &str| run.quarantined.iter().filter(|q| q.file == file).count() as u64;
    assert_eq!(run.users.len() as u64 + quarantined_in(&customers_file), manifest.rows.customers);
    let users = of_type(&run.events, "user.migrated");
    assert_eq!(users.len(), run.users.len());
    let enrollments = of_type(&run.events, "enrollment.created");
    assert_eq!(enrollments.len() as u64 + quarantined_in(&enrollments_file), manifest.rows.enrollments);
    assert!(!of_type(&run.events, "payment.captured").is_empty());

    let catalog = Catalog::load(Catalog::shipped_root()).expect("catalog");
    let mut ids = HashSet::new();
    for event in &run.events {
        assert!(ids.insert(event.envelope.id().to_owned()), "{} twice", event.envelope.id());
        let contract = catalog.event(event.envelope.contract()).expect("a shipped contract");
        let violations = contract.validate(event.envelope.data());
        assert!(violations.is_empty(), "{}: {violations:?}", event.envelope.id());
    }
}

#[test]
fn secrets_never_reach_an_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret_classes: Vec<_> = CATALOG
        .iter()
        .filter(|case| matches!(case.expected, ExpectedOutcome::NeverSent { .. }))
        .map(|case| case.class)
        .collect();
    generated(dir.path(), &GenerateOptions::new(60, 5, 1.0).only(&secret_classes));
    let export = LegacyExport::in_dir(dir.path());
    let run = migrated(&export, false);

    let text = std::fs::read_to_string(&export.customers).expect("customers");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let secret_columns = ["password_hash", "rp_token", "password", "taxvat"];
    let mut secrets = Vec::new();
    for record in reader.records() {
        let record = record.expect("row");
        for (column, value) in header.iter().zip(record.iter()) {
            if secret_columns.contains(&column) && value.len() >= 6 {
                secrets.push(value.to_owned());
            }
        }
    }
    assert!(secrets.len() >= 60, "the generator put secrets in ({})", secrets.len());
    let events: Vec<String> =
        run.events.iter().map(|e| e.envelope.to_structured_json().to_string()).collect();
    for secret in &secrets {
        assert!(!events.iter().any(|event| event.contains(secret.as_str())), "a secret reached an event");
    }
}

#[test]
fn quarantines_are_named_by_their_class_and_events_carry_the_classes_of_their_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = generated(dir.path(), &GenerateOptions::new(2_000, 23, 0.6));
    let run = migrated(&LegacyExport::in_dir(dir.path()), true);

    let mut quarantined_by_class: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &run.quarantined {
        if let Some(class) = row.class {
            *quarantined_by_class.entry(class).or_default() += 1;
        }
    }
    let mut carried: BTreeMap<&str, u64> = BTreeMap::new();
    for event in &run.events {
        for class in &event.classes {
            *carried.entry(class.name()).or_default() += 1;
        }
    }
    for case in &CATALOG {
        let put_in = manifest.classes.get(case.name).copied().unwrap_or(0);
        assert!(put_in > 0, "{} was generated", case.name);
        match case.expected {
            ExpectedOutcome::Quarantined { .. } => {
                assert_eq!(quarantined_by_class.get(case.name).copied(), Some(put_in), "{}", case.name)
            }
            // Discarded columns are in no event, so no event shows their class.
            ExpectedOutcome::NeverSent { .. } => {}
            _ => assert!(carried.get(case.name).copied().unwrap_or(0) > 0, "{} on no event", case.name),
        }
    }
}

#[test]
fn unreadable_rows_are_quarantined_with_file_and_line_and_the_rest_migrates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = generated(dir.path(), &GenerateOptions::new(40, 3, 0.0));
    let export = LegacyExport::in_dir(dir.path());
    let good = migrated(&export, false);
    let mut enrollments = std::fs::read(&export.enrollments).expect("enrollments");
    let rows = manifest.rows.enrollments;
    enrollments.extend_from_slice(b"999,1,x@gmail.com,base\n"); // missing fields
    enrollments.extend_from_slice(b"1000,1,\"unterminated"); // a cut-off file
    std::fs::write(&export.enrollments, enrollments).expect("write");
    let mut customers = std::fs::read(&export.customers).expect("customers");
    // A customer row saved in Latin-1 (0xE9 is é): not UTF-8, so not readable as the header says.
    let line = String::from_utf8(customers.clone()).unwrap().lines().nth(1).unwrap().replacen(".", "#", 1);
    let latin1: Vec<u8> = line.bytes().map(|b| if b == b'#' { 0xE9 } else { b }).chain([b'\n']).collect();
    customers.extend_from_slice(&latin1);
    std::fs::write(&export.customers, customers).expect("write");

    let run = migrated(&export, false);
    let file = |path: &std::path::Path| path.display().to_string();
    let places: Vec<(String, u64)> = run.quarantined.iter().map(|q| (q.file.clone(), q.line)).collect();
    assert!(places.contains(&(file(&export.customers), manifest.rows.customers + 2)), "{places:?}");
    assert!(places.contains(&(file(&export.enrollments), rows + 2)), "{places:?}");
    assert!(places.contains(&(file(&export.enrollments), rows + 3)), "{places:?}");
    assert!(run.quarantined.iter().all(|q| !q.reason.is_empty()));
    // Everything readable is there, exactly as without the bad rows.
    assert_eq!(run.events.len(), good.events.len());
    assert_eq!(run.users, good.users);
}
