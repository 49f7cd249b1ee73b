//! Integration tests for switchyard-adapters: one binary, one module per concern.

mod conformance;
mod salesforce;
mod salesforce_bulk;
mod support;
mod webhook;
