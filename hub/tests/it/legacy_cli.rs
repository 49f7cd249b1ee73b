//! `switchyard legacy import | quarantine` as a user runs them on a generated export: every
//! customer and enrollment row is accounted for, a corrupt row is quarantined with its file
//! and line while the rest imports, importing again stages nothing twice, secrets never reach
//! the ledger, and the same on PostgreSQL when `SWITCHYARD_TEST_POSTGRES_URL` is set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use switchyard_sandbox::legacy::reader::{LegacyCsv, column_indices, field};
use switchyard_sandbox::legacy::{CaseClass, GenerateOptions, Manifest, generate_into_dir};

use crate::support::ledger::{POSTGRES_URL_VAR, Place, postgres_ledger};

const EXPORTED_AT: &str = "2026-12-01T00:00:00Z";

fn switchyard(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    command.args(args).env_remove("SWITCHYARD_CONFIG").env_remove("SWITCHYARD_DATABASE_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run switchyard")
}

struct Export {
    dir: PathBuf,
    manifest: Manifest,
}

impl Export {
    fn generate(root: &Path, options: &GenerateOptions) -> Export {
        let dir = root.join("export");
        let manifest = generate_into_dir(options, &dir).unwrap();
        Export { dir, manifest }
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// `legacy import` of the three files into the store `location` names.
    fn import(&self, location: &[&str], env: &[(&str, &str)]) -> Value {
        let (customers, addresses, enrollments) =
            (self.file("customers.csv"), self.file("addresses.csv"), self.file("enrollments.csv"));
        let mut args = vec!["legacy", "import", "--customers", &customers, "--addresses", &addresses];
        args.extend(["--enrollments", &enrollments, "--exported-at", EXPORTED_AT, "--format", "json"]);
        args.extend(location);
        let out = switchyard(&args, env);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn quarantine(location: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["legacy", "quarantine", "--format", "json"];
    args.extend(location);
    let out = switchyard(&args, env);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn total(counts: &Value) -> u64 {
    counts.as_object().unwrap().values().map(|count| count.as_u64().unwrap()).sum()
}

/// The distinct lines of `file` the quarantine lists.
fn quarantined_lines(listing: &Value, file: &str) -> BTreeSet<u64> {
    listing["quarantined"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["file"].as_str().unwrap().ends_with(file))
        .map(|row| row["line"].as_u64().unwrap())
        .collect()
}

/// Every account is a user or quarantined; every enrollment row an event or quarantined.
fn assert_every_row_accounted_for(report: &Value, listing: &Value, manifest: &Manifest) {
    let users = total(&report["users"]);
    let accounts = quarantined_lines(listing, "customers.csv").len() as u64;
    assert_eq!(users + accounts, manifest.rows.customers, "{report}");
    let enrollments = report["events"]["enrollment.created@v2"].as_u64().unwrap();
    let rows = quarantined_lines(listing, "enrollments.csv").len() as u64;
    assert_eq!(enrollments + rows, manifest.rows.enrollments, "{report}");
    assert_eq!(report["events"]["user.migrated@v1"].as_u64().unwrap(), users);
    let quarantined: u64 = report["quarantined"]
        .as_object()
        .unwrap()
        .values()
        .map(|group| group["count"].as_u64().unwrap())
        .sum();
    assert_eq!(quarantined, listing["quarantined"].as_array().unwrap().len() as u64);
}

#[test]
fn an_export_imports_with_every_row_accounted_for_and_a_corrupt_row_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let export = Export::generate(dir.path(), &GenerateOptions::new(2_000, 7, 0.3));
    // A row cut off mid-way, as a truncated transfer leaves it, then one more good row.
    let enrollments = export.dir.join("enrollments.csv");
    let mut text = std::fs::read_to_string(&enrollments).unwrap();
    let last = text.lines().last().unwrap().to_owned();
    let cut_line = text.lines().count() as u64 + 1;
    text.push_str(&last[..last.len() / 2]);
    text.push('\n');
    std::fs::write(&enrollments, text).unwrap();
    let mut manifest = export.manifest.clone();
    manifest.rows.enrollments += 1;

    let data_dir = dir.path().join("data");
    let location = ["--data-dir", data_dir.to_str().unwrap()];
    let report = export.import(&location, &[]);
    let listing = quarantine(&location, &[]);
    assert_every_row_accounted_for(&report, &listing, &manifest);
    let cut = listing["quarantined"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["line"] == cut_line && row["file"].as_str().unwrap().ends_with("enrollments.csv"))
        .unwrap_or_else(|| panic!("line {cut_line} is not quarantined: {listing}"));
    assert!(cut["reason"].as_str().unwrap().contains("fields"), "{cut}");
    assert_eq!(listing["import"]["id"], report["import_id"]);

    // Nothing is delivered until a wave releases it.
    let out = switchyard(&["deliveries", "status", "--format", "json", "--data-dir", location[1]], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), serde_json::json!([]));

    // The text listing names places and reasons.
    let out = switchyard(&["legacy", "quarantine", "--data-dir", location[1]], &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!("enrollments.csv:{cut_line}: ")), "{text}");
}

#[test]
fn importing_the_same_export_again_stages_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let export = Export::generate(dir.path(), &GenerateOptions::new(500, 3, 0.2));
    let data_dir = dir.path().join("data");
    let location = ["--data-dir", data_dir.to_str().unwrap()];
    let first = export.import(&location, &[]);
    let again = export.import(&location, &[]);
    assert_idempotent(&first, &again);
}

