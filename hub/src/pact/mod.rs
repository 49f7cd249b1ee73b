//! `switchyard contracts pact`: a system's fixtures and expectations as a Pact v4 file
//! (consumer `switchyard`, provider the system), for teams that verify with Pact tools.
//!
//! Each fixture case is one `Synchronous/HTTP` interaction: the request Switchyard's adapter
//! sends for the fixture's expected record (built by the adapter's own request code, so the
//! pact shows the wire: relationship names, paths, the webhook envelope) and the answer it
//! relies on, with type matchers where the provider chooses the values (ids). For Salesforce,
//! every expectation that applies to a case adds the read-back query and the record (or the
//! absence) it must find, the evidence verification checks after a delivery.

mod interactions;

use serde_json::{Value, json};
use switchyard_contracts::catalog::SystemCatalog;

pub use interactions::PactError;

/// How the provider is reached, from the dependency map's `switchyard.io/adapter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// The Salesforce REST API, at this API version (e.g. `v60.0`).
    Salesforce { api_version: &'static str },
    /// A Standard Webhooks receiver, one event per request.
    Webhook,
}

/// The Pact v4 document for `system`.
pub fn pact(system: &SystemCatalog, kind: ProviderKind) -> Result<Value, PactError> {
    let interactions = interactions::all(system, kind)?;
    Ok(json!({
        "consumer": {"name": "switchyard"},
        "provider": {"name": system.id.to_string()},
        "interactions": interactions,
        "metadata": {
            "pactSpecification": {"version": "4.0"},
            "switchyard": {"version": env!("CARGO_PKG_VERSION"), "source": "contract catalog fixtures and expectations"},
        },
    }))
}
