//! The generator: a seeded, streaming writer of the three legacy files and the manifest of
//! the edge cases it put in. One user at a time is built, shaped and written, so memory stays
//! constant whatever the number of users.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::catalog::CaseClass;
use super::columns::{ADDRESS_COLUMNS, ENROLLMENT_COLUMNS, FileKind, customer_columns};
use super::draft::{Sequence, UserDraft, ordinary_user};
use super::shape::{ShapeContext, shape};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub users: u64,
    pub seed: u64,
    /// The share of users shaped as an edge case (0.0 to 1.0).
    pub edge_share: f64,
    /// Each class's relative weight among edge-case users; a class absent or at 0 is never put in.
    pub weights: BTreeMap<CaseClass, f64>,
    /// The first user's number (0 by default). Exports generated with different first users
    /// (far enough apart) share no entity id, email or enrollment id, so they can go into one
    /// org side by side (the edge-case replay does this, one export per class).
    pub first_user: u64,
}

impl GenerateOptions {
    /// Every class with the same weight.
    pub fn new(users: u64, seed: u64, edge_share: f64) -> Self {
        let weights = CaseClass::all().map(|class| (class, 1.0)).collect();
        Self { users, seed, edge_share, weights, first_user: 0 }
    }

    /// Only `classes` (each at weight 1).
    pub fn only(mut self, classes: &[CaseClass]) -> Self {
        self.weights = classes.iter().map(|class| (*class, 1.0)).collect();
        self
    }
}

/// Rows written per file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    pub customers: u64,
    pub addresses: u64,
    pub enrollments: u64,
}

