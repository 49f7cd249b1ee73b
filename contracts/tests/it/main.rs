//! Integration tests of the contracts crate: one binary, one module per area.

mod bad_input;
mod contract_tests;
mod golden;
mod properties;
mod support;
mod typecheck;
