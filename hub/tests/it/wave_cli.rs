//! Waves from the command line against `switchyard serve` processes: `wave start` refuses on
//! failing gates and starts with a recorded override, `pause`, `status` and `resume` act on a
//! wave another process feeds; and a hub killed mid-wave completes it after a restart, with
//! nothing lost and nothing doubled downstream.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use switchyard::serve::open_ledger;
use switchyard_sandbox::{OrgConfig, SalesforceSimulator};

use crate::support::hub::receiver;
use crate::support::process::Hub;
use crate::support::waves::{
    config_in, control, import, plan, start_overriding, systems_toml, wait_for, wait_for_state,
};

fn wave(dir: &Path, config: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("wave")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(config)
        .output()
        .expect("switchyard runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_starts_pauses_and_resumes_a_wave_that_a_hub_process_feeds() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), 40, 5, &[], 0.0).await;
    let simulator =
        SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), OrgConfig::e_learning()).await.unwrap();
    let receiver = receiver().await;
    let toml = systems_toml(&simulator, &receiver, "[waves.feed]\nrate = 40\nramp = \"0s\"\n");
    let config = dir.path().join("switchyard.toml");
    std::fs::write(&config, &toml).unwrap();
    let store = open_ledger(&config_in(dir.path(), &toml)).await.unwrap();

    let (code, _, err) = wave(dir.path(), &config, &["plan", "w1", "--select", "100%"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = wave(dir.path(), &config, &["start", "w1"]);
    assert_eq!(code, 1, "refused while gates fail: {out}{err}");
    assert!(out.contains("FAIL replay") && out.contains("FAIL signoff"), "{out}");
    assert!(err.contains("--override"), "{err}");
    let (code, _, err) = wave(dir.path(), &config, &["start", "w1", "--override", "replay", "--by", "ana"]);
    assert_eq!(code, 2, "an override without a reason is refused: {err}");
    assert!(err.contains("--reason"), "{err}");
    let overriding = [
        "start",
        "w1",
        "--override",
        "replay",
        "--override",
        "signoff",
        "--reason",
        "rehearsal",
        "--by",
        "ana",
    ];
    let (code, _, err) = wave(dir.path(), &config, &overriding);
    assert_eq!(code, 0, "{err}");

    let hub = Hub::start(dir.path(), &["--config", config.to_str().unwrap()]).expect("the hub starts");
    wait_for(&store, "w1", |run| run.fed_users > 0).await;
    let (code, _, err) = wave(dir.path(), &config, &["pause", "w1", "--reason", "CRM freeze", "--by", "ana"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = wave(dir.path(), &config, &["status", "w1", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["state"], "paused", "{status}");
    assert_eq!(status["paused_by"]["actor"], "ana", "{status}");
    assert_eq!(status["paused_by"]["reason"], "CRM freeze", "{status}");
    let (code, _, err) = wave(dir.path(), &config, &["resume", "w1", "--by", "ana"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = wave(dir.path(), &config, &["status", "w1", "--watch"]);
    assert_eq!(code, 0, "the watch ends when the wave completes: {out}{err}");
    assert!(out.contains("wave w1 is completed"), "{out}");
    assert_eq!(hub.stop(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_killed_mid_wave_completes_it_after_a_restart_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), 60, 9, &[], 0.0).await;
    let simulator =
        SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), OrgConfig::e_learning()).await.unwrap();
    let receiver = receiver().await;
    let toml = systems_toml(&simulator, &receiver, "[waves.feed]\nrate = 60\nramp = \"0s\"\n");
    let config = dir.path().join("switchyard.toml");
    std::fs::write(&config, &toml).unwrap();
    let control = control(&config_in(dir.path(), &toml)).await;
    let store = control.store().clone();
    let users = plan(&store, "w1", None).await;
    start_overriding(&control, "w1").await;

    let hub = Hub::start(dir.path(), &["--config", config.to_str().unwrap()]).expect("the hub starts");
    wait_for(&store, "w1", |run| run.fed_users > 0).await;
    hub.kill();
    let crashed = store.wave_run("w1").await.unwrap().unwrap();
    assert_eq!(crashed.state, "running");
    assert!(crashed.fed_users < users, "killed mid-wave: {crashed:?}");

    let hub = Hub::start(dir.path(), &["--config", config.to_str().unwrap()]).expect("the hub restarts");
    let done = wait_for_state(&store, "w1", "completed").await;
    assert_eq!(done.fed_users, users);
    assert_eq!(hub.stop(), Some(0));

    let status = control.status("w1").await.unwrap();
    for system in &status.systems {
        assert_eq!((system.settled(), system.failed()), (system.planned, 0), "{system:?}");
    }
    let contacts = simulator.records("Contact");
    let legacy_ids: BTreeSet<String> = contacts
        .iter()
        .filter_map(|c| c.get("Legacy_Id__c").and_then(Value::as_str).map(str::to_owned))
        .collect();
    assert_eq!((contacts.len() as i64, legacy_ids.len() as i64), (users, users), "one Contact per user");
    let lms = status.systems.iter().find(|s| s.system == "lms").unwrap();
    assert_eq!(receiver.stats().events.len() as i64, lms.planned, "every LMS record arrived");
}
