//! The legacy export generator: seeded (same seed, same bytes), and what it writes is what
//! its manifest says.

use switchyard_sandbox::legacy::{CaseClass, GenerateOptions, generate};

fn files(options: &GenerateOptions) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut customers, mut addresses, mut enrollments) = (Vec::new(), Vec::new(), Vec::new());
    generate(options, &mut customers, &mut addresses, &mut enrollments).expect("generate");
    (customers, addresses, enrollments)
}

#[test]
fn the_same_seed_gives_byte_identical_files_and_another_seed_other_files() {
    let options = GenerateOptions::new(1500, 42, 0.3);
    let first = files(&options);
    assert_eq!(first, files(&options));
    let other = files(&GenerateOptions::new(1500, 43, 0.3));
    assert_ne!(first.0, other.0);
    assert_ne!(first.1, other.1);
    assert_ne!(first.2, other.2);
}

#[test]
fn the_same_seed_gives_the_same_files_on_disk_and_the_same_manifest() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let options = GenerateOptions::new(800, 9, 0.2);
    let ma = super::legacy_helpers::generated(a.path(), &options);
    let mb = super::legacy_helpers::generated(b.path(), &options);
    assert_eq!(ma, mb);
    for name in ["customers.csv", "addresses.csv", "enrollments.csv", "manifest.json"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn row_counts_in_the_manifest_are_the_files_rows_and_edge_share_zero_puts_nothing_in() {
    let options = GenerateOptions::new(500, 1, 0.0);
    let (mut customers, mut addresses, mut enrollments) = (Vec::new(), Vec::new(), Vec::new());
    let manifest = generate(&options, &mut customers, &mut addresses, &mut enrollments).unwrap();
    let rows = |bytes: &[u8]| csv::Reader::from_reader(bytes).records().count() as u64;
    assert_eq!(manifest.rows.customers, rows(&customers));
    assert_eq!(manifest.rows.addresses, rows(&addresses));
    assert_eq!(manifest.rows.enrollments, rows(&enrollments));
    assert_eq!(manifest.rows.customers, 500);
    assert!(manifest.classes.values().all(|count| *count == 0), "{:?}", manifest.classes);
    assert_eq!(manifest.classes.len(), CaseClass::all().count());
}

#[test]
fn only_puts_in_the_named_classes() {
    let options =
        GenerateOptions::new(400, 5, 1.0).only(&[CaseClass::NameRtl, CaseClass::EnrollmentRefunded]);
    let (mut c, mut a, mut e) = (Vec::new(), Vec::new(), Vec::new());
    let manifest = generate(&options, &mut c, &mut a, &mut e).unwrap();
    let nonzero: Vec<_> =
        manifest.classes.iter().filter(|(_, n)| **n > 0).map(|(name, _)| name.as_str()).collect();
    assert_eq!(nonzero, vec!["enrollment-refunded", "name-rtl"]);
    assert_eq!(manifest.classes["name-rtl"] + manifest.classes["enrollment-refunded"], 400);
}
