//! Mapping evaluation throughput: `user.migrated@v1 -> Contact` and
//! `enrollment.created@v2 -> Enrollment__c`, on the shipped catalog, one record at a time.

use std::hint::black_box;

/// The allocator the `switchyard` binary runs with: measure what production runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use switchyard_contracts::catalog::Fixture;
use switchyard_contracts::{Catalog, Envelope, SystemId};

fn first_fixture<'a>(catalog: &'a Catalog, mapping: &str) -> &'a Fixture {
    let system =
        catalog.system(&SystemId::parse("salesforce").expect("valid id")).expect("salesforce system");
    system.fixtures.iter().find(|f| f.mapping == mapping).expect("a fixture for the mapping")
}

fn bench_mapping(c: &mut Criterion) {
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog loads");
    let mut group = c.benchmark_group("mapping");
    group.throughput(Throughput::Elements(1));
    for (label, mapping_name) in [
        ("user.migrated@v1 -> Contact", "contact-from-user-migrated"),
        ("enrollment.created@v2 -> Enrollment__c", "enrollment-from-enrollment-created-v2"),
    ] {
        let fixture = first_fixture(&catalog, mapping_name);
        let envelope = Envelope::from_json(fixture.event.clone()).expect("fixture event parses");
        let attributes: Value = envelope.attributes_json();
        let mapping = catalog.mappings().find(|m| m.name() == mapping_name).expect("mapping").clone();
        group.bench_function(label, |b| {
            b.iter(|| black_box(mapping.apply(black_box(envelope.data()), &attributes).expect("maps")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_mapping);
criterion_main!(benches, fields);

/// One field at a time (each paying its own input conversion): where a mapping's time goes.
fn bench_fields(c: &mut Criterion) {
    use switchyard_contracts::mapping::JqInput;
    let catalog = Catalog::load(Catalog::shipped_root()).expect("shipped catalog loads");
    let fixture = first_fixture(&catalog, "contact-from-user-migrated");
    let envelope = Envelope::from_json(fixture.event.clone()).expect("fixture event parses");
    let mapping =
        catalog.mappings().find(|m| m.name() == "contact-from-user-migrated").expect("mapping").clone();
    let attributes = envelope.attributes_json();
    let mut group = c.benchmark_group("field");
    for (name, _) in &mapping.spec().fields {
        let program = mapping.field_program(name).unwrap();
        group.bench_function(name.as_str(), |b| {
            b.iter(|| black_box(program.run_single_prepared(&JqInput::new(envelope.data(), &attributes))))
        });
    }
}
criterion_group!(fields, bench_fields);
