//! `wave report`: a generated export imported, a wave planned and partly released, its
//! deliveries driven through the ledger to every state a user can be in; the report accounts
//! for every user once per system, its totals add up to the cohort, each failure shows its
//! reason, and the wave is complete only once every user is terminal. On SQLite and (when
//! `SWITCHYARD_TEST_POSTGRES_URL` is set) PostgreSQL, and through the binary.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Utc};
use switchyard::config::HubConfig;
use switchyard::legacy::{import_export, release_users};
use switchyard::routing::Routes;
use switchyard::store::{AttemptOutcome, AttemptRecord, CohortFilter, Store, Verification, VerifyWindow};
use switchyard::waves::{ReportFormat, ReportState, WaveReport, plan_of, report_of};
use switchyard_contracts::Catalog;
use switchyard_dependency_map::DependencyMap;
use switchyard_sandbox::legacy::{
    CaseClass, GenerateOptions, LegacyExport, MigrateOptions, generate_into_dir,
};

use crate::store::record;
use crate::support::ledger::ledgers;

const LEASE: Duration = Duration::from_secs(60);
const REJECTION: &str = "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName, Company]";
const EVIDENCE: &str = "expectation contact-status: Contact.Status__c is null, expected Active";
const EXHAUSTED: &str = "HTTP 503 Service Unavailable (attempt 8 of 8)";

/// The shipped catalog, map and routes: `user.migrated` goes to Salesforce and the LMS.
struct Shipped {
    catalog: Catalog,
    map: DependencyMap,
    routes: Routes,
}

fn shipped() -> Shipped {
    let map = DependencyMap::load(DependencyMap::shipped_root()).unwrap();
    let catalog = Catalog::load(Catalog::shipped_root()).unwrap();
    let routes = Routes::build(&map, &catalog, &HubConfig::default()).unwrap();
    Shipped { catalog, map, routes }
}

/// Imports a 60-user export whose edge cases quarantine whole accounts (test, merged, orphan
/// enrollments) and single enrollment rows (zero dates), and plans wave `w1` of every user.
async fn imported_wave(store: &Store, shipped: &Shipped, dir: &Path) -> WaveReport {
    let options = GenerateOptions::new(60, 11, 0.4).only(&[
        CaseClass::AccountTest,
        CaseClass::AccountMerged,
        CaseClass::EnrollmentEnrolledZeroDate,
        CaseClass::EnrollmentOrphan,
    ]);
    let export = dir.join("export");
    generate_into_dir(&options, &export).unwrap();
    let exported_at = "2026-12-01T00:00:00Z".parse().unwrap();
    import_export(
        store,
        shipped.catalog.clone(),
        LegacyExport::in_dir(&export),
        MigrateOptions::new(exported_at),
    )
    .await
    .unwrap();
    let everyone = CohortFilter { share: Some(1.0), ..CohortFilter::default() };
    store.plan_wave("w1", "100%", &everyone, "ops").await.unwrap();
    report(store, shipped).await
}

async fn report(store: &Store, shipped: &Shipped) -> WaveReport {
    let wave = store.wave("w1").await.unwrap().unwrap();
    let plan = plan_of(store, wave, &shipped.routes, &shipped.map).await.unwrap();
    report_of(store, &plan).await.unwrap()
}

/// What the test makes of one user's deliveries at one system.
#[derive(Clone, Copy)]
enum Fate {
    Reject,
    DeadLetter,
    Retry,
    /// Delivered with a read-back due (Salesforce's expectations).
    Verify,
    /// Delivered, nothing to verify (the LMS).
    Deliver,
}

