//! `switchyard contracts ...`: the shipped catalog passes, findings exit 1, unusable input 2.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::files::copy_dir;

fn switchyard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard")).args(args).output().expect("run switchyard")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn check_passes_on_the_shipped_catalog() {
    let output = switchyard(&["contracts", "check"]);
    assert_eq!(output.status.code(), Some(0), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("0 error(s)"), "{}", stdout(&output));
}

#[test]
fn test_writes_a_valid_junit_file() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("contracts.xml");
    let output = switchyard(&["contracts", "test", "--junit", junit.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report =
        quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&junit).unwrap()).unwrap();
    assert!(report.tests >= 20);
    assert_eq!(report.failures, 0);
    assert!(
        stdout(&output).ends_with(&format!("{} passed, 0 failed\n", report.tests)),
        "{}",
        stdout(&output)
    );
}

#[test]
fn diff_exits_1_and_names_the_field_of_a_breaking_change() {
    // v1 -> v2 is backward compatible ...
    let output = switchyard(&["contracts", "diff", "enrollment.created@v1", "enrollment.created@v2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // ... and going back removes fields v2 consumers may read, which FULL reports.
    let output = switchyard(&[
        "contracts",
        "diff",
        "enrollment.created@v2",
        "enrollment.created@v1",
        "--mode",
        "full",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("course_provider"), "{}", stdout(&output));
    let json = switchyard(&[
        "contracts",
        "diff",
        "enrollment.created@v1",
        "enrollment.created@v2",
        "--mode",
        "forward",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json output");
    assert_eq!(report["mode"], "FORWARD");
    assert_eq!(report["incompatibilities"].as_array().map(Vec::len), Some(2));
}

#[test]
fn unusable_input_exits_2_with_a_clear_error() {
    let output = switchyard(&["contracts", "schema", "enrollment.created"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("enrollment.created@v2"), "{}", stderr(&output));
    let output = switchyard(&["contracts", "diff", "enrollment.created@v1", "enrollment.created@v7"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("v7"), "{}", stderr(&output));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("systems/x/mappings")).unwrap();
    std::fs::write(dir.path().join("systems/x/mappings/m.toml"), "source = 1").unwrap();
    let output = switchyard(&["contracts", "check", "--catalog", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("systems/x/mappings/m.toml"), "{}", stderr(&output));
}

#[test]
fn import_describe_writes_the_next_version() {
    let catalog = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/catalog"), catalog.path());
    let describe = catalog.path().join("contact-describe.json");
    std::fs::write(
        &describe,
        r#"{"name": "Contact", "fields": [
            {"name": "Legacy_Id__c", "type": "string", "length": 64, "createable": true, "nillable": false, "externalId": true, "unique": true},
            {"name": "LastName", "type": "string", "length": 80, "createable": true, "nillable": false},
            {"name": "Region__c", "type": "string", "length": 40, "createable": true, "nillable": false}
        ]}"#,
    )
    .unwrap();
    let root = catalog.path().to_str().unwrap();
    let args = [
        "contracts",
        "import-describe",
        describe.to_str().unwrap(),
        "--system",
        "salesforce",
        "--object",
        "Contact",
        "--catalog",
        root,
    ];
    let output = switchyard(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(catalog.path().join("systems/salesforce/targets/Contact/v2.toml").is_file());
    // The CRM team's new required field breaks the Contact mapping: diff says so.
    let output = switchyard(&[
        "contracts",
        "diff",
        "salesforce/Contact@v1",
        "salesforce/Contact@v2",
        "--catalog",
        root,
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("Region__c") && stdout(&output).contains("contact-from-user-migrated"),
        "{}",
        stdout(&output)
    );
}

#[cfg(unix)]
#[test]
fn a_command_piped_into_a_reader_that_went_away_ends_quietly() {
    // `switchyard contracts test | head -1`, with the reader gone before the first line: the
    // pipe's read end is closed before the command starts, so its first write finds it closed.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["contracts", "test"])
        .stdout(writer)
        .output()
        .expect("run switchyard");
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    // Ended by SIGPIPE (13), as Unix tools are, not by a panic's exit code 101.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(output.status.signal(), Some(13), "{:?}: {}", output.status, stderr(&output));
}
