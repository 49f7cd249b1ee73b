//! `switchyard sandbox generate | profile | cases` as a user runs them: a generated export is
//! profiled to the manifest's counts, and a bad row makes the profile exit 1 and name it.

use std::process::{Command, Output};

use serde_json::Value;

fn switchyard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard")).args(args).output().expect("run switchyard")
}

#[test]
fn a_generated_export_profiles_to_its_manifest_and_a_bad_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let export_arg = export.to_str().unwrap();
    let out = switchyard(&[
        "sandbox",
        "generate",
        "--users",
        "3000",
        "--seed",
        "4",
        "--out",
        export_arg,
        "--edge-share",
        "0.4",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(export.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<String> = ["customers.csv", "addresses.csv", "enrollments.csv"]
        .iter()
        .map(|f| export.join(f).display().to_string())
        .collect();
    let mut args = vec!["sandbox", "profile", "--format", "json", "--key", "k"];
    args.extend(files.iter().map(String::as_str));
    let out = switchyard(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["classes"], manifest["classes"]);

    // A truncated last row: reported with its file and line, exit 1, the rest still counted.
    let mut customers = std::fs::read(&files[0]).unwrap();
    customers.extend_from_slice(b"cut@gmail.com,base\n");
    std::fs::write(&files[0], customers).unwrap();
    let out = switchyard(&args);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["bad_rows"][0]["file"], files[0].as_str());
    assert_eq!(report["bad_rows"][0]["line"], 3002);
    assert_eq!(report["classes"], manifest["classes"]);

    let out = switchyard(&["sandbox", "cases", "--format", "json"]);
    let cases: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(cases.as_array().unwrap().len() >= 40);
}
