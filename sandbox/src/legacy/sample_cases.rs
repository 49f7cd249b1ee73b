//! A profile's anonymized samples (`samples/<class>.csv`) as replay material: each sample
//! holds only the rows that show its class, from one of the three files, so the rows an
//! event needs beside them are added as ordinary ones (a customer for an address or an
//! enrollment, an address with a country for that customer), then the whole is migrated like
//! any export. The test set grows from the real data: whatever the profile found is replayed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::catalog::CaseClass;
use super::class_cases::{ClassCase, ClassCaseError, migrate_case};
use super::columns::FileKind;
use super::reader::{LegacyCsv, ReadError};

/// Entity ids of the customers added for address samples (far above any real id).
const ADDED_CUSTOMERS_FROM: u64 = 700_000_000;
/// Ordinary enrollments given to a `user-many-enrollments` customer: its sample holds the
/// customer row only, and the class is about the enrollments.
const MANY_ENROLLMENTS: u64 = 100;

/// The cases of every sample in `samples` (a profile's `samples/` directory, or the profile
/// directory holding it), built under `work`.
pub fn sample_cases(samples: &Path, work: &Path) -> Result<Vec<ClassCase>, ClassCaseError> {
    let dir = if samples.join("samples").is_dir() { samples.join("samples") } else { samples.to_owned() };
    let unreadable = |source: std::io::Error| ClassCaseError::Samples { dir: dir.clone(), source };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(unreadable)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "csv"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(class) = CaseClass::parse(&stem) else {
            return Err(ClassCaseError::UnknownSample { path: path.clone() });
        };
        let export_dir = work.join(class.name());
        let fail = |source: ReadError| ClassCaseError::Migrate { class: class.name(), source };
        let csv = LegacyCsv::open(path).map_err(fail)?;
        let header: Vec<&str> = csv.header.iter().map(String::as_str).collect();
        let Some(kind) = FileKind::detect(&header) else {
            return Err(ClassCaseError::NotASample { path: path.clone() });
        };
        complete(csv, kind, class, index as u64, &export_dir).map_err(fail)?;
        cases.push(migrate_case(class, &export_dir)?);
    }
    Ok(cases)
}

/// Writes the sample (`csv`, a file of `kind`) and the ordinary rows it needs as a three-file
/// export in `dir`.
fn complete(
    csv: LegacyCsv,
    kind: FileKind,
    class: CaseClass,
    index: u64,
    dir: &Path,
) -> Result<(), ReadError> {
    let header = csv.header.clone();
    let mut rows = Vec::new();
    csv.for_each_row(&mut Vec::new(), |_, record| rows.push(record.clone()));
    let column = |record: &StringRecord, name: &str| {
        header.iter().position(|h| h == name).and_then(|i| record.get(i)).unwrap_or("").to_owned()
    };
    let mut files = Files::default();
    match kind {
        FileKind::Customers => {
            if class == CaseClass::EmailMixedCaseDuplicate {
                // The account each duplicate repeats (pseudonyms keep the letters' case, so
                // the original's email is the duplicate's, lowercased).
                for (n, record) in rows.iter().enumerate() {
                    let id = (ADDED_CUSTOMERS_FROM + index * 1_000 + n as u64).to_string();
                    let email = column(record, "email").to_lowercase();
                    files.customer(&id, &column(record, "_website"), &email);
                    files.address(&column(record, "_website"), &email);
                }
            }
            for record in &rows {
                let id = column(record, "entity_id");
                // Ordinary context, except where the missing address is the class.
                if class != CaseClass::UserAddressMissing {
                    files.address(&column(record, "_website"), &column(record, "email"));
                }
                if class == CaseClass::UserManyEnrollments {
                    for n in 0..MANY_ENROLLMENTS {
                        files.enrollment(&id, &column(record, "email"), &format!("{id}-{n}"));
                    }
                }
            }
            files.sample = Some((FileKind::Customers, header.clone(), rows));
        }
        FileKind::Addresses => {
            let mut owners: BTreeMap<(String, String), ()> = BTreeMap::new();
            for record in &rows {
                owners.insert((column(record, "_website"), column(record, "_email")), ());
            }
            for (n, (website, email)) in owners.keys().enumerate() {
                let id = (ADDED_CUSTOMERS_FROM + index * 1_000 + n as u64).to_string();
                files.customer(&id, website, email);
            }
            files.sample = Some((FileKind::Addresses, header.clone(), rows));
        }
        FileKind::Enrollments => {
            let mut owners: BTreeMap<String, String> = BTreeMap::new();
            for record in &rows {
                owners.insert(column(record, "customer_id"), column(record, "customer_email"));
            }
            // An orphan's customer is, by definition, not in the export.
            if class != CaseClass::EnrollmentOrphan {
                for (id, email) in &owners {
                    files.customer(id, "base", email);
                    files.address("base", email);
                }
            }
            files.sample = Some((FileKind::Enrollments, header.clone(), rows));
        }
    }
    files.write(dir).map_err(|source| ReadError::Open { path: dir.to_owned(), source })
}

