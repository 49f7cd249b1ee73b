//! The demo's story, step by step: export, import, impact and plan, evidence, wave 1, the
//! flow change, wave 2 forced through and pausing itself, the fix and the resume, and the
//! reconciliation.

use std::path::PathBuf;

use chrono::Utc;
use switchyard_sandbox::legacy::{
    CATALOG, CaseClass, ExpectedOutcome, GenerateOptions, LegacyExport, MigrateOptions, generate_into_dir,
};

use super::evidence::replay_system;
use super::narrate::{Narrator, thousands};
use super::rig::{self, FLOW, FLOW_ERRORS, Rig};
use super::{DemoError, DemoOptions};
use crate::cli::wave_run::watch_until_settled;
use crate::legacy::import_export;
use crate::store::{CohortFilter, WaveAction};
use crate::waves::{WaveControl, WaveStatus, report_of};

/// Share of the export's customers shaped as edge cases.
const EDGE_SHARE: f64 = 0.05;
/// Learners without a country are common in a ten-year-old shop: these classes weigh more.
const COUNTRYLESS_WEIGHT: f64 = 15.0;
const STEPS: usize = 9;

/// What the demo showed, for its caller (and its test).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub exported_customers: u64,
    /// Users per wave, and how many of them the reconciliation accounts for.
    pub waves: Vec<(String, i64, i64)>,
    /// Accounts quarantined whole at import (in no wave).
    pub quarantined_accounts: i64,
    /// Wave 2's auto-pause: the rule, the wave's records settled when it fired, and the
    /// records its plan expects.
    pub auto_pause: Option<AutoPause>,
    pub seconds: f64,
}

/// Wave 2's pause, as the demo saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoPause {
    pub rule: String,
    pub settled: i64,
    pub planned: i64,
}

