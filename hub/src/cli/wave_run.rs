//! `wave start | pause | resume | abort | redrive | status`: the actions (through
//! [`WaveControl`], as the HTTP API does) and the live progress display.

use std::collections::BTreeMap;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::Outcome;
use super::output::{Format, print_json};
use super::wave::ActionArgs;
use crate::waves::{ControlError, WaveControl, WaveStatus};

/// How often `--watch` reads the wave's progress.
const WATCH_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy)]
pub(super) enum Act {
    Pause,
    Resume,
    Abort,
}

pub(super) async fn start(
    control: &WaveControl,
    name: &str,
    by: &str,
    overrides: &[String],
    reason: Option<&str>,
    watch: bool,
    format: Format,
) -> Result<Outcome, String> {
    match control.start(name, by, overrides, reason).await {
        Ok(started) => {
            for gate in &started.overridden {
                eprintln!("wave {name}: gate {gate} fails; started through it by {by} (recorded)");
            }
            eprintln!(
                "wave {name}: running; the hub feeds it (`switchyard serve` on this ledger), \
                 `switchyard wave status {name}` shows its progress"
            );
            if watch {
                return watch_until_settled(control, name).await;
            }
            Ok(Outcome::Clean)
        }
        Err(ControlError::GatesFail { report, .. }) => {
            match format {
                Format::Json => print_json(&report),
                Format::Text => print!("{}", report.to_text()),
            }
            let failing: Vec<&str> = report.failing().map(|gate| gate.gate).collect();
            eprintln!(
                "error: wave {name} cannot start: gate(s) {} fail; `--override <gate> --reason <why>` \
                 starts it anyway (recorded)",
                failing.join(", ")
            );
            Ok(Outcome::Findings)
        }
        Err(err) => Err(err.to_string()),
    }
}

pub(super) async fn act(control: &WaveControl, act: Act, args: &ActionArgs) -> Result<Outcome, String> {
    let (name, by, reason) = (&args.name, &args.by, args.reason.as_deref());
    let line = match act {
        Act::Pause => {
            let held = control.pause(name, by, reason).await.map_err(|e| e.to_string())?;
            format!("paused; {held} queued deliveries held")
        }
        Act::Resume => {
            let released = control.resume(name, by, reason).await.map_err(|e| e.to_string())?;
            format!("running again; {released} held deliveries go again")
        }
        Act::Abort => {
            let held = control.abort(name, by, reason).await.map_err(|e| e.to_string())?;
            format!("aborted; no more users are released, {held} queued deliveries held")
        }
    };
    eprintln!("wave {name}: {line} (recorded for {by})");
    Ok(Outcome::Clean)
}

pub(super) async fn redrive(
    control: &WaveControl,
    name: &str,
    by: &str,
    states: &[String],
) -> Result<Outcome, String> {
    let redriven = control.redrive(name, by, states).await.map_err(|e| e.to_string())?;
    eprintln!("wave {name}: {redriven} deliveries redriven (recorded for {by})");
    Ok(Outcome::Clean)
}

pub(super) async fn status(
    control: &WaveControl,
    name: &str,
    watch: bool,
    format: Format,
) -> Result<Outcome, String> {
    if watch {
        return watch_until_settled(control, name).await;
    }
    let status = control.status(name).await.map_err(|e| e.to_string())?;
    match format {
        Format::Json => print_json(&status),
        Format::Text => print!("{}", status.to_text()),
    }
    Ok(Outcome::Clean)
}

/// Shows the wave's progress until it is no longer running; exit 1 unless it completed.
pub async fn watch_until_settled(control: &WaveControl, name: &str) -> Result<Outcome, String> {
    let mut display = ProgressDisplay::new();
    loop {
        let status = control.status(name).await.map_err(|e| e.to_string())?;
        display.show(&status);
        if status.state != "running" {
            display.finish();
            print!("{}", status.to_text());
            return Ok(if status.state == "completed" { Outcome::Clean } else { Outcome::Findings });
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

/// One progress bar per system (indicatif): records settled against the plan, with the rate
/// and ETA indicatif works out, and the failures and silent failures so far.
#[derive(Debug)]
pub struct ProgressDisplay {
    bars: MultiProgress,
    users: ProgressBar,
    systems: BTreeMap<String, ProgressBar>,
}

impl Default for ProgressDisplay {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressDisplay {
    pub fn new() -> Self {
        let bars = MultiProgress::new();
        let users = bars.add(ProgressBar::new(0));
        users.set_style(style("{prefix:>12} [{bar:30}] {pos}/{len} users released {msg}"));
        users.set_prefix("wave");
        Self { bars, users, systems: BTreeMap::new() }
    }

    pub fn show(&mut self, status: &WaveStatus) {
        self.users.set_length(u64::try_from(status.users).unwrap_or(0));
        self.users.set_position(u64::try_from(status.released_users).unwrap_or(0));
        self.users.set_message(status.state.clone());
        for system in &status.systems {
            let bar = self.systems.entry(system.system.clone()).or_insert_with(|| {
                let bar = self.bars.add(ProgressBar::new(0));
                bar.set_style(style("{prefix:>12} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}"));
                bar.set_prefix(system.system.clone());
                bar
            });
            bar.set_length(u64::try_from(system.planned).unwrap_or(0));
            bar.set_position(u64::try_from(system.settled()).unwrap_or(0));
            bar.set_message(format!(
                "confirmed {} · failed {} · silent {} · queued {}",
                system.confirmed,
                system.rejected + system.dead_lettered,
                system.silent_failures,
                system.queued + system.in_flight
            ));
        }
    }

    pub fn finish(&self) {
        self.users.abandon();
        for bar in self.systems.values() {
            bar.abandon();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
