//! Integration tests of the sandbox's partner simulators, over real HTTP on loopback.

mod helpers;
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
