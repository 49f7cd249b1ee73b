//! `switchyard sandbox replay --contracts ...`: the current catalog and proposed ones replayed
//! side by side. A proposed Contact mapping that stops leaving out emails too long for
//! Salesforce changes exactly one case's outcome, and one that drops FirstName changes none:
//! the comparison says so in JSON, Markdown and JUnit (one suite per set), exits 1, and every
//! set's run is in the ledger with its own catalog.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::files::copy_dir;

const CHANGED: &str =
    "contact-from-user-migrated/email longer than 80 characters is left out rather than failing the Contact";

/// The shipped catalog under `dir/name`, with its Contact mapping's field `field` set to
/// `expression` (or dropped).
fn proposed_catalog(dir: &Path, name: &str, field: &str, expression: Option<&str>) -> PathBuf {
    let root = dir.join(name);
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/catalog"), &root);
    let path = root.join("systems/salesforce/mappings/contact-from-user-migrated.toml");
    let mut mapping: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let fields = mapping["fields"].as_table_mut().unwrap();
    let shipped = match expression {
        Some(expression) => fields.insert(field.to_owned(), expression.into()),
        None => fields.remove(field),
    };
    assert!(shipped.is_some(), "the shipped Contact mapping has no {field}");
    std::fs::write(&path, toml::to_string(&mapping).unwrap()).unwrap();
    root
}

#[tokio::test]
async fn the_comparison_names_exactly_the_cases_whose_outcome_changes() {
    let dir = tempfile::tempdir().unwrap();
    let long_emails = proposed_catalog(
        dir.path(),
        "long-emails",
        "Email",
        Some(".email // empty | trim | ascii_downcase | select(is_email)"),
    );
    let no_first_name = proposed_catalog(dir.path(), "no-first-name", "FirstName", None);
    let (junit, markdown) = (dir.path().join("replay.xml"), dir.path().join("replay.md"));
    let run = |report: &Path| {
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["sandbox", "replay", "--system", "salesforce", "--simulate", "--format", "json"])
            .args(["--contracts", "current", "--contracts"])
            .arg(&long_emails)
            .arg("--contracts")
            .arg(&no_first_name)
            .arg("--junit")
            .arg(&junit)
            .arg("--report")
            .arg(report)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .expect("switchyard runs")
    };
    let output = run(&markdown);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();

    assert_eq!(json["changed"], serde_json::json!([CHANGED]));
    let sets = json["sets"].as_array().unwrap();
    let names: Vec<&str> = sets.iter().map(|set| set["contracts"].as_str().unwrap()).collect();
    let (long_name, no_first) = (long_emails.display().to_string(), no_first_name.display().to_string());
    assert_eq!(names, ["current", long_name.as_str(), no_first.as_str()]);
    let failed: Vec<i64> = sets
        .iter()
        .map(|set| {
            set["report"]["cases"].as_array().unwrap().iter().filter(|c| c["passed"] == false).count() as i64
        })
        .collect();
    assert_eq!(failed, [0, 1, 0]);
    let changed = json["cases"].as_array().unwrap().iter().find(|case| case["name"] == CHANGED).unwrap();
    let under: Vec<(&Value, &Value)> =
        changed["under"].as_array().unwrap().iter().map(|u| (&u["passed"], &u["outcome"])).collect();
    assert_eq!(under[0], (&Value::Bool(true), &Value::from("delivered")));
    assert_eq!(under[1].0, &Value::Bool(false));
    assert!(under[1].1.as_str().unwrap().contains("STRING_TOO_LONG"), "{changed}");
    assert_eq!(under[2], under[0]);

    let text = std::fs::read_to_string(&markdown).unwrap();
    assert!(text.starts_with("# Replay of salesforce under 3 contract sets"), "{text}");
    assert!(text.contains(&format!("## Cases that change outcome (1)\n\n- {CHANGED}")), "{text}");

    let xml = std::fs::read_to_string(&junit).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    let suites: Vec<(String, usize, usize)> = report
        .test_suites
        .iter()
        .map(|suite| (suite.name.to_string(), suite.tests, suite.failures))
        .collect();
    let cases = sets[0]["report"]["cases"].as_array().unwrap().len();
    assert_eq!(
        suites,
        [
            ("replay/salesforce under current".to_owned(), cases, 0),
            (format!("replay/salesforce under {long_name}"), cases, 1),
            (format!("replay/salesforce under {no_first}"), cases, 0),
        ]
    );

    // Every set's run is evidence of its own: its catalog's digest and its counts.
    let store = switchyard::store::Store::open_sqlite(dir.path()).await.unwrap();
    let mut runs = store.replay_runs("salesforce", 10).await.unwrap();
    store.close().await;
    runs.reverse();
    assert_eq!(runs.iter().map(|run| run.failed).collect::<Vec<_>>(), [0, 1, 0]);
    let digests: std::collections::HashSet<&str> =
        runs.iter().map(|run| run.catalog_digest.as_str()).collect();
    assert_eq!(digests.len(), 3, "each set recorded with its own catalog");
}

#[test]
fn one_contract_set_replays_as_without_the_flag_and_a_set_without_the_system_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let switchyard = |contracts: &Path| {
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["sandbox", "replay", "--system", "lms", "--format", "json", "--contracts"])
            .arg(contracts)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let proposed = dir.path().join("proposed");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/catalog"), &proposed);
    let output = switchyard(&proposed);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["system"], "lms", "a single set gives the plain report");
    assert!(json["cases"].as_array().is_some_and(|cases| cases.iter().all(|case| case["passed"] == true)));

    std::fs::remove_dir_all(proposed.join("systems/lms")).unwrap();
    let output = switchyard(&proposed);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains(&format!("--contracts {}: the catalog at {0} has no system `lms`", proposed.display())),
        "{stderr}"
    );
}