/// Plays the story; returns what it showed.
pub async fn run(options: DemoOptions) -> Result<DemoSummary, DemoError> {
    let temporary = match &options.data_dir {
        Some(_) => None,
        None => Some(
            tempfile::tempdir().map_err(|err| DemoError::at("making a data directory")(err.to_string()))?,
        ),
    };
    let data_dir: PathBuf = match &temporary {
        Some(temp) => temp.path().to_owned(),
        None => options.data_dir.clone().unwrap_or_default(),
    };
    std::fs::create_dir_all(&data_dir)
        .map_err(|err| DemoError::at("making a data directory")(err.to_string()))?;
    let mut n = Narrator::new(STEPS);
    println!("Switchyard demo: a migration rehearsal on embedded defaults (data in {})", data_dir.display());

    n.step("A legacy export from the Magento platform");
    let export = data_dir.join("export");
    let generated = GenerateOptions {
        weights: demo_weights(),
        ..GenerateOptions::new(options.users, options.seed, EDGE_SHARE)
    };
    let manifest = generate_into_dir(&generated, &export)
        .map_err(|err| DemoError::at("generating the export")(err.to_string()))?;
    n.say(format!(
        "{} customers, {} addresses, {} enrollment rows (seed {}), {:.0}% of customers shaped as edge cases",
        thousands(manifest.rows.customers),
        thousands(manifest.rows.addresses),
        thousands(manifest.rows.enrollments),
        options.seed,
        EDGE_SHARE * 100.0
    ));

    let rig = rig::start(&options, &data_dir, rig::DEMO_FEED).await?;
    n.step("Import: every row becomes a checked migration event or is quarantined");
    let catalog = (**rig.catalog()).clone();
    let imported = import_export(
        rig.control.store(),
        catalog,
        LegacyExport::in_dir(&export),
        MigrateOptions::new(Utc::now()),
    )
    .await
    .map_err(|err| DemoError::at("importing")(err.to_string()))?;
    n.say(imported.to_text());
    n.say(format!(
        "the hub runs at {} (Salesforce simulator at {}, LMS receiver at {})",
        rig.hub.url(),
        rig.simulator().base_url(),
        rig.partners.receiver.url()
    ));

    n.step("Map impact and the plan of wave 1 (1% of the users)");
    let control = &rig.control;
    plan(control, "wave-1", Some(0.01)).await?;
    let plan_1 =
        control.plan("wave-1").await.map_err(|err| DemoError::at("planning wave 1")(err.to_string()))?;
    n.say(plan_1.to_text());

    n.step("Evidence for the gates: the edge-case catalog replayed, owners' sign-off");
    for system in ["salesforce", "lms"] {
        let outcome = replay_system(&rig, system, options.seed, false, &data_dir).await?;
        n.say(format!(
            "replay against {}: {} of {} edge-case classes pass",
            outcome.system, outcome.passed, outcome.cases
        ));
    }
    sign_off(control, "wave-1").await?;
    let gates =
        control.gates("wave-1").await.map_err(|err| DemoError::at("gating wave 1")(err.to_string()))?;
    n.say(gates.to_text());

    n.step("Wave 1: started on passing gates, run to a clean end");
    control
        .start("wave-1", "ops", &[], None)
        .await
        .map_err(|err| DemoError::at("starting wave 1")(err.to_string()))?;
    watch(control, "wave-1").await?;

    n.step("The CRM team changes a flow");
    rig.simulator()
        .set_automation_fails_silently(FLOW, true)
        .map_err(|err| DemoError::at("changing the flow")(err.to_string()))?;
    n.say(format!("{FLOW} now fails silently for learners without a country: Salesforce answers 200 and the enrollment stays inactive"));

    n.step("Wave 2 (the rest): the replay gate would stop it; forced through to show the live defence");
    plan(control, "wave-2", None).await?;
    sign_off(control, "wave-2").await?;
    let outcome = replay_system(&rig, "salesforce", options.seed, true, &data_dir).await?;
    n.say(format!(
        "replay against salesforce with the changed flow: {} of {} pass; failing:",
        outcome.passed, outcome.cases
    ));
    for (class, problem) in &outcome.failures {
        n.say(format!("  {class}: {problem}"));
    }
    let gates =
        control.gates("wave-2").await.map_err(|err| DemoError::at("gating wave 2")(err.to_string()))?;
    n.say(gates.to_text());
    let failing: Vec<String> = gates.failing().map(|gate| gate.gate.to_owned()).collect();
    control
        .start("wave-2", "ops", &failing, Some("demo: forced through to show the live defence"))
        .await
        .map_err(|err| DemoError::at("starting wave 2")(err.to_string()))?;
    n.say(format!("started with the override of {} recorded", failing.join(", ")));
    let paused = watch(control, "wave-2").await?;
    let pause = last_pause(control, "wave-2").await?;
    let settled_at_pause: i64 = paused.systems.iter().map(|system| system.settled()).sum();
    let planned: i64 = paused.systems.iter().map(|system| system.planned).sum();
    if let Some(pause) = &pause {
        n.say(format!(
            "auto-paused by {}: {}\nafter {} of its {} users had been released and {} of its {} records had \
             settled; the owners are notified",
            pause.actor,
            pause.reason.as_deref().unwrap_or(""),
            thousands(paused.released_users),
            thousands(paused.users),
            thousands(settled_at_pause),
            thousands(planned)
        ));
    }

    n.step("The flow is fixed, its error log cleared, the silent failures redriven, the wave resumed");
    rig.simulator()
        .set_automation_fails_silently(FLOW, false)
        .map_err(|err| DemoError::at("fixing the flow")(err.to_string()))?;
    let cleared = rig.simulator().delete_records(FLOW_ERRORS);
    let redriven = control
        .redrive("wave-2", "ops", &["silent_failure".to_owned()])
        .await
        .map_err(|err| DemoError::at("redriving")(err.to_string()))?;
    n.say(format!("{cleared} {FLOW_ERRORS} records cleared; {redriven} silent failures redriven"));
    control
        .resume("wave-2", "ops", Some("flow fixed"))
        .await
        .map_err(|err| DemoError::at("resuming")(err.to_string()))?;
    watch(control, "wave-2").await?;

    n.step("Reconciliation: every exported customer accounted for");
    let summary = reconcile(
        &mut n,
        &rig,
        manifest.rows.customers,
        pause.map(|p| AutoPause { rule: rule_of(&p), settled: settled_at_pause, planned }),
    )
    .await?;
    if options.serve {
        println!(
            "\nThe hub keeps running at {} (`switchyard wave status wave-2 --data-dir {}`); Ctrl-C stops it.",
            rig.hub.url(),
            data_dir.display()
        );
        let _ = tokio::signal::ctrl_c().await;
    }
    rig.hub.stop().await.map_err(|err| DemoError::at("stopping the hub")(err.to_string()))?;
    rig.control.store().close().await;
    drop(temporary);
    Ok(summary)
}

