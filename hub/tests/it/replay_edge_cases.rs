//! `switchyard sandbox replay --cases catalog`: the legacy edge-case catalog, each class's
//! export migrated and replayed against the org simulator. With the shipped org every class
//! passes; with the CRM team's faulty flow change on, exactly the classes whose learners have
//! no country fail, naming the read-back evidence; the JUnit file is well-formed XML.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use switchyard::replay::{ReplayTarget, class_replay, replay};
use switchyard_contracts::Catalog;
use switchyard_sandbox::OrgConfig;
use switchyard_sandbox::legacy::{CATALOG, ClassCase, ExpectedOutcome, MigrationEvent, class_cases};

const SEED: u64 = 2026;

fn salesforce() -> switchyard_contracts::catalog::SystemCatalog {
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog");
    catalog.system(&"salesforce".parse().unwrap()).expect("salesforce").clone()
}

/// Test cases and failures in a JUnit file, read by an XML parser (so it must be well-formed).
fn junit_counts(xml: &str) -> (usize, usize) {
    let mut reader = Reader::from_str(xml);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(tag) | Event::Empty(tag) => match tag.name().as_ref() {
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, failures)
}

#[test]
fn the_whole_catalog_passes_against_the_shipped_org_with_junit_and_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("catalog.xml");
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sandbox", "replay", "--system", "salesforce", "--simulate", "--cases", "catalog"])
        .args(["--format", "json", "--junit"])
        .arg(&junit)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .expect("switchyard runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let cases = report["cases"].as_array().expect("cases");
    let failed: Vec<_> =
        cases.iter().filter(|c| c["passed"] != true).map(|c| (&c["name"], &c["problems"])).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let names: BTreeSet<&str> = cases.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, CATALOG.iter().map(|c| c.name).collect());
    assert_eq!(junit_counts(&std::fs::read_to_string(&junit).unwrap()), (CATALOG.len(), 0));

    // What a CRM engineer reads per class: the refusal, the fields read back, the quarantine.
    let case = |name: &str| cases.iter().find(|c| c["name"] == name).expect(name);
    let text = |name: &str| serde_json::to_string(case(name)).unwrap();
    assert!(case("email-mixed-case-duplicate")["outcome"].as_str().unwrap().contains("rejected"));
    assert!(
        text("name-too-long").contains("Contact.LastName holds what was sent"),
        "{}",
        text("name-too-long")
    );
    assert!(
        text("dob-zero-date").contains("Contact.Birthdate is empty, as sent"),
        "{}",
        text("dob-zero-date")
    );
    assert!(
        text("enrollment-provider-unknown").contains("Enrollment__c.Course_Provider__c holds what was sent")
    );
    assert!(text("account-merged").contains("quarantined: merged into another account"));
    assert!(text("secret-password-hash").contains("password_hash value(s) is in any of the"));
}

/// Whether the org is expected to refuse this event's record (its class says so).
fn refused(event: &MigrationEvent) -> bool {
    event
        .classes
        .iter()
        .any(|class| matches!(class.case().expected, ExpectedOutcome::Rejected { system: "salesforce", .. }))
}

/// The classes whose exports hold an active enrollment of a learner without a country (whose
/// Contact the org accepts): the ones the faulty flow change breaks, worked out from the
/// data, not from the replay.
fn classes_without_country(cases: &[ClassCase]) -> BTreeSet<&'static str> {
    cases
        .iter()
        .filter(|case| {
            let data = |e: &MigrationEvent| e.envelope.data().clone();
            let no_country: HashSet<String> = case
                .events
                .iter()
                .filter(|e| e.envelope.event_type().as_str() == "user.migrated" && !refused(e))
                .map(data)
                .filter(|d| d["address"]["country_code"].as_str().is_none())
                .filter_map(|d| d["user_id"].as_str().map(str::to_owned))
                .collect();
            case.events.iter().map(data).any(|d| {
                d.get("enrollment_id").is_some()
                    && d["status"] == "active"
                    && d["user_id"].as_str().is_some_and(|u| no_country.contains(u))
            })
        })
        .map(|case| case.class.name())
        .collect()
}

