//! The import run: the converter reads, converts and checks on a blocking thread while the
//! ledger writes the previous batch, the two joined by a small bounded channel — so memory
//! stays bounded and the time goes to parsing, not to waiting on the database.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use switchyard_contracts::Catalog;
use switchyard_sandbox::legacy::reader::{LegacyCsv, ReadError};
use switchyard_sandbox::legacy::{FileKind, LegacyExport, MigrateError, MigrateOptions, Migrated, migrate};
use tokio::sync::mpsc;

use super::admit::Admission;
use super::report::{ImportReport, ImportTally};
use crate::store::{ImportBatch, StageReport, Store, StoreError};

/// Rows (users, events and quarantined rows) written per ledger transaction.
pub const ROWS_PER_BATCH: usize = 5_000;
/// Batches converted ahead of the ledger: enough to keep both sides busy, few enough to keep
/// memory flat.
const BATCHES_IN_FLIGHT: usize = 2;

/// Why an import stopped. What was staged before stays staged; importing again is safe.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file cannot be used at all (missing, empty, no header): it names the file.
    #[error(transparent)]
    Unusable(ReadError),
    /// A file's header is not the one its role needs (say, the enrollments file given as
    /// `--customers`).
    #[error("{path}: given as the {expected} file, but its header is {}", found.map_or("no legacy file's".to_owned(), |kind| format!("the {}", kind.file_name())))]
    WrongFile { path: String, expected: &'static str, found: Option<FileKind> },
    #[error("cannot write the import to the ledger")]
    Store(#[source] StoreError),
    #[error("the import stopped: the converter thread failed")]
    Converter,
}

/// The ledger stopped taking batches: the converter stops too.
#[derive(Debug)]
struct LedgerGone;

/// Streams `export` into the ledger as staged migration events and returns what it did.
pub async fn import_export(
    store: &Store,
    catalog: Catalog,
    export: LegacyExport,
    options: MigrateOptions,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let files = check_files(&export)?;
    let import_id = store
        .start_import(&serde_json::to_value(&files).unwrap_or_default())
        .await
        .map_err(ImportError::Store)?;

    let (batches, mut incoming) = mpsc::channel::<ImportBatch>(BATCHES_IN_FLIGHT);
    let catalog = Arc::new(catalog);
    let converter = tokio::task::spawn_blocking(move || convert(&catalog, &export, &options, &batches));
    let mut staged = StageReport::default();
    let mut failure = None;
    while let Some(batch) = incoming.recv().await {
        match store.stage(&import_id, &batch).await {
            Ok(report) => staged += report,
            Err(err) => {
                failure = Some(err);
                // Dropping the receiver stops the converter at its next batch.
                break;
            }
        }
    }
    drop(incoming);
    let converted = converter.await.map_err(|_| ImportError::Converter)?;
    if let Some(err) = failure {
        return Err(ImportError::Store(err));
    }
    let tally = match converted {
        Ok(tally) => tally,
        Err(MigrateError::Read(err)) => return Err(ImportError::Unusable(err)),
        // Only a failed ledger stops the sink, and that failure was returned above.
        Err(MigrateError::Sink(LedgerGone)) => return Err(ImportError::Converter),
    };
    let report = ImportReport { import_id, files, tally, staged, seconds: started.elapsed().as_secs_f64() };
    let counts = serde_json::to_value(&report).unwrap_or_default();
    store.finish_import(&report.import_id, &counts).await.map_err(ImportError::Store)?;
    Ok(report)
}

/// The converter's side: items become rows, rows go to the ledger a batch at a time.
fn convert(
    catalog: &Catalog,
    export: &LegacyExport,
    options: &MigrateOptions,
    batches: &mpsc::Sender<ImportBatch>,
) -> Result<ImportTally, MigrateError<LedgerGone>> {
    let mut admission = Admission::new(catalog);
    migrate(export, options, |item| {
        // A user and its `user.migrated` event stay in one batch: should the event break its
        // contract, the user is withdrawn before anything of it is written.
        let user = matches!(item, Migrated::User(_));
        admission.admit(item);
        if !user && admission.pending() >= ROWS_PER_BATCH {
            batches.blocking_send(admission.take_batch()).map_err(|_| LedgerGone)?;
        }
        Ok(())
    })?;
    let last = admission.take_batch();
    if !last.is_empty() {
        batches.blocking_send(last).map_err(|_| MigrateError::Sink(LedgerGone))?;
    }
    Ok(admission.into_tally())
}

/// Opens every file before anything is staged, so an unusable one stages nothing, and checks
/// that each is the file its role needs. Returns the files by role.
fn check_files(export: &LegacyExport) -> Result<BTreeMap<String, String>, ImportError> {
    let mut roles =
        vec![(FileKind::Customers, &export.customers), (FileKind::Enrollments, &export.enrollments)];
    roles.extend(export.addresses.iter().map(|path| (FileKind::Addresses, path)));
    let mut files = BTreeMap::new();
    for (kind, path) in roles {
        let csv = LegacyCsv::open(path).map_err(ImportError::Unusable)?;
        let header: Vec<&str> = csv.header.iter().map(String::as_str).collect();
        let found = FileKind::detect(&header);
        let role = role_name(kind);
        if found != Some(kind) {
            return Err(ImportError::WrongFile { path: path.display().to_string(), expected: role, found });
        }
        files.insert(role.to_owned(), path.display().to_string());
    }
    Ok(files)
}

fn role_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Customers => "customers",
        FileKind::Addresses => "addresses",
        FileKind::Enrollments => "enrollments",
    }
}
