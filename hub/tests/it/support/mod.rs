//! What several test modules share.

pub mod hub;
pub mod ledger;
pub mod salesforce;
