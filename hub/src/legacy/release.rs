//! Releasing a wave's users: their staged migration events go into the ledger with the
//! deliveries ingest would give them (`Routes::deliveries_for`), and from then on travel like
//! any live event.

use switchyard_contracts::{ContractVersion, Envelope, EventRef, EventType};

use crate::routing::Routes;
use crate::store::{NewEvent, ReleaseReport, Route, Store, StoreError};

/// Records the staged events of `legacy_ids` in the ledger with their routes and marks them
/// released; releasing the same users again releases nothing twice.
pub async fn release_users(
    store: &Store,
    routes: &Routes,
    legacy_ids: &[String],
) -> Result<ReleaseReport, StoreError> {
    store.release_staged(legacy_ids, None, |staged| routes_of(routes, staged)).await
}

/// As [`release_users`], for users of `wave`: their deliveries carry the wave's name.
pub async fn release_wave_users(
    store: &Store,
    routes: &Routes,
    wave: &str,
    legacy_ids: &[String],
) -> Result<ReleaseReport, StoreError> {
    store.release_staged(legacy_ids, Some(wave), |staged| routes_of(routes, staged)).await
}

/// The routes of a staged event. It was valid when staged, so its envelope rebuilds; should it
/// not, every route of its contract version keeps its delivery, as a mapping's `when` that
/// fails to evaluate does, and the worker reports the problem where ops see it.
fn routes_of(routes: &Routes, staged: &NewEvent) -> Vec<Route> {
    let Some(contract) = contract_of(staged) else { return Vec::new() };
    let envelope = staged.time.and_then(|time| {
        Envelope::new(&staged.source, &staged.event_id, &contract, time, staged.data.clone()).ok()
    });
    match envelope {
        Some(envelope) => routes.deliveries_for(&envelope),
        None => routes.for_event(&contract).iter().map(Route::from).collect(),
    }
}

fn contract_of(staged: &NewEvent) -> Option<EventRef> {
    let event_type = EventType::parse(&staged.event_type).ok()?;
    let version = ContractVersion::new(u32::try_from(staged.version).ok()?)?;
    Some(EventRef::new(event_type, version))
}
