//! Property tests: the envelope parser and the mapping loader never panic, whatever they read,
//! and what the envelope accepts round-trips.

use proptest::prelude::*;
use serde_json::{Value, json};
use switchyard_contracts::Envelope;
use switchyard_contracts::mapping::JqProgram;

use crate::support::CatalogCopy;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,10}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Structured events whose attributes are sometimes right, sometimes anything.
fn envelope_like() -> impl Strategy<Value = Value> {
    let attribute = prop_oneof![json_value(), ".{0,20}".prop_map(Value::from)];
    (
        attribute.clone(),
        attribute.clone(),
        prop_oneof![Just(json!("1.0")), attribute.clone()],
        prop_oneof![Just(json!("enrollment.created")), attribute.clone()],
        prop_oneof![Just(json!("urn:switchyard:schema:enrollment.created:v2")), attribute.clone()],
        prop_oneof![json_value(), Just(json!({"a": 1}))],
    )
        .prop_map(|(id, source, specversion, ty, dataschema, data)| {
            json!({"id": id, "source": source, "specversion": specversion, "type": ty,
                   "dataschema": dataschema, "data": data})
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_envelope_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Envelope::parse_structured(&bytes);
    }

    #[test]
    fn accepted_envelopes_round_trip(value in envelope_like()) {
        if let Ok(envelope) = Envelope::from_json(value) {
            let again = Envelope::from_json(envelope.to_structured_json()).expect("what was accepted is accepted again");
            prop_assert_eq!(again, envelope);
        }
    }

    #[test]
    fn jq_compilation_never_panics(source in "[ -~]{0,40}") {
        let _ = JqProgram::compile(&source);
    }
}

proptest! {
    // Each case writes a catalog copy to disk: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn the_mapping_loader_never_panics(body in "[ -~\n]{0,120}", expression in "[ -~]{0,30}") {
        let copy = CatalogCopy::new();
        copy.write("systems/salesforce/mappings/fuzzed.toml", &body);
        copy.write(
            "systems/lms/mappings/fuzzed.toml",
            &format!("source = \"user.migrated@v1\"\ntarget = \"learner@v1\"\n[fields]\nuser_id = {}\n", toml_string(&expression)),
        );
        if let Ok(catalog) = switchyard_contracts::Catalog::load(copy.root()) {
            let _ = catalog.check();
        }
    }
}

fn toml_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings encode")
}
