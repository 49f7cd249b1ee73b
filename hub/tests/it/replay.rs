//! `switchyard sandbox replay` against the org simulator: the shipped catalog's cases pass;
//! when the CRM flow fails silently for a learner without a country, exactly that learner's
//! enrollment fails, with the read-back evidence; the JUnit file says so.

use std::process::Command;
use std::time::Duration;

use serde_json::json;
use switchyard::replay::{Expected, ReplayCase, ReplayTarget, fixture_cases, replay};
use switchyard_contracts::Catalog;
use switchyard_sandbox::OrgConfig;

fn salesforce() -> switchyard_contracts::catalog::SystemCatalog {
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog");
    catalog.system(&"salesforce".parse().unwrap()).expect("salesforce").clone()
}

fn simulate() -> ReplayTarget {
    ReplayTarget::Simulate { org: Box::new(OrgConfig::e_learning().with_silent_failures(true)) }
}

#[tokio::test]
async fn the_shipped_catalog_replays_green_with_junit_and_markdown_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (junit, report) = (dir.path().join("replay.xml"), dir.path().join("replay.md"));
    let status = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sandbox", "replay", "--system", "salesforce", "--simulate", "--format", "json", "--junit"])
        .arg(&junit)
        .arg("--report")
        .arg(&report)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("switchyard runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), salesforce().fixtures.len());
    assert!(cases.iter().all(|case| case["passed"] == true));
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains(&format!("tests=\"{}\"", cases.len())), "{xml}");
    assert!(!xml.contains("<failure"));
    assert!(std::fs::read_to_string(report).unwrap().contains("passed, 0 failed"));

    // The run is the evidence a wave gate reads: in the ledger, with its contract versions.
    let store = switchyard::store::Store::open_sqlite(dir.path()).await.unwrap();
    let runs = store.replay_runs("salesforce", 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!((run.cases, run.passed, run.failed), (cases.len() as i64, cases.len() as i64, 0));
    assert_eq!(run.contracts["enrollment-from-enrollment-created-v2"]["source"], "enrollment.created@v2");
    assert_eq!(run.catalog_digest.len(), 64);
    assert!(run.target.contains("org simulator"));
    store.close().await;
}

/// A learner without a country (the flow's silent failure), then their enrollment.
fn learner_without_country() -> Vec<ReplayCase> {
    let contact = json!({"specversion": "1.0", "id": "x-1", "source": "/legacy/magento", "type": "user.migrated",
        "data": {"legacy_id": "900001", "user_id": "u-no-country", "email": "nocountry@example.com",
            "first_name": "Noor", "last_name": "Haddad", "status": "active", "created_at": "2016-03-04T10:11:12Z",
            "address": {"street": ["1 Side Street"], "city": "Leeds", "postcode": "LS1 1AA"}}});
    let enrollment = json!({"specversion": "1.0", "id": "x-2", "source": "/legacy/magento", "type": "enrollment.created",
        "data": {"enrollment_id": "e-900001", "user_id": "u-no-country", "legacy_user_id": "900001",
            "course_code": "PY-101", "status": "active", "enrolled_at": "2025-09-01T08:00:00Z",
            "price": {"amount": "149.00", "currency": "USD"}, "payment_method": "card"}});
    vec![
        ReplayCase {
            name: "edge/learner without a country".into(),
            mapping: "contact-from-user-migrated".into(),
            event: contact,
            expected: Expected::Confirmed,
            field_checks: Vec::new(),
        },
        ReplayCase {
            name: "edge/enrollment of a learner without a country".into(),
            mapping: "enrollment-from-enrollment-created-v2".into(),
            event: enrollment,
            expected: Expected::Confirmed,
            field_checks: Vec::new(),
        },
    ]
}

#[tokio::test]
async fn a_silent_flow_failure_fails_exactly_the_affected_case_with_its_evidence() {
    let system = salesforce();
    let mut cases = fixture_cases(&system);
    cases.extend(learner_without_country());
    // The simulator runs its flows within the save: nothing to wait for.
    let report = replay(&system, &cases, simulate(), Duration::ZERO).await.expect("replay");
    let failed: Vec<_> = report.cases.iter().filter(|case| !case.passed).collect();
    assert_eq!(
        failed.iter().map(|case| case.name.as_str()).collect::<Vec<_>>(),
        ["edge/enrollment of a learner without a country"]
    );
    let evidence = failed[0].evidence.join("; ");
    assert_eq!(failed[0].outcome, "delivered", "the API said success");
    assert!(
        evidence.contains(
            "no-flow-error-for-enrollment: Flow_Error__c Enrollment_Legacy_Id__c = e-900001 exists"
        ),
        "{evidence}"
    );
    assert!(report.to_junit().unwrap().contains("<failure"));
}

#[tokio::test]
async fn replay_runs_are_kept_and_listed_newest_first_on_both_stores() {
    let system = salesforce();
    let report = replay(&system, &fixture_cases(&system)[..2], simulate(), Duration::ZERO).await.unwrap();
    for ledger in crate::support::ledger::ledgers().await {
        let first = switchyard::replay::run_record(&report, &system, "c".repeat(64), "m".repeat(64));
        ledger.store.record_replay_run(&first).await.unwrap();
        let second = switchyard::replay::run_record(&report, &system, "c".repeat(64), "m".repeat(64));
        ledger.store.record_replay_run(&second).await.unwrap();
        let runs = ledger.store.replay_runs("salesforce", 10).await.unwrap();
        assert_eq!(
            runs.iter().map(|run| run.id.as_str()).collect::<Vec<_>>(),
            [second.id.as_str(), first.id.as_str()]
        );
        assert_eq!(runs[0].report["cases"].as_array().map(Vec::len), Some(2));
        assert!(ledger.store.replay_runs("lms", 10).await.unwrap().is_empty());
        ledger.finish().await;
    }
}

/// The CRM team's one command: the offline contract tests, then the replay against their org
/// (here the standalone simulator, started as they would start a sandbox).
#[test]
fn contracts_test_live_runs_the_offline_tests_and_the_replay_against_an_org() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut org = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sandbox", "salesforce", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the simulator starts");
    let mut lines = BufReader::new(org.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    let base = banner.strip_prefix("switchyard sandbox salesforce listening on ").unwrap().to_owned();
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args([
            "contracts",
            "test",
            "--system",
            "salesforce",
            "--client-id",
            "switchyard-sandbox",
            "--allow",
            "127.0.0.0/8",
            "--live",
        ])
        .arg(format!("{base}/services/oauth2/token"))
        .env("SWITCHYARD_REPLAY_CLIENT_SECRET", "sandbox-secret")
        .output()
        .unwrap();
    let _ = org.kill();
    let _ = org.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains(&format!("# Replay of salesforce against {base}/services/oauth2/token")),
        "{stdout}"
    );
    assert!(stdout.contains("passed, 0 failed"), "{stdout}");
}
