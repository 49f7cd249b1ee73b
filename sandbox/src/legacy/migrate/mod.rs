//! Legacy exports as migration events: every customer becomes a `user.migrated@v1`, every
//! enrollment row an `enrollment.created@v2`, every paid order a `payment.captured@v1` — or a
//! quarantined row with its file, line and reason. Secrets (password hashes, reset tokens,
//! plaintext passwords) are never read into an event.
//!
//! Streaming, in four passes over the files (enrollments, addresses, customers, enrollments
//! again), so memory holds a few small facts per customer, never the export: what a user's
//! enrollments say (for its status), its address, and whether it was migrated.

mod enrollment;
mod user;
mod values;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use switchyard_contracts::Envelope;
use switchyard_contracts::events::{DomainEvent, UserStatus};

use super::catalog::{CATALOG, CaseClass};
use super::detect::{CustomerFacts, address_case, customer_case, enrollment_case, user_case};
use super::outcome::{CaseUnit, ExpectedOutcome};
use super::reader::{BadRow, LegacyCsv, ReadError};
use super::views::{AddressColumns, CustomerColumns, EnrollmentColumns};
use enrollment::{ORPHAN, OpenOrder, enrollment_of};
use user::{CompactAddress, EnrollmentFacts, user_of};

/// The files of one export.
#[derive(Debug, Clone)]
pub struct LegacyExport {
    pub customers: PathBuf,
    pub addresses: Option<PathBuf>,
    pub enrollments: PathBuf,
}

impl LegacyExport {
    /// The three files as `sandbox generate` names them in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        use super::columns::FileKind;
        Self {
            customers: dir.join(FileKind::Customers.file_name()),
            addresses: Some(dir.join(FileKind::Addresses.file_name())),
            enrollments: dir.join(FileKind::Enrollments.file_name()),
        }
    }
}

/// How to migrate.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// The events' CloudEvents `source`.
    pub source: String,
    /// When the export was taken: every event's `time`, and "now" for statuses and birth dates.
    pub exported_at: DateTime<Utc>,
    /// Also name the edge-case classes each event's rows show (the replay needs them; an
    /// import does not, and skips the detectors).
    pub detect_classes: bool,
}

impl MigrateOptions {
    pub fn new(exported_at: DateTime<Utc>) -> Self {
        Self { source: "/legacy/magento".into(), exported_at, detect_classes: false }
    }
}

/// One thing the migration produced, in order: every `User` (with its `user.migrated`
/// event) comes before any enrollment or payment event.
#[derive(Debug)]
// Items go to the sink one at a time and are taken apart there, never stored side by side:
// boxing the event would only add an allocation per event.
#[allow(clippy::large_enum_variant)]
pub enum Migrated {
    User(MigratedUser),
    Event(MigrationEvent),
    Quarantined(QuarantinedRow),
}

/// A legacy account that becomes a migrated user: what waves select cohorts by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigratedUser {
    pub legacy_id: String,
    pub user_id: String,
    pub status: UserStatus,
    pub created_at: Option<DateTime<Utc>>,
    pub partner_code: Option<String>,
    pub website: Option<String>,
    /// Its rows in the enrollment export (quarantined ones included).
    pub enrollments: u32,
}

/// A migration event, valid by construction against its contract.
#[derive(Debug, Clone)]
pub struct MigrationEvent {
    /// The legacy account it belongs to.
    pub legacy_id: String,
    pub envelope: Envelope,
    /// The row it comes from (a payment: its order's first row).
    pub file: String,
    pub line: u64,
    /// The edge-case classes its rows show, with `detect_classes` (else empty).
    pub classes: Vec<CaseClass>,
}

/// A row that does not become an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedRow {
    pub file: String,
    pub line: u64,
    pub legacy_id: Option<String>,
    pub reason: String,
    /// The edge-case class whose expected outcome this quarantine is, when there is one.
    pub class: Option<&'static str>,
}

/// What came out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrateSummary {
    pub users: u64,
    pub events: u64,
    pub quarantined: u64,
}

/// Why the migration stopped.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError<E> {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("the migration's receiver failed")]
    Sink(#[source] E),
}

/// Migrates `export`, handing every item to `sink` in order; a sink error stops the run.
pub fn migrate<E>(
    export: &LegacyExport,
    options: &MigrateOptions,
    sink: impl FnMut(Migrated) -> Result<(), E>,
) -> Result<MigrateSummary, MigrateError<E>> {
    let mut run = Run { options, sink, failure: None, summary: MigrateSummary::default() };
    let facts = enrollment_facts(&export.enrollments)?;
    let addresses = match &export.addresses {
        Some(path) => run.addresses(path)?,
        None => HashMap::new(),
    };
    let fates = run.customers(&export.customers, addresses, &facts)?;
    run.enrollments(&export.enrollments, &fates)?;
    match run.failure {
        Some(err) => Err(MigrateError::Sink(err)),
        None => Ok(run.summary),
    }
}

