//! `switchyard sandbox replay --system lms`: the LMS's cases through the real mapping and the
//! real webhook adapter. Against the receiver simulator every fixture passes on what the
//! receiver recorded; a receiver that answers 4xx fails exactly that case, naming the answer;
//! against a partner's endpoint a 2xx is the evidence, and the run is recorded.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use switchyard::replay::{Expected, ReplayTarget, fixture_cases, replay};
use switchyard_contracts::Catalog;
use switchyard_contracts::catalog::SystemCatalog;

fn lms() -> SystemCatalog {
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog");
    catalog.system(&"lms".parse().unwrap()).expect("lms").clone()
}

fn evidence(case: &Value) -> String {
    case["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn every_lms_fixture_passes_on_what_the_receiver_simulator_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("replay.xml");
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sandbox", "replay", "--system", "lms", "--simulate", "--format", "json", "--junit"])
        .arg(&junit)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("switchyard runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        json["target"].as_str().unwrap().starts_with("the webhook receiver simulator at http://127.0.0.1:")
    );
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), lms().fixtures.len());
    for case in cases {
        assert_eq!(case["passed"], true, "{case}");
        let evidence = evidence(case);
        if case["expected"]["kind"] == "skipped" {
            assert_eq!(evidence, "nothing arrived at the receiver", "{case}");
        } else {
            assert!(evidence.contains(" once; the body it recorded equals the mapped record"), "{case}");
            assert!(case["request"].as_str().unwrap().starts_with("POST "), "{case}");
        }
    }
    let refunded = cases.iter().find(|case| case["name"].as_str().unwrap().contains("refunded")).unwrap();
    assert_eq!(refunded["outcome"], "skipped by the mapping");

    let xml = std::fs::read_to_string(junit).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit XML");
    assert_eq!((report.tests, report.failures), (cases.len(), 0));

    let store = switchyard::store::Store::open_sqlite(dir.path()).await.unwrap();
    let runs = store.replay_runs("lms", 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].contracts["learner-from-user-migrated"]["target"], "learner@v1");
    store.close().await;
}

#[tokio::test]
async fn a_receiver_answering_4xx_fails_exactly_that_case_naming_the_answer() {
    let system = lms();
    let cases = fixture_cases(&system);
    let first_sent = cases.iter().position(|case| case.expected == Expected::Confirmed).unwrap();
    let target = ReplayTarget::SimulateWebhook { answers: vec![(422, None)] };
    let report = replay(&system, &cases, target, Duration::ZERO).await.expect("replay");
    let failed: Vec<_> = report.cases.iter().filter(|case| !case.passed).collect();
    assert_eq!(
        failed.iter().map(|case| case.name.as_str()).collect::<Vec<_>>(),
        [cases[first_sent].name.as_str()]
    );
    let problems = failed[0].problems.join("; ");
    assert!(problems.contains("downstream rejected the request (422)"), "{problems}");
    assert!(failed[0].evidence.is_empty(), "nothing to read back from a refused delivery");
    assert!(report.to_junit().unwrap().contains("(422)"));
}

/// A partner's endpoint (here the standalone receiver, started as a partner would): signed
/// with the secret from the environment, reached through `--allow`, a 2xx is all it tells.
#[test]
fn against_an_endpoint_a_2xx_is_the_evidence_and_the_run_is_recorded() {
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let dir = tempfile::tempdir().unwrap();
    let mut endpoint = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sandbox", "webhook", "--listen", "127.0.0.1:0"])
        .env("SWITCHYARD_SANDBOX_WEBHOOK_SECRET", SECRET)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the receiver starts");
    let banner = BufReader::new(endpoint.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = banner.strip_prefix("switchyard sandbox webhook listening on ").unwrap().to_owned();
    let replay = |secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["sandbox", "replay", "--system", "lms", "--allow", "127.0.0.0/8", "--format", "json"])
            .args(["--against", &url, "--data-dir"])
            .arg(dir.path())
            .env("SWITCHYARD_REPLAY_WEBHOOK_SECRET", secret)
            .output()
            .unwrap()
    };
    let output = replay(SECRET);
    let refused = replay("not-a-secret");
    let _ = endpoint.kill();
    let _ = endpoint.wait();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["target"], url.as_str());
    for case in json["cases"].as_array().unwrap() {
        let expected = if case["expected"]["kind"] == "skipped" {
            "nothing sent; the endpoint cannot be read back"
        } else {
            "accepted (HTTP 2xx); the endpoint cannot be read back"
        };
        assert_eq!(evidence(case), expected, "{case}");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("recorded in the ledger"));
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr).trim(),
        "error: SWITCHYARD_REPLAY_WEBHOOK_SECRET: must start with `whsec_`"
    );
}
