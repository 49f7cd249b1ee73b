//! Mapping evaluation throughput: `user.migrated@v1 -> Contact` and
//! `enrollment.created@v2 -> Enrollment__c`, on the shipped catalog, one record at a time.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use switchyard_contracts::catalog::Fixture;
use switchyard_contracts::{Catalog, Envelope, SystemId};

fn first_fixture<'a>(catalog: &'a Catalog, mapping: &str) -> &'a Fixture {
    let system = catalog.system(&SystemId::parse("salesforce").expect("valid id")).expect("salesforce system");
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
criterion_main!(benches);
