//! `switchyard sandbox replay`: every case through the real mapping and the real adapter
//! against a partner system (a simulator in process with `--simulate`, or the partner's
//! sandbox at `--against`), then what happened read back: a case passes only if what
//! Switchyard expected happened downstream. Reports as Markdown, JSON and JUnit XML.
//!
//! `run` dispatches on the target: `salesforce` (upsert, then the catalog's expectations read
//! back from the org) or `webhook` (signed POSTs, read back from the receiver simulator).
//! `compare` puts replays of one system under several contract sets side by side.
//!
//! Cases are the contract catalog's fixtures of the system (each expects its record to be
//! accepted and every expectation that applies to it to hold), the sandbox's legacy
//! edge-case catalog (`--cases catalog`), or a profile's samples (`--cases <dir>`): each
//! class's export migrated into events, replayed as event cases and judged per class (see
//! `legacy.rs`).

mod cases;
mod compare;
mod evidence;
mod legacy;
mod report;
mod run;
mod salesforce;
mod webhook;

pub use cases::{Expected, FieldCheck, ReplayCase, fixture_cases, objects_parents_first, parent_rank};
pub use compare::{CaseAcrossSets, ContractComparison, OutcomeUnder, SetReport};
pub use evidence::{contract_versions, directory_digest, run_record};
pub use legacy::{ClassReplay, class_replay};
pub use report::{CaseResult, ReplayReport};
pub use run::{ReplayError, ReplayTarget, replay};