/// The rows of a completed export, file by file.
/// An added row's values by column name.
type Values = Vec<(&'static str, String)>;

#[derive(Default)]
struct Files {
    sample: Option<(FileKind, Vec<String>, Vec<StringRecord>)>,
    customers: Vec<Values>,
    addresses: Vec<Values>,
    enrollments: Vec<Values>,
}

impl Files {
    fn customer(&mut self, id: &str, website: &str, email: &str) {
        let values = [
            ("email", email),
            ("_website", website),
            ("entity_id", id),
            ("firstname", "Sample"),
            ("lastname", "Learner"),
            ("created_at", "2020-01-01 00:00:00"),
        ];
        self.customers.push(owned(&values));
    }

    fn address(&mut self, website: &str, email: &str) {
        let values = [
            ("_website", website),
            ("_email", email),
            ("street", "1 Sample Street"),
            ("city", "Springfield"),
            ("country_id", "US"),
            ("postcode", "62701"),
            ("_address_default_billing_", "1"),
        ];
        self.addresses.push(owned(&values));
    }

    fn enrollment(&mut self, customer: &str, email: &str, id: &str) {
        let values = [
            ("enrollment_id", id),
            ("customer_id", customer),
            ("customer_email", email),
            ("course_sku", "PMP-PREP-101"),
            ("status", "active"),
            ("enrolled_at", "2024-01-01 00:00:00"),
            ("price", "0.0000"),
            ("currency_code", "USD"),
            ("payment_method", "free"),
        ];
        self.enrollments.push(owned(&values));
    }

    fn write(self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let (sample_kind, sample_header, sample_rows) =
            self.sample.unwrap_or((FileKind::Customers, Vec::new(), Vec::new()));
        for (kind, added) in [
            (FileKind::Customers, self.customers),
            (FileKind::Addresses, self.addresses),
            (FileKind::Enrollments, self.enrollments),
        ] {
            let (header, rows) = if kind == sample_kind {
                (sample_header.clone(), sample_rows.as_slice())
            } else {
                (kind.expected_columns().into_iter().map(str::to_owned).collect(), &[][..])
            };
            let mut writer = csv::Writer::from_path(dir.join(kind.file_name()))?;
            writer.write_record(&header)?;
            // Added rows first: an account a sample's duplicate repeats must come before it.
            for values in added {
                writer.write_record(row(&header, &values))?;
            }
            for record in rows {
                writer.write_record(record)?;
            }
            writer.flush()?;
        }
        Ok(())
    }
}

fn owned(values: &[(&'static str, &str)]) -> Values {
    values.iter().map(|(name, value)| (*name, (*value).to_owned())).collect()
}

/// A row of `columns` with `values` by name, the rest empty.
fn row(columns: &[String], values: &Values) -> Vec<String> {
    columns
        .iter()
        .map(|column| {
            values.iter().find(|(name, _)| name == column).map_or(String::new(), |(_, v)| v.clone())
        })
        .collect()
}
