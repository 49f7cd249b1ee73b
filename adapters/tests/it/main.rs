//! Integration tests for switchyard-adapters: one binary, one module per concern.

mod conformance;
mod salesforce;
mod support;
mod webhook;
