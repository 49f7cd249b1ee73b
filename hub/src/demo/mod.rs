//! `switchyard demo`: the whole migration story on embedded defaults, narrated. A generated
//! legacy export is imported into SQLite in a temporary directory; the hub runs in-process
//! against the sandbox's Salesforce org simulator and an LMS webhook receiver, both on
//! loopback; wave 1 (1%) passes its gates and completes; the CRM team's flow change is
//! deployed; the replay gate would stop wave 2, which is forced through to show the live
//! defence: read-back verification finds silent failures and the wave pauses itself; the flow
//! is fixed, the silent failures are redriven, the wave resumes and completes; and the
//! reconciliation accounts for every exported customer.

mod evidence;
mod narrate;
mod rig;
mod story;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use rig::{DEMO_FEED, Partners};
pub use story::{AutoPause, DemoSummary, demo_weights, run};

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Customers in the generated export.
    pub users: u64,
    pub seed: u64,
    /// Where the ledger and the export go; a temporary directory (deleted at the end) if none.
    pub data_dir: Option<PathBuf>,
    /// Keep the hub running at the end until Ctrl-C.
    pub serve: bool,
    /// Where the hub listens (port 0: any free port).
    pub listen: SocketAddr,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            users: 5_000,
            seed: 7,
            data_dir: None,
            serve: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Why the demo stopped before its end; each names the step.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{step}: {problem}")]
    Step { step: &'static str, problem: String },
}

impl DemoError {
    pub(crate) fn at(step: &'static str) -> impl FnOnce(String) -> DemoError {
        move |problem| DemoError::Step { step, problem }
    }
}
