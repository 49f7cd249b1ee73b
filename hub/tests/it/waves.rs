//! `switchyard wave plan | signoff | gate` on an imported export: cohorts take each user
//! once, the plan counts what each system gets and names its owners, and the gates pass only
//! with passing replays of the versions in use and every owner's sign-off.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::ledger::postgres_ledger_for_cli;

fn switchyard(data_dir: &Path, args: &[&str]) -> (i32, Value, String) {
    switchyard_with(data_dir, args, &[])
}

/// As [`switchyard`], with environment variables (e.g. a PostgreSQL ledger's URL).
fn switchyard_with(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, Value, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    command.args(args).envs(env.iter().copied());
    // Every command that touches the store takes the data directory; the generator does not.
    if args[..2] != ["sandbox", "generate"] {
        command.arg("--data-dir").arg(data_dir);
    }
    let output = command.output().expect("switchyard runs");
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn imported(dir: &Path) -> u64 {
    imported_with(dir, &[])
}

fn imported_with(dir: &Path, env: &[(&str, &str)]) -> u64 {
    let export = dir.join("export");
    let (code, _, err) = switchyard(
        dir,
        &["sandbox", "generate", "--users", "200", "--seed", "4", "--out", export.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let file = |name: &str| export.join(name).display().to_string();
    let (code, _, err) = switchyard_with(
        dir,
        &[
            "legacy",
            "import",
            "--customers",
            &file("customers.csv"),
            "--addresses",
            &file("addresses.csv"),
            "--enrollments",
            &file("enrollments.csv"),
        ],
        env,
    );
    assert_eq!(code, 0, "{err}");
    200
}

#[test]
fn a_cohort_takes_each_user_once_and_the_plan_counts_each_systems_records_and_owners() {
    let dir = tempfile::tempdir().unwrap();
    imported(dir.path());
    let (code, first, err) =
        switchyard(dir.path(), &["wave", "plan", "w1", "--select", "10%", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(first["wave"]["users"], 20, "10% of the 200 imported users");
    let by_status: i64 =
        first["users_by_status"].as_object().unwrap().values().filter_map(Value::as_i64).sum();
    assert_eq!(by_status, 20);
    let systems = first["systems"].as_array().unwrap();
    let salesforce = systems.iter().find(|s| s["system"] == "salesforce").expect("salesforce is impacted");
    assert_eq!(salesforce["records"]["contact-from-user-migrated"], 20);
    assert!(salesforce["delivery_calls"].as_i64().unwrap() >= 3, "{salesforce}");
    assert!(salesforce["owner"].is_string(), "{salesforce}");

    let (code, rest, err) =
        switchyard(dir.path(), &["wave", "plan", "w2", "--select", "rest", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let rest_users = rest["wave"]["users"].as_i64().unwrap();
    assert!(rest_users > 100 && rest_users <= 180, "{rest_users}");
    let (code, _, err) = switchyard(dir.path(), &["wave", "plan", "w3", "--select", "rest"]);
    assert_ne!(code, 0);
    assert!(err.contains("takes no user"), "{err}");
    let (code, _, err) = switchyard(dir.path(), &["wave", "plan", "w1", "--select", "rest"]);
    assert_ne!(code, 0);
    assert!(err.contains("exists already"), "{err}");
    let (code, _, err) = switchyard(dir.path(), &["wave", "plan", "w4", "--select", "status=gone"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--select status=gone: a status is active, inactive or expired"), "{err}");
}

#[test]
fn the_gates_pass_only_with_passing_replays_of_the_versions_in_use_and_every_sign_off() {
    let dir = tempfile::tempdir().unwrap();
    imported(dir.path());
    let (code, plan, err) =
        switchyard(dir.path(), &["wave", "plan", "w1", "--select", "5%", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let gate = |dir: &Path| switchyard(dir, &["wave", "gate", "w1", "--format", "json"]);
    let (code, report, _) = gate(dir.path());
    assert_eq!(code, 1, "gates fail before any replay or sign-off");
    let verdict = |report: &Value, name: &str| {
        report["gates"].as_array().unwrap().iter().find(|g| g["gate"] == name).unwrap()["passed"].clone()
    };
    assert_eq!(verdict(&report, "map-coverage"), true);
    assert_eq!(verdict(&report, "contract-tests"), true);
    assert_eq!(verdict(&report, "replay"), false);
    assert!(report.to_string().contains("no replay recorded"), "{report}");
    assert_eq!(verdict(&report, "signoff"), false);

    let impacted: Vec<(String, String)> = plan["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (s["system"].as_str().unwrap().to_owned(), s["owner"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    for (system, owner) in &impacted {
        let (code, _, err) = switchyard(dir.path(), &["sandbox", "replay", "--system", system, "--simulate"]);
        assert_eq!(code, 0, "{system}: {err}");
        let (code, _, err) =
            switchyard(dir.path(), &["wave", "signoff", "w1", "--owner", owner, "--by", "dana"]);
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) =
        switchyard(dir.path(), &["wave", "signoff", "w1", "--owner", "nobody", "--by", "dana"]);
    assert_ne!(code, 0);
    assert!(err.contains("not an owner"), "{err}");

    let (code, report, err) = gate(dir.path());
    assert_eq!(code, 0, "{report} {err}");
    assert!(report.to_string().contains("signed off by dana"), "{report}");
    let (_, shown, _) = switchyard(dir.path(), &["wave", "show", "w1", "--format", "json"]);
    let actions: Vec<&str> =
        shown["actions"].as_array().unwrap().iter().filter_map(|a| a["action"].as_str()).collect();
    assert_eq!(actions.first(), Some(&"planned"));
    assert_eq!(actions.iter().filter(|a| **a == "gates-failed").count(), 1);
    assert_eq!(actions.last(), Some(&"gates-passed"));
}

#[tokio::test]
async fn on_postgres_cohorts_take_each_user_once_too() {
    let Some((ledger, schema_url)) = postgres_ledger_for_cli("wave").await else { return };
    let env = [("SWITCHYARD_DATABASE_URL", schema_url.as_str())];
    let dir = tempfile::tempdir().unwrap();
    imported_with(dir.path(), &env);
    let plan = |name: &str, select: &str| {
        switchyard_with(dir.path(), &["wave", "plan", name, "--select", select, "--format", "json"], &env)
    };
    let (code, first, err) = plan("w1", "10%");
    assert_eq!(code, 0, "{err}");
    assert_eq!(first["wave"]["users"], 20, "10% of the 200 imported users");
    let (code, rest, err) = plan("w2", "rest");
    assert_eq!(code, 0, "{err}");
    let rest_users = rest["wave"]["users"].as_i64().unwrap();
    assert!(rest_users > 100 && rest_users <= 180, "{rest_users}");
    let (code, _, err) = plan("w3", "rest");
    assert!(code != 0 && err.contains("takes no user"), "{err}");
    let (code, report, _) = switchyard_with(dir.path(), &["wave", "gate", "w1", "--format", "json"], &env);
    assert_eq!(code, 1, "{report}");
    ledger.finish().await;
}
