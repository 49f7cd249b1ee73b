//! Integration tests of the sandbox: the partner simulators over real HTTP on loopback, and
//! the legacy export generator and profiler on real files.

mod helpers;
mod legacy_bad_input;
mod legacy_generate;
mod legacy_helpers;
mod legacy_migrate;
mod legacy_profile;
mod python_client;
mod salesforce_automations;
mod salesforce_bulk;
mod salesforce_collections;
mod salesforce_composite;
mod salesforce_faults;
mod salesforce_jwt;
mod salesforce_oauth;
mod salesforce_org;
mod salesforce_query;
mod salesforce_rules;
mod salesforce_transport;
mod salesforce_upsert;
mod webhook_receiver;