#[tokio::test]
async fn with_the_faulty_flow_on_exactly_the_classes_without_a_country_fail_with_their_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let system = salesforce();
    let cases = class_cases(dir.path(), SEED, None).expect("class cases");
    let expected = classes_without_country(&cases);
    assert!(
        expected.contains("address-country-missing") && expected.contains("user-address-missing"),
        "{expected:?}"
    );

    let classes = class_replay(&system, &cases);
    let org = OrgConfig::e_learning().with_silent_failures(true);
    let target = ReplayTarget::Simulate { org: Box::new(org) };
    let report =
        classes.per_class(replay(&system, &classes.cases, target, Duration::ZERO).await.expect("replay"));

    let failed: BTreeSet<&str> = report.cases.iter().filter(|c| !c.passed).map(|c| c.name.as_str()).collect();
    assert_eq!(failed, expected);
    for case in report.cases.iter().filter(|c| !c.passed) {
        let evidence = case.evidence.join("\n");
        assert!(
            evidence.contains("no-flow-error-for-enrollment: Flow_Error__c"),
            "{}: {evidence}",
            case.name
        );
        assert!(evidence.contains("Status__c = null, expected \"Active\""), "{}: {evidence}", case.name);
    }
    let (tests, failures) = junit_counts(&report.to_junit().unwrap());
    assert_eq!((tests, failures), (CATALOG.len(), expected.len()));
}

/// Runs the binary; its success, stdout and stderr.
fn switchyard(configure: impl FnOnce(&mut Command) -> &mut Command) -> (bool, Vec<u8>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchyard"));
    let output = configure(&mut command).output().expect("switchyard runs");
    (output.status.success(), output.stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_profiles_samples_replay_class_by_class_and_pass_against_the_shipped_org() {
    let dir = tempfile::tempdir().unwrap();
    let (export, profile) = (dir.path().join("export"), dir.path().join("profile"));
    let (ok, _, err) = switchyard(|c| {
        c.args(["sandbox", "generate", "--users", "600", "--seed", "8", "--edge-share", "0.5", "--out"])
            .arg(&export)
    });
    assert!(ok, "{err}");
    let (ok, _, err) = switchyard(|c| {
        c.args(["sandbox", "profile"])
            .args(["customers.csv", "addresses.csv", "enrollments.csv"].map(|f| export.join(f)))
            .arg("--out")
            .arg(&profile)
            .args(["--key", "replay-test"])
    });
    assert!(ok, "{err}");

    let (ok, stdout, err) = switchyard(|c| {
        c.args(["sandbox", "replay", "--system", "salesforce", "--simulate", "--format", "json", "--cases"])
            .arg(&profile)
            .arg("--data-dir")
            .arg(dir.path())
    });
    let report: serde_json::Value = serde_json::from_slice(&stdout).expect("a JSON report");
    let cases = report["cases"].as_array().expect("cases");
    let failed: Vec<_> =
        cases.iter().filter(|c| c["passed"] != true).map(|c| (&c["name"], &c["problems"])).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(ok, "{err}");
    // One case per sample the profile wrote: the test set is what the data held.
    let samples: BTreeSet<String> = std::fs::read_dir(profile.join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let names: BTreeSet<String> =
        cases.iter().filter_map(|c| c["name"].as_str().map(str::to_owned)).collect();
    assert_eq!(names, samples);
    assert!(samples.len() >= 40, "{} classes sampled", samples.len());
}

#[test]
fn the_catalog_replays_against_the_lms_receiver_too() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, err) = switchyard(|c| {
        c.args([
            "sandbox",
            "replay",
            "--system",
            "lms",
            "--simulate",
            "--cases",
            "catalog",
            "--format",
            "json",
        ])
        .arg("--data-dir")
        .arg(dir.path())
    });
    let report: serde_json::Value = serde_json::from_slice(&stdout).expect("a JSON report");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), CATALOG.len());
    let failed: Vec<_> = cases.iter().filter(|c| c["passed"] != true).map(|c| &c["name"]).collect();
    assert!(failed.is_empty() && ok, "{failed:?} {err}");
    // Refunded enrollments never reach the LMS (its mapping's `when`): skipped, nothing arrived.
    let refunded = cases.iter().find(|c| c["name"] == "enrollment-refunded").unwrap();
    assert!(refunded["outcome"].as_str().unwrap().contains("skipped"), "{refunded}");
}

#[test]
fn a_sample_that_is_no_legacy_file_or_no_class_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    std::fs::create_dir_all(&samples).unwrap();
    std::fs::write(samples.join("name-html.csv"), "sku,qty\nA,1\n").unwrap();
    let replay = |dir: &Path| {
        switchyard(|c| {
            c.args(["sandbox", "replay", "--system", "salesforce", "--simulate", "--cases"])
                .arg(dir)
                .arg("--data-dir")
                .arg(dir)
        })
    };
    let (ok, _, err) = replay(dir.path());
    assert!(
        !ok && err.contains("name-html.csv: the header matches none of customers, addresses or enrollments"),
        "{err}"
    );
    std::fs::remove_file(samples.join("name-html.csv")).unwrap();
    std::fs::write(samples.join("shoe-size.csv"), "sku,qty\nA,1\n").unwrap();
    let (ok, _, err) = replay(dir.path());
    assert!(!ok && err.contains("shoe-size.csv: not a sample of a catalog class"), "{err}");
}
