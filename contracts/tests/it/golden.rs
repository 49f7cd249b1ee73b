//! Golden files: the JSON Schema of every published event contract version is committed under
//! `catalog/events/`, and must equal what the Rust types generate. `UPDATE_GOLDEN=1 cargo test`
//! rewrites them — which is only right for a version that is not yet published.

use std::path::PathBuf;

use switchyard_contracts::Catalog;
use switchyard_contracts::events::shipped_event_schemas;

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1")
}

#[test]
fn event_schemas_match_the_published_files() {
    let root = Catalog::shipped_root().join("events");
    let mut mismatches = Vec::new();
    for (contract, schema) in shipped_event_schemas() {
        let path: PathBuf =
            root.join(contract.event_type.as_str()).join(format!("{}.schema.json", contract.version));
        let generated = serde_json::to_string_pretty(&schema).expect("schemas serialize") + "\n";
        if updating() {
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create catalog dir");
            std::fs::write(&path, &generated).expect("write golden schema");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(published) if published == generated => {}
            Ok(_) => mismatches.push(format!("{contract}: {} differs from the Rust type", path.display())),
            Err(err) => mismatches.push(format!("{contract}: cannot read {}: {err}", path.display())),
        }
    }
    assert!(
        mismatches.is_empty(),
        "published event contracts are frozen; add a new version instead of changing one \
         (or run UPDATE_GOLDEN=1 for an unpublished version):\n{}",
        mismatches.join("\n")
    );
}
