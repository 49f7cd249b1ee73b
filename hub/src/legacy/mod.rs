//! The legacy import: a legacy export (see `switchyard_sandbox::legacy`) streamed into the
//! ledger's staging tables as migration events held for a wave, every event checked against
//! its contract as ingest checks it, every row that does not become an event quarantined with
//! its place and reason; and the release of a wave's users into the ledger proper.

mod admit;
mod import;
mod release;
mod report;

pub use import::{ImportError, ROWS_PER_BATCH, import_export};
pub use release::{release_users, release_wave_users};
pub use report::{ImportReport, ImportTally, PLACES_PER_REASON, QuarantineGroup};