/// Every class the org accepts or Switchyard settles (normalizes, drops, quarantines); the
/// classes Salesforce refuses are left to `sandbox replay --cases catalog`, so that both
/// waves end on a report with nothing waiting for a retry.
pub fn demo_weights() -> std::collections::BTreeMap<CaseClass, f64> {
    CATALOG
        .iter()
        .filter(|case| !matches!(case.expected, ExpectedOutcome::Rejected { .. }))
        .map(|case| {
            let countryless =
                matches!(case.class, CaseClass::AddressCountryMissing | CaseClass::UserAddressMissing);
            (case.class, if countryless { COUNTRYLESS_WEIGHT } else { 1.0 })
        })
        .collect()
}

async fn plan(control: &WaveControl, name: &str, share: Option<f64>) -> Result<(), DemoError> {
    let cohort = share.map_or("rest".to_owned(), |share| format!("{}%", share * 100.0));
    let filter = CohortFilter { share, ..CohortFilter::default() };
    control
        .store()
        .plan_wave(name, &cohort, &filter, "ops")
        .await
        .map(|_| ())
        .map_err(|err| DemoError::at("planning a wave")(err.to_string()))
}

/// Each impacted system's owner signs the wave off.
async fn sign_off(control: &WaveControl, wave: &str) -> Result<(), DemoError> {
    let plan = control.plan(wave).await.map_err(|err| DemoError::at("signing off")(err.to_string()))?;
    for owner in plan.impacted().filter_map(|system| system.owner.clone()) {
        control
            .store()
            .sign_off(wave, &owner, &format!("{owner} lead"), Some("replay reviewed"))
            .await
            .map_err(|err| DemoError::at("signing off")(err.to_string()))?;
    }
    Ok(())
}

/// The live progress until the wave is no longer running; its status then.
async fn watch(control: &WaveControl, wave: &str) -> Result<WaveStatus, DemoError> {
    watch_until_settled(control, wave).await.map_err(DemoError::at("watching a wave"))?;
    control.status(wave).await.map_err(|err| DemoError::at("reading a wave")(err.to_string()))
}

async fn last_pause(control: &WaveControl, wave: &str) -> Result<Option<WaveAction>, DemoError> {
    let actions = control
        .store()
        .wave_actions(wave)
        .await
        .map_err(|err| DemoError::at("reading a wave")(err.to_string()))?;
    Ok(actions.into_iter().rev().find(|action| action.action == "auto-paused"))
}

fn rule_of(pause: &WaveAction) -> String {
    pause.evidence.as_ref().and_then(|e| e["rule"].as_str()).unwrap_or("unknown").to_owned()
}

async fn reconcile(
    n: &mut Narrator,
    rig: &Rig,
    exported: u64,
    auto_pause: Option<AutoPause>,
) -> Result<DemoSummary, DemoError> {
    let control = &rig.control;
    let mut waves = Vec::new();
    let mut quarantined_accounts = 0;
    for wave in ["wave-1", "wave-2"] {
        let plan = control.plan(wave).await.map_err(|err| DemoError::at("reconciling")(err.to_string()))?;
        let report = report_of(control.store(), &plan)
            .await
            .map_err(|err| DemoError::at("reconciling")(err.to_string()))?;
        n.say(report.to_text());
        quarantined_accounts = report.quarantined_whole_accounts.accounts;
        waves.push((wave.to_owned(), report.cohort(), report.totals.all.total));
    }
    let in_waves: i64 = waves.iter().map(|(_, _, reported)| reported).sum();
    let accounted = in_waves + quarantined_accounts;
    n.say(format!(
        "{} customers exported = {} users in waves + {} accounts quarantined whole at import{}",
        thousands(exported),
        thousands(in_waves),
        thousands(quarantined_accounts),
        if accounted == exported as i64 { ": every customer accounted for" } else { ": MISMATCH" }
    ));
    if accounted != exported as i64 {
        return Err(DemoError::at("reconciling")(format!(
            "{accounted} customers accounted for, {exported} exported"
        )));
    }
    Ok(DemoSummary {
        exported_customers: exported,
        waves,
        quarantined_accounts,
        auto_pause,
        seconds: n.elapsed_seconds(),
    })
}
