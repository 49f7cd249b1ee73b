//! The hub's Prometheus metrics: what ingest, the delivery worker and the sweeper record, and
//! the text exposition `GET /metrics` serves (with delivery counts read from the ledger).
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `switchyard_events_accepted_total` | counter | |
//! | `switchyard_events_duplicate_total` | counter | |
//! | `switchyard_delivery_outcomes_total` | counter | `system`, `outcome` (delivered, retry, rejected, dead_lettered) |
//! | `switchyard_deferred_total` | counter | `system` |
//! | `switchyard_verifications_total` | counter | `system`, `verdict` (confirmed, silent_failure) |
//! | `switchyard_batch_duration_seconds` | histogram | `system` |
//! | `switchyard_batch_items` | histogram | `system` |
//! | `switchyard_circuit_state` | gauge: 0 closed, 1 half-open, 2 open | `system` |
//! | `switchyard_circuit_failure_ratio` | gauge | `system` |
//! | `switchyard_queue_jobs` | gauge: queue jobs waiting | |
//! | `switchyard_api_usage` | gauge: a downstream's API allowance | `system`, `kind` (org_used, org_limit, hub_calls, hub_budget) |
//! | `switchyard_deliveries` | gauge, from the ledger | `system`, `state` |

mod hub_metrics;
mod render;

#[cfg(test)]
mod tests;

pub use hub_metrics::HubMetrics;
pub use render::CONTENT_TYPE;
