//! Running waves through a real hub on loopback, against the Salesforce simulator and an LMS
//! webhook receiver: gates refuse a start until overridden (recorded), a wave runs to
//! completion, pause holds its deliveries while live traffic flows, resume finishes it, abort
//! stops it, each auto-pause rule fires with its evidence and notifies the owners.

use serde_json::{Value, json};
use switchyard::config::HubConfig;
use switchyard::store::{Store, WaveAction, WaveCount};
use switchyard::waves::{ControlError, WaveControl};
use switchyard_sandbox::legacy::CaseClass;
use switchyard_sandbox::{OrgConfig, RunningSimulator, SalesforceSimulator, WebhookReceiver};

use crate::support::hub::{receiver, user_data};
use crate::support::waves::{
    OpsEndpoint, RunningHub, config_in, control, import, plan, start_overriding, systems_toml, wait_for,
    wait_for_state,
};

/// A data directory with `users` imported, a simulator playing `org`, a receiver, and the
/// hub's configuration for them with `extra` TOML.
struct Rig {
    dir: tempfile::TempDir,
    simulator: RunningSimulator,
    receiver: WebhookReceiver,
    extra: String,
}

async fn rig(users: u64, classes: &[CaseClass], edge_share: f64, org: OrgConfig, extra: &str) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), users, 11, classes, edge_share).await;
    let simulator = SalesforceSimulator::start(([127, 0, 0, 1], 0).into(), org).await.expect("simulator");
    let receiver = receiver().await;
    Rig { dir, simulator, receiver, extra: extra.to_owned() }
}

impl Rig {
    /// The hub's configuration (the hub's, and the test's own handle on the ledger).
    fn config(&self) -> HubConfig {
        config_in(self.dir.path(), &systems_toml(&self.simulator, &self.receiver, &self.extra))
    }
}

async fn last_action(store: &Store, wave: &str) -> WaveAction {
    store.wave_actions(wave).await.unwrap().pop().expect("an action")
}

