//! A system's adapter kind as the dependency map names it (`switchyard.io/adapter`): how
//! `contracts pact` and `sandbox replay` know whether a system is a Salesforce org or a webhook.

use std::path::Path;

use switchyard_contracts::SystemId;
use switchyard_dependency_map::DependencyMap;

/// The adapter the map at `map` (the shipped map by default) names for `system`; `None`, said
/// on stderr, when the map cannot be loaded or the system is no delivery target on it.
pub fn adapter_on_map(map: Option<&Path>, system: &SystemId) -> Option<String> {
    let map_root = map.map(Path::to_path_buf).unwrap_or_else(DependencyMap::shipped_root);
    let Ok(map) = DependencyMap::load(&map_root) else {
        eprintln!(
            "error: the dependency map at {} cannot be loaded (run `switchyard map validate`)",
            map_root.display()
        );
        return None;
    };
    let adapter = map.delivery_target(system).and_then(|entity| entity.delivery.as_ref());
    if adapter.is_none() {
        eprintln!("error: {system} is no delivery target on the dependency map at {}", map_root.display());
    }
    adapter.map(|delivery| delivery.adapter.clone())
}
