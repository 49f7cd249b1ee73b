//! The edge-case catalog as replay material: for each class, a small generated export whose
//! users show the class, migrated into events that name the classes their rows show. The
//! hub's replay sends them and checks each class's expected outcome downstream.

use std::path::Path;

use chrono::DateTime;

use super::catalog::{CATALOG, CaseClass};
use super::draft::EXPORT_TIME;
use super::generate::{GenerateError, GenerateOptions, generate_into_dir};
use super::migrate::{
    LegacyExport, MigrateError, MigrateOptions, Migrated, MigrationEvent, QuarantinedRow, migrate,
};
use super::outcome::ExpectedOutcome;
use super::reader::{LegacyCsv, ReadError};

/// Users generated per class: the duplicate classes need an ordinary account before theirs.
pub const USERS_PER_CLASS: u64 = 3;

/// One class, ready to replay.
#[derive(Debug, Clone)]
pub struct ClassCase {
    pub class: CaseClass,
    /// Every event of the class's export, users first (some show the class, the rest are
    /// the context its records need, e.g. the Contact an enrollment looks up).
    pub events: Vec<MigrationEvent>,
    pub quarantined: Vec<QuarantinedRow>,
    /// For a class whose column must never leave: the values the export holds in it (`None`
    /// when the source cannot hold them: a profile's samples are emptied of secrets).
    pub withheld: Option<Vec<String>>,
}

impl ClassCase {
    /// Whether `event` shows this case's class.
    pub fn shows(&self, event: &MigrationEvent) -> bool {
        event.classes.contains(&self.class)
    }
}

/// Why the cases could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClassCaseError {
    #[error("generating the {class} export")]
    Generate {
        class: &'static str,
        #[source]
        source: GenerateError,
    },
    #[error("migrating the {class} export")]
    Migrate {
        class: &'static str,
        #[source]
        source: ReadError,
    },
    #[error("cannot read the samples in {}", dir.display())]
    Samples {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a sample of a catalog class (files are named after their class, e.g. name-html.csv)", path.display())]
    UnknownSample { path: std::path::PathBuf },
    #[error("{}: the header matches none of customers, addresses or enrollments", path.display())]
    NotASample { path: std::path::PathBuf },
}

/// A case per catalog class (or per class of `only`), generated under `dir` with `seed` and
/// migrated as of the generator's export date.
pub fn class_cases(
    dir: &Path,
    seed: u64,
    only: Option<&[CaseClass]>,
) -> Result<Vec<ClassCase>, ClassCaseError> {
    let mut cases = Vec::new();
    for (index, case) in CATALOG.iter().enumerate() {
        if only.is_some_and(|only| !only.contains(&case.class)) {
            continue;
        }
        let class = case.name;
        let mut options = GenerateOptions::new(USERS_PER_CLASS, seed, 1.0).only(&[case.class]);
        // Each class's users get their own ids, so every export can go into one org.
        options.first_user = index as u64 * USERS_PER_CLASS;
        let export_dir = dir.join(class);
        generate_into_dir(&options, &export_dir)
            .map_err(|source| ClassCaseError::Generate { class, source })?;
        let mut migrated = migrate_case(case.class, &export_dir)?;
        if let ExpectedOutcome::NeverSent { field } = case.expected {
            let customers = LegacyExport::in_dir(&export_dir).customers;
            let values = column_values(&customers, field)
                .map_err(|source| ClassCaseError::Migrate { class, source })?;
            migrated.withheld = Some(values);
        }
        cases.push(migrated);
    }
    Ok(cases)
}

/// The three-file export in `dir`, migrated (as of the generator's export date) with the
/// detectors on, as `class`'s case.
pub(super) fn migrate_case(class: CaseClass, dir: &Path) -> Result<ClassCase, ClassCaseError> {
    let exported_at = DateTime::from_timestamp(EXPORT_TIME, 0).unwrap_or_default();
    let options = MigrateOptions { detect_classes: true, ..MigrateOptions::new(exported_at) };
    let mut events = Vec::new();
    let mut quarantined = Vec::new();
    migrate(&LegacyExport::in_dir(dir), &options, |item| {
        match item {
            Migrated::Event(event) => events.push(event),
            Migrated::Quarantined(row) => quarantined.push(row),
            Migrated::User(_) => {}
        }
        Ok::<(), std::convert::Infallible>(())
    })
    .map_err(|err| match err {
        MigrateError::Read(source) => ClassCaseError::Migrate { class: class.name(), source },
        MigrateError::Sink(never) => match never {},
    })?;
    Ok(ClassCase { class, events, quarantined, withheld: None })
}

/// The non-empty values of `column` in a legacy file.
fn column_values(path: &Path, column: &str) -> Result<Vec<String>, ReadError> {
    let csv = LegacyCsv::open(path)?;
    let Some(index) = csv.header.iter().position(|name| name == column) else { return Ok(Vec::new()) };
    let mut values = Vec::new();
    csv.for_each_row(&mut Vec::new(), |_, record| {
        if let Some(value) = record.get(index).filter(|v| !v.trim().is_empty()) {
            values.push(value.to_owned());
        }
    });
    Ok(values)
}