fn count(counts: &[WaveCount], system: &str, state: &str) -> i64 {
    counts.iter().filter(|c| c.system == system && c.state == state).map(|c| c.count).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn gates_refuse_a_start_until_overridden_with_a_reason_and_the_wave_then_runs_to_completion() {
    let rig = rig(30, &[], 0.0, OrgConfig::e_learning(), "").await;
    let control = control(&rig.config()).await;
    let store = control.store().clone();
    let users = plan(&store, "w1", None).await;

    let refused = control.start("w1", "ops", &[], None).await.unwrap_err();
    let ControlError::GatesFail { failing, .. } = &refused else { panic!("{refused}") };
    assert!(failing.contains(&"replay".to_owned()) && failing.contains(&"signoff".to_owned()), "{failing:?}");
    let partly = control.start("w1", "ops", &["replay".into()], Some("replayed by hand")).await.unwrap_err();
    assert!(matches!(&partly, ControlError::GatesFail { failing, .. } if failing == &["signoff".to_owned()]));
    let no_reason = control.start("w1", "ops", &["replay".into(), "signoff".into()], None).await.unwrap_err();
    assert!(no_reason.to_string().contains("--reason"), "{no_reason}");
    assert_eq!(store.wave("w1").await.unwrap().unwrap().state, "planned", "nothing started");

    start_overriding(&control, "w1").await;
    let started = last_action(&store, "w1").await;
    assert_eq!((started.action.as_str(), started.actor.as_str()), ("started-with-override", "tester"));
    let evidence = started.evidence.expect("evidence");
    let overridden: Vec<&str> =
        evidence["overridden"].as_array().unwrap().iter().map(|o| o["gate"].as_str().unwrap()).collect();
    assert!(overridden.contains(&"replay") && overridden.contains(&"signoff"), "{evidence}");
    assert!(evidence["gates"]["gates"].as_array().unwrap().len() >= 4, "every gate's evidence is kept");

    let hub = RunningHub::start(rig.config()).await;
    let done = wait_for_state(&store, "w1", "completed").await;
    assert_eq!(done.fed_users, users);
    let status = control.status("w1").await.unwrap();
    for system in &status.systems {
        assert!(system.planned > 0, "{system:?}");
        assert_eq!(system.settled(), system.planned, "every planned record settled: {system:?}");
        assert_eq!(system.failed(), 0, "{system:?}");
    }
    let salesforce = status.systems.iter().find(|s| s.system == "salesforce").unwrap();
    assert!(salesforce.confirmed > 0, "Salesforce records are read back: {salesforce:?}");
    assert_eq!(rig.simulator.records("Contact").len() as i64, users, "one Contact per user");
    let lms = status.systems.iter().find(|s| s.system == "lms").unwrap();
    assert_eq!(rig.receiver.stats().events.len() as i64, lms.planned, "every LMS record arrived");
    assert_eq!(last_action(&store, "w1").await.action, "completed");
    hub.stop().await;
}

async fn post(hub: &RunningHub, path: &str, body: Value) -> (u16, Value) {
    let response =
        reqwest::Client::new().post(format!("{}{path}", hub.url)).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_over_the_api_holds_the_waves_deliveries_while_live_traffic_flows_and_resume_finishes_it() {
    // Slow feeding, so the waves are mid-way when paused.
    let rig = rig(60, &[], 0.0, OrgConfig::e_learning(), "[waves.feed]\nrate = 40\nramp = \"0s\"\n").await;
    let control = control(&rig.config()).await;
    let store = control.store().clone();
    plan(&store, "w1", Some(0.5)).await;
    let w2_users = plan(&store, "w2", None).await;
    start_overriding(&control, "w1").await;
    start_overriding(&control, "w2").await;
    let hub = RunningHub::start(rig.config()).await;

    wait_for(&store, "w1", |run| run.fed_users > 0).await;
    let (status, paused) = post(&hub, "/v1/waves/w1/pause", json!({"reason": "CRM team asked"})).await;
    assert_eq!((status, paused["state"].as_str()), (200, Some("paused")), "{paused}");
    let (status, again) = post(&hub, "/v1/waves/w1/pause", json!({})).await;
    assert_eq!((status, again["code"].as_str()), (409, Some("wave.state")), "{again}");
    let (status, missing) = post(&hub, "/v1/waves/nope/resume", json!({})).await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("wave.not-found")), "{missing}");

    // Once what was in flight at the pause is recorded (and read back), nothing of w1 moves.
    let settled = |counts: &[WaveCount]| {
        counts.iter().all(|c| c.state != "in_flight" && c.state != "pending" && c.verifying == 0)
    };
    // Held deliveries are left out: a release racing the pause is held, not delivered.
    let unheld = |mut counts: Vec<WaveCount>| {
        counts.retain(|c| c.state != "held");
        counts
    };
    let mut before = unheld(store.wave_counts("w1", None).await.unwrap());
    while !settled(&before) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        before = unheld(store.wave_counts("w1", None).await.unwrap());
    }
    let fed_at_pause = store.wave_run("w1").await.unwrap().unwrap().fed_users;

    // Live traffic is delivered meanwhile.
    let live = json!({"specversion": "1.0", "id": "live-1", "source": "/lms/signup", "type": "user.migrated",
        "dataschema": "urn:switchyard:schema:user.migrated:v1", "time": "2026-12-01T09:00:00Z", "data": user_data(900_001)});
    let response = reqwest::Client::new()
        .post(format!("{}/v1/events", hub.url))
        .header("content-type", "application/cloudevents+json")
        .body(live.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202, "{}", response.text().await.unwrap());
    rig.receiver.wait_until(|stats| stats.events.contains_key("live-1")).await;
    // ... and w2 keeps being fed, so ticks ran while w1 stayed still.
    let w2_fed = store.wave_run("w2").await.unwrap().unwrap().fed_users;
    wait_for(&store, "w2", |run| run.fed_users > w2_fed || run.fed_users == w2_users).await;
    assert_eq!(unheld(store.wave_counts("w1", None).await.unwrap()), before, "no attempt spent while paused");
    assert_eq!(store.wave_run("w1").await.unwrap().unwrap().fed_users, fed_at_pause, "feeding stopped");

    let (status, aborted) = post(&hub, "/v1/waves/w2/abort", json!({"reason": "wrong cohort"})).await;
    assert_eq!((status, aborted["state"].as_str()), (200, Some("aborted")), "{aborted}");
    let (status, resumed) = post(&hub, "/v1/waves/w1/resume", json!({"reason": "fixed"})).await;
    assert_eq!((status, resumed["state"].as_str()), (200, Some("running")), "{resumed}");
    let done = wait_for_state(&store, "w1", "completed").await;
    assert_eq!(done.fed_users, done.users);
    let w2 = store.wave_run("w2").await.unwrap().unwrap();
    assert_eq!(w2.state, "aborted");
    let w2_counts = store.wave_counts("w2", None).await.unwrap();
    assert!(w2_counts.iter().all(|c| c.state != "pending" && c.state != "in_flight"), "{w2_counts:?}");

    let actions: Vec<(String, String)> =
        store.wave_actions("w1").await.unwrap().into_iter().map(|a| (a.action, a.actor)).collect();
    for expected in ["started-with-override", "paused", "resumed", "completed"] {
        assert!(actions.iter().any(|(action, _)| action == expected), "{actions:?}");
    }
    assert!(actions.contains(&("paused".into(), "local".into())), "local mode records `local`: {actions:?}");
    hub.stop().await;
}