/// The class whose expected outcome is quarantine with `reason`.
fn quarantine_class(reason: &str) -> Option<&'static str> {
    CATALOG
        .iter()
        .find(|case| matches!(case.expected, ExpectedOutcome::Quarantined { reason: r } if r == reason))
        .map(|case| case.name)
}

fn classes_of(unit: CaseUnit) -> Vec<CaseClass> {
    CATALOG.iter().filter(|case| case.unit == unit).map(|case| case.class).collect()
}

/// What the customers pass decided for each customer key.
enum Fate {
    Migrated(String),
    Quarantined(&'static str),
}

struct Run<'o, S, E> {
    options: &'o MigrateOptions,
    sink: S,
    failure: Option<E>,
    summary: MigrateSummary,
}

impl<S, E> Run<'_, S, E>
where
    S: FnMut(Migrated) -> Result<(), E>,
{
    fn emit(&mut self, item: Migrated) {
        if self.failure.is_some() {
            return;
        }
        match &item {
            Migrated::User(_) => self.summary.users += 1,
            Migrated::Event(_) => self.summary.events += 1,
            Migrated::Quarantined(_) => self.summary.quarantined += 1,
        }
        if let Err(err) = (self.sink)(item) {
            self.failure = Some(err);
        }
    }

    fn quarantine(&mut self, file: &str, line: u64, legacy_id: Option<String>, reason: String) {
        let class = quarantine_class(&reason);
        self.emit(Migrated::Quarantined(QuarantinedRow {
            file: file.to_owned(),
            line,
            legacy_id,
            reason,
            class,
        }));
    }

    fn bad_rows(&mut self, bad: Vec<BadRow>) {
        for row in bad {
            self.quarantine(&row.file, row.line, None, row.reason);
        }
    }

    fn event<P: DomainEvent + Serialize>(
        &mut self,
        legacy_id: &str,
        id: String,
        payload: &P,
        place: (&str, u64),
        classes: Vec<CaseClass>,
    ) {
        let options = self.options;
        match Envelope::of(&options.source, &id, options.exported_at, payload) {
            Ok(envelope) => self.emit(Migrated::Event(MigrationEvent {
                legacy_id: legacy_id.to_owned(),
                envelope,
                file: place.0.to_owned(),
                line: place.1,
                classes,
            })),
            Err(err) => self.quarantine(place.0, place.1, Some(legacy_id.to_owned()), err.to_string()),
        }
    }

    /// Addresses by owner (website and email, as Magento links them): the default billing
    /// address, else the first.
    fn addresses(&mut self, path: &Path) -> Result<HashMap<String, Located>, ReadError> {
        let csv = LegacyCsv::open(path)?;
        let columns = AddressColumns::new(&csv.header);
        let classes = classes_of(CaseUnit::AddressRow);
        let detect = self.options.detect_classes;
        let mut map: HashMap<String, Located> = HashMap::new();
        let mut bad = Vec::new();
        csv.for_each_row(&mut bad, |_, record| {
            let view = columns.view(record);
            let address = CompactAddress::of(&view);
            let found: Vec<CaseClass> = if detect {
                classes.iter().copied().filter(|class| address_case(*class, &view)).collect()
            } else {
                Vec::new()
            };
            match map.entry(view.owner_key()) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(Located { address, classes: found });
                }
                std::collections::hash_map::Entry::Occupied(mut slot) => {
                    let kept = slot.get_mut();
                    kept.classes.extend(found);
                    if address.default_billing && !kept.address.default_billing {
                        kept.address = address;
                    }
                }
            }
        });
        self.bad_rows(bad);
        Ok(map)
    }

    fn customers(
        &mut self,
        path: &Path,
        mut addresses: HashMap<String, Located>,
        facts: &HashMap<String, EnrollmentFacts>,
    ) -> Result<HashMap<String, Fate>, ReadError> {
        let csv = LegacyCsv::open(path)?;
        let file = csv.path.display().to_string();
        let columns = CustomerColumns::new(&csv.header);
        let customer_classes = classes_of(CaseUnit::CustomerRow);
        let user_classes = classes_of(CaseUnit::User);
        let exported_at = self.options.exported_at;
        let detect = self.options.detect_classes;
        let mut emails = HashSet::new();
        let mut fates = HashMap::new();
        let mut bad = Vec::new();
        csv.for_each_row(&mut bad, |line, record| {
            let view = columns.view(record);
            let key = view.key();
            let own = facts.get(&key).copied().unwrap_or_default();
            let located = addresses.remove(&view.address_key());
            let mut classes = Vec::new();
            if detect {
                let email = view.email.trim().to_lowercase();
                let duplicate_email = !email.is_empty() && !emails.insert(email);
                let facts = CustomerFacts { duplicate_email, today: exported_at.date_naive() };
                classes.extend(customer_classes.iter().copied().filter(|c| customer_case(*c, &view, facts)));
                let has_address = located.is_some();
                classes.extend(
                    user_classes.iter().copied().filter(|c| user_case(*c, &view, own.rows, has_address)),
                );
                classes.extend(located.iter().flat_map(|l| l.classes.iter().copied()));
            }
            match user_of(&view, located.map(|l| l.address), own, exported_at) {
                Ok(user) => {
                    let legacy_id = user.legacy_id.clone();
                    self.emit(Migrated::User(MigratedUser {
                        legacy_id: legacy_id.clone(),
                        user_id: user.user_id.clone(),
                        status: user.status,
                        created_at: user.created_at,
                        partner_code: user.partner_code.clone(),
                        website: user.website.clone(),
                        enrollments: own.rows,
                    }));
                    let id = format!("user-{legacy_id}");
                    self.event(&legacy_id, id, &user, (&file, line), classes);
                    fates.insert(key, Fate::Migrated(legacy_id));
                }
                Err(reason) => {
                    let legacy_id = Some(view.entity_id.trim().to_owned()).filter(|id| !id.is_empty());
                    self.quarantine(&file, line, legacy_id, reason.to_owned());
                    fates.insert(key, Fate::Quarantined(reason));
                }
            }
        });
        self.bad_rows(bad);
        Ok(fates)
    }

    fn enrollments(&mut self, path: &Path, fates: &HashMap<String, Fate>) -> Result<(), ReadError> {
        let csv = LegacyCsv::open(path)?;
        let file = csv.path.display().to_string();
        let columns = EnrollmentColumns::new(&csv.header);
        let classes = classes_of(CaseUnit::EnrollmentRow);
        let detect = self.options.detect_classes;
        let mut order: Option<OpenOrder> = None;
        let mut bad = Vec::new();
        csv.for_each_row(&mut bad, |line, record| {
            let view = columns.view(record);
            let fate = fates.get(&view.customer_key());
            let found: Vec<CaseClass> = if detect {
                let known = fate.is_some();
                classes.iter().copied().filter(|class| enrollment_case(*class, &view, known)).collect()
            } else {
                Vec::new()
            };
            let legacy_id = match fate {
                Some(Fate::Migrated(legacy_id)) => legacy_id,
                Some(Fate::Quarantined(why)) => {
                    let reason = format!("its account is quarantined: {why}");
                    self.quarantine(&file, line, Some(view.customer_id.trim().to_owned()), reason);
                    return;
                }
                None => {
                    let id = Some(view.customer_id.trim().to_owned()).filter(|id| !id.is_empty());
                    self.quarantine(&file, line, id, ORPHAN.to_owned());
                    return;
                }
            };
            match enrollment_of(&view, legacy_id) {
                Ok(enrollment) => {
                    let opened = OpenOrder::open(&enrollment, &view, legacy_id, &file, line);
                    let id = format!("enrollment-{}", enrollment.enrollment_id);
                    self.event(legacy_id, id, &enrollment, (&file, line), found);
                    if let Some(next) = opened {
                        let unabsorbed = match order.as_mut() {
                            Some(open) => open.absorb(next),
                            None => Some(next),
                        };
                        if let Some(next) = unabsorbed
                            && let Some(done) = order.replace(next)
                        {
                            self.payment(done);
                        }
                    }
                }
                Err(reason) => self.quarantine(&file, line, Some(legacy_id.clone()), reason.to_owned()),
            }
        });
        if let Some(done) = order.take() {
            self.payment(done);
        }
        self.bad_rows(bad);
        Ok(())
    }

    fn payment(&mut self, order: OpenOrder) {
        let place = (order.file.clone(), order.line);
        let legacy_id = order.legacy_id().to_owned();
        let payment = order.into_payment();
        let id = format!("payment-{}", payment.payment_id);
        self.event(&legacy_id, id, &payment, (&place.0, place.1), Vec::new());
    }
}

/// An address and the classes its rows show.
struct Located {
    address: CompactAddress,
    classes: Vec<CaseClass>,
}

/// What the enrollment export says about each customer key (unreadable rows are reported by
/// the second pass over the file).
fn enrollment_facts(path: &Path) -> Result<HashMap<String, EnrollmentFacts>, ReadError> {
    let csv = LegacyCsv::open(path)?;
    let columns = EnrollmentColumns::new(&csv.header);
    let mut facts: HashMap<String, EnrollmentFacts> = HashMap::new();
    csv.for_each_row(&mut Vec::new(), |_, record| {
        let view = columns.view(record);
        let entry = facts.entry(view.customer_key()).or_default();
        entry.rows += 1;
        entry.active |= view.status.trim().eq_ignore_ascii_case("active");
    });
    Ok(facts)
}