/// Claims every due delivery of `system` and records the attempt `fate` gives its user; returns
/// the delivery ids by legacy id.
async fn settle(
    store: &Store,
    system: &str,
    now: DateTime<Utc>,
    fate: impl Fn(&str) -> Fate,
) -> HashMap<String, Vec<String>> {
    let mut settled: HashMap<String, Vec<String>> = HashMap::new();
    loop {
        let claimed = store.claim_due(system, 500, "w-report", LEASE, now).await.unwrap();
        if claimed.is_empty() {
            return settled;
        }
        let records: Vec<AttemptRecord> = claimed
            .iter()
            .map(|delivery| {
                let legacy_id = delivery.legacy_id.clone().expect("migration events carry a legacy id");
                let fate = fate(&legacy_id);
                settled.entry(legacy_id).or_default().push(delivery.delivery_id.clone());
                let (outcome, verify) = match fate {
                    Fate::Reject => (AttemptOutcome::Rejected { reason: REJECTION.into() }, None),
                    Fate::DeadLetter => (AttemptOutcome::DeadLettered { reason: EXHAUSTED.into() }, None),
                    Fate::Retry => {
                        let next_attempt_at = now + chrono::Duration::hours(1);
                        (AttemptOutcome::Retry { next_attempt_at, reason: "HTTP 503".into() }, None)
                    }
                    Fate::Verify => {
                        let window =
                            VerifyWindow { first_check_at: now, deadline: now + chrono::Duration::hours(1) };
                        (AttemptOutcome::Delivered { downstream_id: Some("003xx".into()) }, Some(window))
                    }
                    Fate::Deliver => (AttemptOutcome::Delivered { downstream_id: None }, None),
                };
                AttemptRecord { verify, ..record(&delivery.delivery_id, "w-report", outcome) }
            })
            .collect();
        let report = store.record_outcomes(&records).await.unwrap();
        assert!(report.stale.is_empty(), "{:?}", report.stale);
    }
}

async fn verify(store: &Store, ids: &[String], verdict: &Verification) {
    for id in ids {
        assert!(store.record_verification(id, verdict, Utc::now()).await.unwrap(), "{id}");
    }
}

/// Every user once, at every impacted system once; the totals' rows and columns add up to the
/// cohort and to the ledger's own count of the wave's users by status.
async fn assert_accounted_for(store: &Store, report: &WaveReport) {
    let cohort = report.wave.users;
    let ids: BTreeSet<&str> = report.users.iter().map(|user| user.legacy_id.as_str()).collect();
    assert_eq!((report.users.len() as i64, ids.len() as i64), (cohort, cohort), "each user once");
    for user in &report.users {
        let systems: Vec<&str> = user.systems.iter().map(|s| s.system.as_str()).collect();
        assert_eq!(systems, ["lms", "salesforce"], "user {}", user.legacy_id);
    }
    let by_status: BTreeMap<String, i64> =
        store.wave_users_by_status("w1").await.unwrap().into_iter().collect();
    for (status, row) in &report.totals.by_status {
        assert_eq!(row.total, by_status.get(status).copied().unwrap_or(0), "{status}");
        assert_eq!(row.by_state.values().sum::<i64>(), row.total, "{status}");
    }
    for state in ReportState::ALL {
        let column: i64 = report.totals.by_status.values().map(|row| row.get(state)).sum();
        assert_eq!(column, report.totals.all.get(state), "{state}");
    }
    assert_eq!(report.totals.all.total, cohort);
    assert!(!report.is_miscounted());
    for system in &report.systems {
        assert_eq!(system.users.total, cohort, "{}", system.system);
    }
}

fn state_of<'r>(report: &'r WaveReport, legacy_id: &str) -> &'r switchyard::waves::UserReport {
    report.users.iter().find(|user| user.legacy_id == legacy_id).unwrap()
}

fn at<'r>(report: &'r WaveReport, legacy_id: &str, system: &str) -> &'r switchyard::waves::SystemStanding {
    state_of(report, legacy_id).systems.iter().find(|s| s.system == system).unwrap()
}

