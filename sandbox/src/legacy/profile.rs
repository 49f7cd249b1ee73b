//! Profiling real (or generated) legacy exports: recognise each file by its header, count
//! every edge-case class the detectors find, write an anonymized sample per class, and report
//! every row that could not be read. Customers are read first (the other files refer to them),
//! then addresses and enrollments, then customers again for the classes about a user's rows
//! taken together; memory grows with the number of customers (their keys), not with rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::anonymize::Pseudonymizer;
use super::catalog::{CATALOG, CaseClass};
use super::columns::FileKind;
use super::detect::{CustomerFacts, address_case, customer_case, enrollment_case, user_case};
use super::outcome::CaseUnit;
use super::reader::{BadRow, LegacyCsv};
use super::samples::{SampleError, Samples};
use super::views::{AddressColumns, CustomerColumns, EnrollmentColumns};

/// How to profile.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// The pseudonyms' HMAC key (the same key gives the same pseudonyms across runs).
    pub key: Vec<u8>,
    /// Rows per class in each sample.
    pub sample_size: usize,
    /// Where samples and `profile.json` go (nothing written when `None`).
    pub out: Option<PathBuf>,
    /// Birth dates after this day count as future.
    pub today: NaiveDate,
}

/// One input file as the profile saw it.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub kind: Option<FileKind>,
    /// Rows read after the header, good or bad.
    pub rows: u64,
    pub bad_rows: u64,
    /// Columns the header has that the format does not (custom attributes: pseudonymized in samples).
    pub unknown_columns: Vec<String>,
    /// Columns the format has that the header lacks (their detectors see empty values).
    pub missing_columns: Vec<String>,
    /// Why the file could not be used at all.
    pub error: Option<String>,
}

/// What a profile found.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileReport {
    pub files: Vec<FileSummary>,
    /// Occurrences per class (every class listed, 0 included), in the catalog's units.
    pub classes: BTreeMap<String, u64>,
    pub bad_rows: Vec<BadRow>,
    pub samples: Option<PathBuf>,
}

