//! Legacy data, production-shaped: the three legacy export files (Magento's customers and
//! addresses, the platform's enrollment export; see README.md), the edge-case catalog, a
//! seeded streaming generator of such exports, a profiler that finds the catalog's classes
//! in real exports and writes anonymized samples of them, and the migration of an export into
//! events.

pub mod anonymize;
pub mod catalog;
pub mod class_cases;
pub mod columns;
mod detect;
mod draft;
pub mod generate;
pub mod migrate;
pub mod outcome;
pub mod profile;
pub mod reader;
mod sample_cases;
mod samples;
mod shape;
mod views;

pub use anonymize::Pseudonymizer;
pub use catalog::{CATALOG, CaseClass, EdgeCase};
pub use class_cases::{ClassCase, ClassCaseError, USERS_PER_CLASS, class_cases};
pub use columns::FileKind;
pub use generate::{GenerateError, GenerateOptions, Manifest, RowCounts, generate, generate_into_dir};
pub use migrate::{
    LegacyExport, MigrateError, MigrateOptions, MigrateSummary, Migrated, MigratedUser, MigrationEvent,
    QuarantinedRow, migrate,
};
pub use outcome::{CaseUnit, ExpectedOutcome};
pub use profile::{FileSummary, ProfileError, ProfileOptions, ProfileReport, profile};
pub use reader::BadRow;
pub use sample_cases::sample_cases;