#[tokio::test]
async fn every_user_is_accounted_for_at_every_system_until_the_wave_is_complete() {
    let shipped = shipped();
    for ledger in ledgers().await {
        let store = &ledger.store;
        let dir = tempfile::tempdir().unwrap();
        let before = imported_wave(store, &shipped, dir.path()).await;
        assert_accounted_for(store, &before).await;
        assert!(before.users.iter().all(|user| user.state == ReportState::NotStarted));
        assert!(!before.complete);

        // Accounts quarantined whole are in no wave; counted apart, as the quarantine lists them.
        let import = store.import_run(None).await.unwrap().unwrap();
        let quarantined = store.quarantined(&import.id).await.unwrap();
        let users: BTreeSet<&str> = before.users.iter().map(|user| user.legacy_id.as_str()).collect();
        let whole: BTreeSet<&str> = quarantined
            .iter()
            .filter_map(|row| row.legacy_id.as_deref())
            .filter(|id| !users.contains(id))
            .collect();
        assert!(!whole.is_empty(), "the export quarantines whole accounts");
        assert_eq!(before.quarantined_whole_accounts.accounts, whole.len() as i64);
        let without = quarantined.iter().filter(|row| row.legacy_id.is_none()).count() as i64;
        assert_eq!(before.quarantined_whole_accounts.rows_without_account, without);
        for user in &before.users {
            let rows =
                quarantined.iter().filter(|row| row.legacy_id.as_deref() == Some(&user.legacy_id)).count();
            assert_eq!(user.quarantined_rows, rows as i64, "user {}", user.legacy_id);
        }

        // Roles: users with nothing quarantined for the failures, one with a quarantined row.
        let plain: Vec<String> =
            before.users.iter().filter(|u| u.quarantined_rows == 0).map(|u| u.legacy_id.clone()).collect();
        let partial = before.users.iter().find(|u| u.quarantined_rows > 0).expect("a zero-date enrollment");
        let partial = partial.legacy_id.clone();
        let [rejected, silent, dead, retried, verifying] = [0, 1, 2, 3, 4].map(|i| plain[i].clone());
        let held_back: Vec<String> = plain[plain.len() - 3..].to_vec();
        let released: Vec<String> =
            before.users.iter().map(|u| u.legacy_id.clone()).filter(|id| !held_back.contains(id)).collect();
        release_users(store, &shipped.routes, &released).await.unwrap();

        let now = Utc::now() + chrono::Duration::minutes(1);
        let salesforce = settle(store, "salesforce", now, |id| {
            if id == rejected {
                Fate::Reject
            } else if id == retried {
                Fate::Retry
            } else {
                Fate::Verify
            }
        })
        .await;
        settle(store, "lms", now, |id| if id == dead { Fate::DeadLetter } else { Fate::Deliver }).await;
        verify(store, &salesforce[&silent], &Verification::SilentFailure { reason: EVIDENCE.into() }).await;
        for (legacy_id, ids) in &salesforce {
            if ![&rejected, &silent, &retried, &verifying].contains(&legacy_id) {
                verify(store, ids, &Verification::Confirmed).await;
            }
        }

        let during = report(store, &shipped).await;
        assert_accounted_for(store, &during).await;
        assert!(!during.complete, "users are in progress, awaiting verification and not started");
        let rejected_at = at(&during, &rejected, "salesforce");
        assert_eq!(
            (rejected_at.state, rejected_at.reason.as_deref()),
            (ReportState::Rejected, Some(REJECTION))
        );
        let silent_at = at(&during, &silent, "salesforce");
        assert_eq!(
            (silent_at.state, silent_at.reason.as_deref()),
            (ReportState::SilentFailure, Some(EVIDENCE))
        );
        assert_eq!(at(&during, &dead, "lms").state, ReportState::DeadLettered);
        assert_eq!(at(&during, &retried, "salesforce").state, ReportState::InProgress);
        let verifying_at = at(&during, &verifying, "salesforce");
        assert_eq!((verifying_at.state, verifying_at.awaiting_verification), (ReportState::Delivered, true));
        for id in &held_back {
            let user = state_of(&during, id);
            assert!(user.unreleased && user.state == ReportState::NotStarted, "{user:?}");
            assert!(user.systems.iter().all(|s| s.state == ReportState::NotStarted), "{user:?}");
        }
        assert_eq!(state_of(&during, &partial).state, ReportState::QuarantinedAtImport);

        // An independent count: what the test did to each user, against the totals.
        let expected = |id: &String| match id {
            id if *id == rejected => ReportState::Rejected,
            id if *id == silent => ReportState::SilentFailure,
            id if *id == dead => ReportState::DeadLettered,
            id if *id == retried => ReportState::InProgress,
            id if held_back.contains(id) => ReportState::NotStarted,
            id if *id == verifying => ReportState::Delivered,
            id if before.users.iter().any(|u| u.legacy_id == *id && u.quarantined_rows > 0) => {
                ReportState::QuarantinedAtImport
            }
            // Confirmed at Salesforce, delivered to the LMS (which has nothing to read back).
            _ => ReportState::Delivered,
        };
        let mut counted: BTreeMap<ReportState, i64> = BTreeMap::new();
        for user in &during.users {
            assert_eq!(user.state, expected(&user.legacy_id), "user {}", user.legacy_id);
            *counted.entry(user.state).or_default() += 1;
        }
        for state in ReportState::ALL {
            assert_eq!(during.totals.all.get(state), counted.get(&state).copied().unwrap_or(0), "{state}");
        }
        assert_eq!(during.unfinished, 1 + 1 + held_back.len() as i64, "retried, verifying, held back");

        let mut csv = Vec::new();
        during.render(ReportFormat::Csv, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "legacy_id,user_id,status,system,state,reason");
        assert_eq!(lines.len() - 1, during.users.len() * 2, "one row per user per system");
        let rows: Vec<&&str> =
            lines.iter().filter(|line| line.starts_with(&format!("{rejected},"))).collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        // The reason holds a comma: quoted, so the row keeps its six columns.
        assert!(rows[1].ends_with(&format!(",salesforce,rejected,\"{REJECTION}\"")), "{rows:?}");
        assert!(rows[0].contains(",lms,delivered,"), "{rows:?}");
        let text = during.to_text();
        assert!(text.contains("not complete"), "{text}");
        assert!(text.contains(REJECTION), "{text}");

        // Release the rest and finish every delivery: the failures stay, and are terminal.
        release_users(store, &shipped.routes, &held_back).await.unwrap();
        let later = now + chrono::Duration::hours(2);
        let rest = settle(store, "salesforce", later, |_| Fate::Verify).await;
        settle(store, "lms", later, |_| Fate::Deliver).await;
        for ids in rest.values().chain([&salesforce[&verifying]]) {
            verify(store, ids, &Verification::Confirmed).await;
        }

        let after = report(store, &shipped).await;
        assert_accounted_for(store, &after).await;
        assert!(after.complete, "{}", after.to_text());
        assert_eq!(after.unfinished, 0);
        assert_eq!(state_of(&after, &rejected).state, ReportState::Rejected);
        assert_eq!(at(&after, &retried, "salesforce").state, ReportState::Confirmed);
        for id in held_back.iter().chain([&verifying]) {
            let states: Vec<ReportState> = state_of(&after, id).systems.iter().map(|s| s.state).collect();
            assert_eq!(states, [ReportState::Delivered, ReportState::Confirmed], "lms, salesforce");
        }
        ledger.finish().await;
    }
}

