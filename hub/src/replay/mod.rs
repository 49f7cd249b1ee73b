//! `switchyard sandbox replay`: every case through the real mapping and the real adapter
//! against a partner system (the org simulator in process with `--simulate`, or a Salesforce
//! org at `--against`), then the expectations read back: a case passes only if what
//! Switchyard expected happened downstream. Reports as Markdown, JSON and JUnit XML.
//!
//! Cases are the contract catalog's fixtures of the system (each expects its record to be
//! accepted and every expectation that applies to it to hold), or the sandbox's legacy
//! edge-case catalog (`--cases catalog`): each class's export migrated into events, replayed
//! as event cases and judged per class (see `legacy.rs`).

mod cases;
mod evidence;
mod legacy;
mod report;
mod run;

pub use cases::{Expected, FieldCheck, ReplayCase, fixture_cases, objects_parents_first, parent_rank};
pub use evidence::{contract_versions, directory_digest, run_record};
pub use legacy::{ClassReplay, class_replay};
pub use report::{CaseResult, ReplayReport};
pub use run::{ReplayError, ReplayTarget, replay};