/// Runs wave `w1` of `rig` until it pauses itself; returns the pause action.
async fn auto_pause(rig: &Rig) -> (WaveControl, WaveAction) {
    let control = control(&rig.config()).await;
    let store = control.store().clone();
    plan(&store, "w1", None).await;
    start_overriding(&control, "w1").await;
    let hub = RunningHub::start(rig.config()).await;
    wait_for_state(&store, "w1", "paused").await;
    let pause = store.wave_actions("w1").await.unwrap().into_iter().rev().find(|a| a.action == "auto-paused");
    let pause = pause.expect("an auto-pause recorded");
    assert_eq!(pause.actor, "switchyard");
    // Held, not retried: nothing of the wave is queued for a worker once the pause settles.
    let mut counts = store.wave_counts("w1", None).await.unwrap();
    while counts.iter().any(|c| c.state == "in_flight") {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        counts = store.wave_counts("w1", None).await.unwrap();
    }
    hub.stop().await;
    let counts = store.wave_counts("w1", None).await.unwrap();
    assert_eq!(count(&counts, "lms", "pending") + count(&counts, "salesforce", "pending"), 0, "{counts:?}");
    (control, pause)
}

fn rule_of(pause: &WaveAction) -> (&str, &str) {
    let evidence = pause.evidence.as_ref().expect("evidence");
    (evidence["rule"].as_str().unwrap(), evidence["system"].as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_partner_pauses_the_wave_on_its_failure_rate_and_the_owners_are_notified() {
    let ops = OpsEndpoint::start().await;
    let extra = format!(
        "[waves]\nops_webhook = \"{}\"\n[waves.auto_pause]\nfailure_min_attempts = 5\ndead_letters = 100000\n",
        ops.url
    );
    let rig = rig(30, &[], 0.0, OrgConfig::e_learning(), &extra).await;
    rig.receiver.script(std::iter::repeat_n((500, None), 10_000));
    let (_, pause) = auto_pause(&rig).await;
    assert_eq!(rule_of(&pause), ("failure-rate", "lms"), "{pause:?}");
    assert!(pause.reason.as_deref().unwrap().contains("attempts failed"), "{pause:?}");
    let notice = ops.first().await;
    assert_eq!((notice["wave"].as_str(), notice["rule"].as_str()), (Some("w1"), Some("failure-rate")));
    let owners = notice["owners"].as_array().unwrap();
    assert!(owners.iter().any(|o| o["group"].is_string()), "the LMS owners are named: {notice}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_failure_confirmed_by_read_back_pauses_the_wave() {
    let org = OrgConfig::e_learning().with_silent_failures(true);
    let rig = rig(30, &[CaseClass::AddressCountryMissing], 0.5, org, "").await;
    let (control, pause) = auto_pause(&rig).await;
    assert_eq!(rule_of(&pause), ("silent-failures", "salesforce"), "{pause:?}");
    let counts = control.store().wave_counts("w1", Some(&["silent_failure"])).await.unwrap();
    assert!(count(&counts, "salesforce", "silent_failure") >= 1, "{counts:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn growing_dead_letters_pause_the_wave() {
    let extra = "[systems.lms.delivery]\nmax_attempts = 1\n[waves.auto_pause]\nfailure_rate = 1.0\n";
    let rig = rig(30, &[], 0.0, OrgConfig::e_learning(), extra).await;
    rig.receiver.script(std::iter::repeat_n((500, None), 10_000));
    let (_, pause) = auto_pause(&rig).await;
    assert_eq!(rule_of(&pause), ("dead-letters", "lms"), "{pause:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_budget_below_its_floor_pauses_the_wave() {
    let mut org = OrgConfig::e_learning();
    // An org allowance of 100 calls a day: the hub's half is 50, and a few calls spend 5%.
    org.daily_api_limit = 100;
    let extra = "[waves.auto_pause]\nbudget_floor = 0.95\nfailure_rate = 1.0\n";
    let rig = rig(30, &[], 0.0, org, extra).await;
    let (_, pause) = auto_pause(&rig).await;
    assert_eq!(rule_of(&pause), ("api-budget", "salesforce"), "{pause:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_circuit_open_too_long_pauses_the_wave() {
    let extra = "[systems.lms.circuit]\nwindow = 4\nmin_requests = 2\nfailure_rate = 0.5\nopen_for = \"30s\"\n\
                 [waves.auto_pause]\nfailure_rate = 1.0\ndead_letters = 100000\ncircuit_open_for = \"1s\"\n";
    let rig = rig(30, &[], 0.0, OrgConfig::e_learning(), extra).await;
    rig.receiver.script(std::iter::repeat_n((503, None), 10_000));
    let (_, pause) = auto_pause(&rig).await;
    assert_eq!(rule_of(&pause), ("circuit-open", "lms"), "{pause:?}");
}
