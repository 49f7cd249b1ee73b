//! What several test modules share.

pub mod files;
pub mod hub;
pub mod ledger;
pub mod process;
pub mod salesforce;
pub mod waves;
