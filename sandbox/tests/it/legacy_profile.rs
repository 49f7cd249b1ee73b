//! Profiling legacy exports: a generated export is found to hold exactly the classes its
//! manifest says were put in, and the samples are anonymized consistently and hold no secret.

use std::collections::HashSet;

use switchyard_sandbox::legacy::columns::{ADDRESS_COLUMNS, ENROLLMENT_COLUMNS, customer_columns};
use switchyard_sandbox::legacy::{CaseClass, GenerateOptions};

use super::legacy_helpers::{export_files, generated, profiled, sample_texts};

#[test]
fn profiling_a_generated_export_finds_the_classes_the_generator_put_in() {
    let dir = tempfile::tempdir().unwrap();
    // Half the users are edge cases, so that every one of the classes is put in.
    let manifest = generated(dir.path(), &GenerateOptions::new(6000, 11, 0.5));
    let missing: Vec<_> = manifest.classes.iter().filter(|(_, n)| **n == 0).collect();
    assert!(missing.is_empty(), "classes the generator never put in: {missing:?}");
    let report = profiled(&export_files(dir.path()), None);
    assert!(report.bad_rows.is_empty(), "{:?}", report.bad_rows);
    for (class, put_in) in &manifest.classes {
        assert_eq!(report.classes[class], *put_in, "class {class}");
    }
    assert_eq!(report.classes, manifest.classes);
}

#[test]
fn an_ordinary_export_shows_no_class() {
    let dir = tempfile::tempdir().unwrap();
    generated(dir.path(), &GenerateOptions::new(2000, 3, 0.0));
    let report = profiled(&export_files(dir.path()), None);
    let found: Vec<_> = report.classes.iter().filter(|(_, n)| **n > 0).collect();
    assert!(found.is_empty(), "ordinary rows matched: {found:?}");
}

/// Every value of `column` in `file` (a CSV with a header).
fn column_values(file: &std::path::Path, column: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let index = reader.headers().unwrap().iter().position(|c| c == column).unwrap();
    reader.records().map(|r| r.unwrap()[index].to_owned()).filter(|v| !v.trim().is_empty()).collect()
}

#[test]
fn samples_hold_no_secret_and_no_original_email_or_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    generated(dir.path(), &GenerateOptions::new(3000, 21, 0.6));
    let customers = dir.path().join("customers.csv");
    let secrets: Vec<String> = ["password_hash", "rp_token", "password"]
        .iter()
        .flat_map(|column| column_values(&customers, column))
        .collect();
    assert!(secrets.len() > 20, "the export holds secrets to leak: {}", secrets.len());
    let emails: HashSet<String> =
        column_values(&customers, "email").into_iter().map(|e| e.trim().to_owned()).collect();
    // Names shorter than 5 characters could be re-drawn by chance; the longer ones cannot.
    let names: HashSet<String> = ["firstname", "lastname"]
        .iter()
        .flat_map(|column| column_values(&customers, column))
        .map(|n| n.trim().to_owned())
        .filter(|n| n.chars().count() >= 5)
        .collect();
    let report = profiled(&export_files(dir.path()), Some(out.path()));
    assert!(report.classes["secret-password-hash"] > 0 && report.classes["secret-reset-token"] > 0);
    let mut outputs = sample_texts(out.path());
    outputs.push(("profile.json".into(), std::fs::read_to_string(out.path().join("profile.json")).unwrap()));
    assert!(outputs.len() > 40);
    for (file, text) in &outputs {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{file} holds a secret");
        }
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        if !file.ends_with(".csv") {
            continue;
        }
        let header = reader.headers().unwrap().clone();
        for record in reader.records() {
            let record = record.unwrap();
            for (column, value) in header.iter().zip(record.iter()) {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                if matches!(column, "email" | "_email" | "customer_email") {
                    assert!(!emails.contains(value), "{file}: original email in `{column}`");
                }
                if matches!(column, "firstname" | "lastname") {
                    assert!(!names.contains(value), "{file}: original name `{value}` in `{column}`");
                }
                if matches!(column, "password_hash" | "rp_token" | "rp_token_created_at" | "password") {
                    panic!("{file}: secret column `{column}` has a value");
                }
            }
        }
    }
}