/// A profile that could not write its output.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Sample(#[from] SampleError),
    #[error("cannot write {}", path.display())]
    Report {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the files say about each other, gathered as they are read.
#[derive(Debug, Default)]
struct Links {
    customers: HashSet<String>,
    address_owners: HashSet<String>,
    enrollments: HashMap<String, u32>,
    emails: HashSet<String>,
}

struct Run {
    counts: BTreeMap<CaseClass, u64>,
    samples: Samples,
    links: Links,
    bad_rows: Vec<BadRow>,
    today: NaiveDate,
}

impl Run {
    fn found(
        &mut self,
        class: CaseClass,
        header: &[String],
        record: &csv::StringRecord,
    ) -> Result<(), SampleError> {
        *self.counts.entry(class).or_default() += 1;
        self.samples.add(class, header, record)
    }
}

fn classes_of(unit: CaseUnit) -> Vec<CaseClass> {
    CATALOG.iter().filter(|case| case.unit == unit).map(|case| case.class).collect()
}

/// Profiles `paths` (any order; each file is recognised by its header).
pub fn profile(paths: &[PathBuf], options: &ProfileOptions) -> Result<ProfileReport, ProfileError> {
    let mut files = Vec::new();
    let mut inputs = Vec::new();
    for path in paths {
        let index = files.len();
        files.push(summary(path));
        match LegacyCsv::open(path) {
            Ok(csv) => match FileKind::detect(&csv.header.iter().map(String::as_str).collect::<Vec<_>>()) {
                Some(kind) => inputs.push((kind, index, csv)),
                None => {
                    files[index].error =
                        Some("the header matches none of customers, addresses or enrollments".to_owned())
                }
            },
            Err(err) => files[index].error = Some(chain(&err)),
        }
    }
    inputs.sort_by_key(|(kind, index, _)| (*kind, *index));
    let pseudonyms = Pseudonymizer::new(&options.key);
    let mut run = Run {
        counts: BTreeMap::new(),
        samples: Samples::new(options.out.as_deref(), options.sample_size, pseudonyms),
        links: Links::default(),
        bad_rows: Vec::new(),
        today: options.today,
    };
    let mut customer_files = Vec::new();
    for (kind, index, csv) in inputs {
        let summary = &mut files[index];
        summary.kind = Some(kind);
        let expected = kind.expected_columns();
        summary.unknown_columns =
            csv.header.iter().filter(|c| !expected.contains(&c.as_str())).cloned().collect();
        summary.missing_columns =
            expected.iter().filter(|c| !csv.header.iter().any(|h| h == *c)).map(|c| c.to_string()).collect();
        let bad_before = run.bad_rows.len();
        summary.rows = match kind {
            FileKind::Customers => {
                customer_files.push(csv.path.clone());
                read_customers(csv, &mut run)?
            }
            FileKind::Addresses => read_addresses(csv, &mut run)?,
            FileKind::Enrollments => read_enrollments(csv, &mut run)?,
        };
        summary.bad_rows = (run.bad_rows.len() - bad_before) as u64;
    }
    for path in customer_files {
        // Opened a second time: its bad rows were reported on the first read.
        if let Ok(csv) = LegacyCsv::open(&path) {
            read_users(csv, &mut run)?;
        }
    }
    let samples = run.samples.finish()?;
    let report = ProfileReport {
        files,
        classes: CaseClass::all()
            .map(|c| (c.name().to_owned(), run.counts.get(&c).copied().unwrap_or(0)))
            .collect(),
        bad_rows: run.bad_rows,
        samples,
    };
    if let Some(out) = &options.out {
        write_report(out, &report)?;
    }
    Ok(report)
}

fn read_customers(csv: LegacyCsv, run: &mut Run) -> Result<u64, ProfileError> {
    let columns = CustomerColumns::new(&csv.header);
    let header = csv.header.clone();
    let classes = classes_of(CaseUnit::CustomerRow);
    let mut bad = std::mem::take(&mut run.bad_rows);
    let mut failure = None;
    let rows = csv.for_each_row(&mut bad, |_, record| {
        let view = columns.view(record);
        let email = view.email.trim().to_lowercase();
        let duplicate_email = !email.is_empty() && !run.links.emails.insert(email);
        run.links.customers.insert(view.key());
        let facts = CustomerFacts { duplicate_email, today: run.today };
        for class in classes.iter().filter(|class| customer_case(**class, &view, facts)) {
            if let Err(err) = run.found(*class, &header, record) {
                failure.get_or_insert(err);
            }
        }
    });
    run.bad_rows = bad;
    failure.map_or(Ok(rows), |err| Err(err.into()))
}

fn read_addresses(csv: LegacyCsv, run: &mut Run) -> Result<u64, ProfileError> {
    let columns = AddressColumns::new(&csv.header);
    let header = csv.header.clone();
    let classes = classes_of(CaseUnit::AddressRow);
    let mut bad = std::mem::take(&mut run.bad_rows);
    let mut failure = None;
    let rows = csv.for_each_row(&mut bad, |_, record| {
        let view = columns.view(record);
        run.links.address_owners.insert(view.owner_key());
        for class in classes.iter().filter(|class| address_case(**class, &view)) {
            if let Err(err) = run.found(*class, &header, record) {
                failure.get_or_insert(err);
            }
        }
    });
    run.bad_rows = bad;
    failure.map_or(Ok(rows), |err| Err(err.into()))
}

fn read_enrollments(csv: LegacyCsv, run: &mut Run) -> Result<u64, ProfileError> {
    let columns = EnrollmentColumns::new(&csv.header);
    let header = csv.header.clone();
    let classes = classes_of(CaseUnit::EnrollmentRow);
    let mut bad = std::mem::take(&mut run.bad_rows);
    let mut failure = None;
    let rows = csv.for_each_row(&mut bad, |_, record| {
        let view = columns.view(record);
        let key = view.customer_key();
        let known = run.links.customers.contains(&key);
        *run.links.enrollments.entry(key).or_default() += 1;
        for class in classes.iter().filter(|class| enrollment_case(**class, &view, known)) {
            if let Err(err) = run.found(*class, &header, record) {
                failure.get_or_insert(err);
            }
        }
    });
    run.bad_rows = bad;
    failure.map_or(Ok(rows), |err| Err(err.into()))
}

fn read_users(csv: LegacyCsv, run: &mut Run) -> Result<(), ProfileError> {
    let columns = CustomerColumns::new(&csv.header);
    let header = csv.header.clone();
    let classes = classes_of(CaseUnit::User);
    let mut ignored = Vec::new();
    let mut failure = None;
    csv.for_each_row(&mut ignored, |_, record| {
        let view = columns.view(record);
        let enrollments = run.links.enrollments.get(&view.key()).copied().unwrap_or(0);
        let has_address = run.links.address_owners.contains(&view.address_key());
        for class in classes.iter().filter(|class| user_case(**class, &view, enrollments, has_address)) {
            if let Err(err) = run.found(*class, &header, record) {
                failure.get_or_insert(err);
            }
        }
    });
    failure.map_or(Ok(()), |err| Err(err.into()))
}

fn write_report(out: &Path, report: &ProfileReport) -> Result<(), ProfileError> {
    let path = out.join("profile.json");
    let fail = |source| ProfileError::Report { path: path.clone(), source };
    std::fs::create_dir_all(out).map_err(fail)?;
    let json = serde_json::to_vec_pretty(report).map_err(|err| fail(std::io::Error::other(err)))?;
    std::fs::write(&path, json).map_err(fail)
}

fn summary(path: &Path) -> FileSummary {
    FileSummary {
        path: path.display().to_string(),
        kind: None,
        rows: 0,
        bad_rows: 0,
        unknown_columns: Vec::new(),
        missing_columns: Vec::new(),
        error: None,
    }
}

/// An error and its sources on one line, for a report.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