/// What a generated export holds: written as `manifest.json` beside the files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub seed: u64,
    pub users: u64,
    pub edge_share: f64,
    pub rows: RowCounts,
    /// Occurrences put in per class (every class listed, 0 included), in the catalog's units.
    pub classes: BTreeMap<String, u64>,
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("invalid options: {0}")]
    Options(String),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("cannot create {path}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Enrollment ids kept for each user number, so exports with different first users never
/// share one (the most-enrollments class gives a user a few hundred).
const ENROLLMENT_IDS_PER_USER: u64 = 1_000;

/// Writes the three files and `manifest.json` into `dir` (created if missing).
pub fn generate_into_dir(options: &GenerateOptions, dir: &Path) -> Result<Manifest, GenerateError> {
    let create = |path: PathBuf| {
        File::create(&path).map(BufWriter::new).map_err(|source| GenerateError::Create { path, source })
    };
    std::fs::create_dir_all(dir).map_err(|source| GenerateError::Create { path: dir.to_owned(), source })?;
    let files = [FileKind::Customers, FileKind::Addresses, FileKind::Enrollments]
        .map(|kind| dir.join(kind.file_name()));
    let manifest =
        generate(options, create(files[0].clone())?, create(files[1].clone())?, create(files[2].clone())?)
            .map_err(|(kind, source)| GenerateError::Write { path: dir.join(kind.file_name()), source })?;
    let path = dir.join("manifest.json");
    let json = serde_json::to_vec_pretty(&manifest).map_err(|err| GenerateError::Options(err.to_string()))?;
    std::fs::write(&path, json).map_err(|source| GenerateError::Create { path, source })?;
    Ok(manifest)
}

/// The generator proper, on any writers (tests write to memory).
pub fn generate<W: Write>(
    options: &GenerateOptions,
    customers: W,
    addresses: W,
    enrollments: W,
) -> Result<Manifest, (FileKind, csv::Error)> {
    let mut out = Writers::new(customers, addresses, enrollments)?;
    let classes: Vec<(CaseClass, f64)> =
        options.weights.iter().filter(|(_, w)| **w > 0.0).map(|(c, w)| (*c, *w)).collect();
    let pick = WeightedIndex::new(classes.iter().map(|(_, w)| *w)).ok();
    let edge_share = options.edge_share.clamp(0.0, 1.0);
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut sequence = Sequence::starting_after(options.first_user * ENROLLMENT_IDS_PER_USER);
    let mut context = ShapeContext::default();
    let mut counts: BTreeMap<CaseClass, u64> = BTreeMap::new();
    for index in options.first_user..options.first_user + options.users {
        let mut user = ordinary_user(index, &mut rng, &mut sequence);
        let shaped = match &pick {
            Some(pick) if rng.random_bool(edge_share) => {
                let class = classes[pick.sample(&mut rng)].0;
                let put_in = shape(class, &mut user, &mut rng, &mut sequence, &mut context);
                *counts.entry(class).or_default() += put_in;
                put_in > 0
            }
            _ => false,
        };
        if !shaped {
            context.last_ordinary = Some((user.customer.email.clone(), user.customer.entity_id.clone()));
        }
        out.write_user(&user)?;
    }
    let rows = out.finish()?;
    Ok(Manifest {
        seed: options.seed,
        users: options.users,
        edge_share,
        rows,
        classes: CaseClass::all()
            .map(|class| (class.name().to_owned(), counts.get(&class).copied().unwrap_or(0)))
            .collect(),
    })
}

/// Checks options before a long run.
pub fn validate(options: &GenerateOptions) -> Result<(), GenerateError> {
    if !(0.0..=1.0).contains(&options.edge_share) {
        return Err(GenerateError::Options(format!(
            "edge share must be within 0 and 1, got {}",
            options.edge_share
        )));
    }
    if options.edge_share > 0.0 && !options.weights.values().any(|w| *w > 0.0) {
        return Err(GenerateError::Options(
            "an edge share needs at least one class with a positive weight".into(),
        ));
    }
    Ok(())
}

struct Writers<W: Write> {
    customers: csv::Writer<W>,
    addresses: csv::Writer<W>,
    enrollments: csv::Writer<W>,
    rows: RowCounts,
}

impl<W: Write> Writers<W> {
    fn new(customers: W, addresses: W, enrollments: W) -> Result<Self, (FileKind, csv::Error)> {
        let mut writers = Self {
            customers: csv::Writer::from_writer(customers),
            addresses: csv::Writer::from_writer(addresses),
            enrollments: csv::Writer::from_writer(enrollments),
            rows: RowCounts::default(),
        };
        writers.customers.write_record(customer_columns()).map_err(|e| (FileKind::Customers, e))?;
        writers.addresses.write_record(ADDRESS_COLUMNS).map_err(|e| (FileKind::Addresses, e))?;
        writers.enrollments.write_record(ENROLLMENT_COLUMNS).map_err(|e| (FileKind::Enrollments, e))?;
        Ok(writers)
    }

    fn write_user(&mut self, user: &UserDraft) -> Result<(), (FileKind, csv::Error)> {
        let c = &user.customer;
        let customer = [
            c.email.as_str(),
            "base",
            "default",
            "",
            &c.created_at,
            "Default Store View",
            "0",
            &c.dob,
            &c.firstname,
            c.gender,
            "1",
            &c.lastname,
            "",
            &c.password_hash,
            "",
            &c.rp_token,
            &c.rp_token_created_at,
            "1",
            "",
            &c.taxvat,
            "1",
            &c.password,
            &c.updated_at,
            &c.entity_id,
            &c.last_login_at,
            &c.partner_code,
            &c.merged_into,
            &c.gdpr_erased_at,
        ];
        self.customers.write_record(customer).map_err(|e| (FileKind::Customers, e))?;
        self.rows.customers += 1;
        for a in &user.addresses {
            let address = [
                "base",
                c.email.as_str(),
                &a.entity_id,
                &a.city,
                &a.company,
                &a.country_id,
                "",
                &c.firstname,
                &c.lastname,
                "",
                &a.postcode,
                "",
                &a.region,
                &a.region_id,
                &a.street,
                "",
                &a.telephone,
                "",
                "",
                "",
                "",
                "",
                "1",
                "1",
            ];
            self.addresses.write_record(address).map_err(|e| (FileKind::Addresses, e))?;
            self.rows.addresses += 1;
        }
        for e in &user.enrollments {
            let (customer_id, email) = match &e.customer {
                Some((id, email)) => (id.as_str(), email.as_str()),
                None => (c.entity_id.as_str(), c.email.as_str()),
            };
            let enrollment = [
                e.enrollment_id.as_str(),
                customer_id,
                email,
                "base",
                &e.course_sku,
                &e.bundle_sku,
                &e.bundle_name,
                &e.status,
                &e.enrolled_at,
                &e.expires_at,
                &e.price,
                &e.currency_code,
                &e.payment_method,
                &e.partner_code,
                &e.course_provider,
                &e.increment_id,
            ];
            self.enrollments.write_record(enrollment).map_err(|e| (FileKind::Enrollments, e))?;
            self.rows.enrollments += 1;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<RowCounts, (FileKind, csv::Error)> {
        self.customers.flush().map_err(|e| (FileKind::Customers, e.into()))?;
        self.addresses.flush().map_err(|e| (FileKind::Addresses, e.into()))?;
        self.enrollments.flush().map_err(|e| (FileKind::Enrollments, e.into()))?;
        Ok(self.rows)
    }
}
