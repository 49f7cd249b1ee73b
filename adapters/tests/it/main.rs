//! Integration tests for switchyard-adapters: one binary, one module per concern.

mod conformance;
mod support;
mod webhook;