fn assert_idempotent(first: &Value, again: &Value) {
    assert!(first["staged"]["events_staged"].as_u64().unwrap() > 0, "{first}");
    assert_eq!(first["staged"]["events_already_staged"], 0);
    assert_eq!(again["staged"]["events_staged"], 0, "{again}");
    assert_eq!(again["staged"]["events_already_staged"], first["staged"]["events_staged"]);
    assert_eq!(again["staged"]["users_staged"], 0);
    assert_eq!(again["staged"]["users_already_staged"], first["staged"]["users_staged"]);
    assert_eq!(again["users"], first["users"]);
    assert_eq!(again["events"], first["events"]);
}

#[test]
fn password_hashes_and_reset_tokens_never_reach_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let secrets =
        [CaseClass::SecretPasswordHash, CaseClass::SecretResetToken, CaseClass::SecretPlaintextPassword];
    let export = Export::generate(dir.path(), &GenerateOptions::new(300, 5, 1.0).only(&secrets));
    let values = secret_values(&export.dir.join("customers.csv"));
    assert!(values.len() >= 100, "the generator put in {} secrets", values.len());

    let data_dir = dir.path().join("data");
    let report = export.import(&["--data-dir", data_dir.to_str().unwrap()], &[]);
    assert!(total(&report["users"]) > 0);
    // Every byte the ledger holds (the database and any write-ahead log left).
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&data_dir).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    for value in &values {
        assert!(!stored.contains(value.as_str()), "a secret from customers.csv reached the ledger");
    }
}

/// The non-empty `password_hash`, `rp_token` and `password` fields of a customers file.
fn secret_values(customers: &Path) -> Vec<String> {
    let csv = LegacyCsv::open(customers).unwrap();
    let columns = column_indices(&csv.header, ["password_hash", "rp_token", "password"]);
    let mut values = Vec::new();
    csv.for_each_row(&mut Vec::new(), |_, record| {
        values.extend(
            columns.iter().map(|&column| field(record, column)).filter(|v| !v.is_empty()).map(str::to_owned),
        );
    });
    values
}

#[test]
fn a_missing_or_mistaken_file_is_named_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let export = Export::generate(dir.path(), &GenerateOptions::new(50, 1, 0.0));
    let data_dir = dir.path().join("data");
    let data_dir = data_dir.to_str().unwrap();
    let customers = export.file("customers.csv");
    let refused = |enrollments: &str| {
        let args = ["legacy", "import", "--customers", &customers, "--enrollments", enrollments];
        let out = switchyard(&[&args[..], &["--data-dir", data_dir]].concat(), &[]);
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let missing = dir.path().join("nowhere.csv").display().to_string();
    let stderr = refused(&missing);
    assert!(stderr.contains("nowhere.csv"), "{stderr}");
    let out = switchyard(&["legacy", "quarantine", "--data-dir", data_dir], &[]);
    assert_eq!(out.status.code(), Some(2), "no import was recorded");

    // The customers file given as the enrollments file: named, with what its header is.
    let stderr = refused(&customers);
    assert!(
        stderr.contains("given as the enrollments file, but its header is the customers.csv"),
        "{stderr}"
    );
}

#[tokio::test]
async fn on_postgres_an_export_imports_and_imports_again_idempotently() {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("{POSTGRES_URL_VAR} is not set: the PostgreSQL import test did not run");
        return;
    };
    let ledger = postgres_ledger(&url).await;
    let Place::Postgres(place) = &ledger.place else { unreachable!("a PostgreSQL ledger") };
    let separator = if url.contains('?') { '&' } else { '?' };
    let schema_url = format!("{url}{separator}options=-c%20search_path%3D{}", place.schema);
    let env = [("SWITCHYARD_DATABASE_URL", schema_url.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let export = Export::generate(dir.path(), &GenerateOptions::new(800, 11, 0.3));

    let first = export.import(&[], &env);
    let listing = quarantine(&[], &env);
    assert_every_row_accounted_for(&first, &listing, &export.manifest);
    let again = export.import(&[], &env);
    assert_idempotent(&first, &again);
    ledger.finish().await;
}