/// A CSV of `columns` with `rows` (each a list of (column, value); other columns empty).
fn write_csv(path: &std::path::Path, columns: &[&str], rows: &[&[(&str, &str)]]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(columns).unwrap();
    for row in rows {
        let record: Vec<&str> =
            columns.iter().map(|c| row.iter().find(|(k, _)| k == c).map(|(_, v)| *v).unwrap_or("")).collect();
        writer.write_record(record).unwrap();
    }
    writer.flush().unwrap();
}

#[test]
fn pseudonyms_are_consistent_across_files_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let email = "maria.garcia77@gmail.com";
    let customer = [
        ("email", email),
        ("_website", "base"),
        ("firstname", "<b>Maria</b>"),
        ("lastname", "Garcia"),
        ("entity_id", "77"),
        ("dob", "1980-05-06"),
    ];
    let customers = dir.path().join("c.csv");
    write_csv(&customers, &customer_columns(), &[&customer]);
    let addresses = dir.path().join("a.csv");
    let address = [
        ("_website", "base"),
        ("_email", email),
        ("firstname", "Maria"),
        ("lastname", "Garcia"),
        ("country_id", "US"),
        ("region", "calif."),
        ("street", "1 Main St\nApt 2"),
        ("city", "Springfield"),
    ];
    write_csv(&addresses, &ADDRESS_COLUMNS, &[&address]);
    let enrollments = dir.path().join("e.csv");
    let enrollment = [
        ("enrollment_id", "1"),
        ("customer_id", "77"),
        ("customer_email", email),
        ("course_sku", "PMP-PREP-101"),
        ("status", "refunded"),
        ("enrolled_at", "2020-01-01 00:00:00"),
        ("price", "49.0000"),
        ("currency_code", "USD"),
        ("payment_method", "braintree"),
        ("course_provider", "platform"),
    ];
    let second = [
        ("enrollment_id", "2"),
        ("customer_id", "77"),
        ("customer_email", email),
        ("course_sku", "PMP-PREP-101"),
        ("status", "expired"),
        ("enrolled_at", "2020-01-01 00:00:00"),
        ("price", "49.0000"),
        ("currency_code", "USD"),
        ("payment_method", "braintree"),
        ("course_provider", "platform"),
    ];
    write_csv(&enrollments, &ENROLLMENT_COLUMNS, &[&enrollment, &second]);
    let report = profiled(&[enrollments, customers, addresses], Some(out.path()));
    for class in [
        "name-html",
        "address-street-multiline",
        "address-us-state-free-text",
        "enrollment-refunded",
        "enrollment-expired",
    ] {
        assert_eq!(report.classes[class], 1, "{class}");
    }
    let sample_value = |class: CaseClass, column: &str| {
        column_values(&out.path().join("samples").join(format!("{}.csv", class.name())), column).remove(0)
    };
    let pseudonyms = [
        sample_value(CaseClass::NameHtml, "email"),
        sample_value(CaseClass::AddressStreetMultiline, "_email"),
        sample_value(CaseClass::AddressUsStateFreeText, "_email"),
        sample_value(CaseClass::EnrollmentRefunded, "customer_email"),
        sample_value(CaseClass::EnrollmentExpired, "customer_email"),
    ];
    assert!(pseudonyms.iter().all(|p| *p == pseudonyms[0]), "{pseudonyms:?}");
    assert_ne!(pseudonyms[0], email);
    assert_eq!(pseudonyms[0].len(), email.len());
    assert_eq!(
        sample_value(CaseClass::NameHtml, "lastname"),
        sample_value(CaseClass::AddressStreetMultiline, "lastname")
    );
    assert_ne!(sample_value(CaseClass::NameHtml, "lastname"), "Garcia");
    // The sample still shows its class: the street keeps its lines, the name its markup.
    assert_eq!(sample_value(CaseClass::AddressStreetMultiline, "street").lines().count(), 2);
    assert!(sample_value(CaseClass::NameHtml, "firstname").starts_with("<"));
}
