//! The rules a parsed configuration must follow beyond its types; every problem is reported.

use std::collections::BTreeSet;

use secrecy::ExposeSecret;

use super::delivery::{CircuitConfig, CircuitOverrides, DeliveryConfig, DeliveryOverrides};
use super::error::ConfigProblem;
use super::model::HubConfig;
use super::system::AdapterKind;

/// Shortest bearer token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

pub fn validate(config: &HubConfig) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let mut problem = |key: String, rule: &str| problems.push(ConfigProblem { key, rule: rule.to_owned() });
    if config.http.body_limit_bytes == 0 {
        problem("http.body_limit_bytes".into(), "must be greater than zero");
    }
    let mut names = BTreeSet::new();
    let mut values = BTreeSet::new();
    for (index, token) in config.api.tokens.iter().enumerate() {
        let key = format!("api.tokens[{index}]");
        if token.name.trim().is_empty() {
            problem(format!("{key}.name"), "must not be empty");
        } else if !names.insert(token.name.as_str()) {
            problem(format!("{key}.name"), "must be unique");
        }
        let secret = token.token.expose_secret();
        if secret.chars().count() < MIN_TOKEN_LEN {
            problem(format!("{key}.token"), "must be at least 16 characters");
        } else if !values.insert(secret) {
            problem(format!("{key}.token"), "must be unique (two entries hold the same token)");
        }
        if token.roles.is_empty() {
            problem(format!("{key}.roles"), "needs at least one of ingest, ops, integration, viewer");
        }
    }
    for (key, rule) in config.workers.problems() {
        problem(key.to_owned(), rule);
    }
    for (key, rule) in config.waves.problems() {
        problem(key, rule);
    }
    check_delivery("delivery", &config.delivery, &mut problem);
    check_circuit("circuit", &config.circuit, &mut problem);
    for (id, system) in &config.systems {
        let key = format!("systems.{id}");
        // Only overridden sections: the defaults' own problems are reported once, above.
        if system.delivery != DeliveryOverrides::default() {
            check_delivery(&format!("{key}.delivery"), &config.delivery_for(id), &mut problem);
        }
        if system.circuit != CircuitOverrides::default() {
            check_circuit(&format!("{key}.circuit"), &config.circuit_for(id), &mut problem);
        }
        if let Err(rule) = system.verification.validate() {
            problem(format!("{key}.verification"), &rule);
        }
        match (system.adapter, &system.webhook) {
            (Some(AdapterKind::Webhook), None) => {
                problem(format!("{key}.webhook"), "required when adapter = \"webhook\"");
            }
            (Some(other), Some(_)) if other != AdapterKind::Webhook => {
                problem(format!("{key}.webhook"), "only with adapter = \"webhook\"");
            }
            _ => {}
        }
        if system.salesforce.is_some() {
            if system.adapter.is_some_and(|adapter| adapter != AdapterKind::Salesforce) {
                problem(format!("{key}.salesforce"), "only with adapter = \"salesforce\"");
            } else if system.webhook.is_some() {
                problem(
                    format!("{key}.salesforce"),
                    "a system has one adapter: webhook or salesforce settings, not both",
                );
            }
        }
    }
    problems
}

fn check_delivery(key: &str, delivery: &DeliveryConfig, problem: &mut impl FnMut(String, &str)) {
    if delivery.batch_size == 0 {
        problem(format!("{key}.batch_size"), "must be at least 1");
    }
    if delivery.concurrency == 0 {
        problem(format!("{key}.concurrency"), "must be at least 1");
    }
    if delivery.retry_schedule.is_empty() {
        problem(format!("{key}.retry_schedule"), "needs at least one delay");
    }
    if delivery.max_attempts == Some(0) {
        problem(format!("{key}.max_attempts"), "must be at least 1");
    }
    if delivery.retry_after_min > delivery.retry_after_max {
        problem(format!("{key}.retry_after_min"), "must not exceed retry_after_max");
    }
}

fn check_circuit(key: &str, circuit: &CircuitConfig, problem: &mut impl FnMut(String, &str)) {
    if let Err(error) = circuit.rules() {
        let field = match error {
            crate::policy::CircuitRulesError::Window => "window",
            crate::policy::CircuitRulesError::FailureRate => "failure_rate",
            crate::policy::CircuitRulesError::MinRequests => "min_requests",
            crate::policy::CircuitRulesError::OpenFor => "open_for",
        };
        problem(format!("{key}.{field}"), &error.to_string());
    }
}