/// `switchyard wave report` as ops run it, on the ledger in `dir`.
fn switchyard(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("SWITCHYARD_CONFIG")
        .env_remove("SWITCHYARD_DATABASE_URL")
        .output()
        .expect("switchyard runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

#[tokio::test]
async fn the_command_exits_1_until_the_wave_is_complete_and_writes_one_csv_row_per_user_per_system() {
    let shipped = shipped();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let before = imported_wave(&store, &shipped, dir.path()).await;
    let users = before.users.len();

    let (code, csv, err) = switchyard(dir.path(), &["wave", "report", "w1", "--format", "csv"]);
    assert_eq!(code, 1, "nothing released yet: {err}");
    assert_eq!(csv.lines().count(), 1 + users * 2, "{csv}");
    assert!(csv.lines().skip(1).all(|line| line.contains(",not_started,")), "{csv}");
    assert!(err.contains("not complete"), "{err}");

    let file = dir.path().join("w1.md");
    let (code, out, err) = switchyard(
        dir.path(),
        &["wave", "report", "w1", "--format", "markdown", "--output", file.to_str().unwrap()],
    );
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    let markdown = std::fs::read_to_string(&file).unwrap();
    assert!(markdown.contains("| status | confirmed |"), "{markdown}");

    let ids: Vec<String> = before.users.iter().map(|user| user.legacy_id.clone()).collect();
    release_users(&store, &shipped.routes, &ids).await.unwrap();
    let now = Utc::now() + chrono::Duration::minutes(1);
    settle(&store, "salesforce", now, |_| Fate::Deliver).await;
    settle(&store, "lms", now, |_| Fate::Deliver).await;
    let (code, text, err) = switchyard(dir.path(), &["wave", "report", "w1"]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(text.contains("complete: all"), "{text}");
    let (code, json, _) = switchyard(dir.path(), &["wave", "report", "w1", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["complete"], true);
    assert_eq!(json["users"].as_array().unwrap().len(), users);

    let (code, _, err) = switchyard(dir.path(), &["wave", "report", "w9"]);
    assert_eq!(code, 2);
    assert!(err.contains("no wave named `w9`") && err.contains("switchyard wave plan w9"), "{err}");
    let (code, _, err) = switchyard(dir.path(), &["wave", "show", "w1", "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("only `wave report` writes markdown and csv"), "{err}");
    store.close().await;
}
