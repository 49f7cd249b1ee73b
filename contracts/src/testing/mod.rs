//! The offline part of contract testing: fixtures through mappings, checked and reported.

mod report;
mod runner;

pub use runner::{CaseResult, ContractTestReport, UntestedMapping, compare_records, run_contract_tests};
