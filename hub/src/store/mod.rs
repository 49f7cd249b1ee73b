//! The ledger: the source of truth for every event, delivery and attempt (the queue only
//! carries ids). SQLite by default, PostgreSQL when several hubs share the work; the same
//! schema and the same SQL (bar the claim statement) run on both.
//!
//! # Schema (`hub/migrations/{sqlite,postgres}`)
//!
//! - `events`: one row per `source`+`event_id` (UNIQUE: a repeat is a duplicate and stored
//!   once), with type, contract version, time, data (JSON), `legacy_id` for trace look-ups and
//!   `received_at`.
//! - `deliveries`: one row per (event, system) (UNIQUE), id a ULID. `state` is a
//!   [`DeliveryState`]; `attempts` counts recorded attempts over the whole life,
//!   `attempts_before_redrive` what had been spent when it was last redriven (`redriven_at`).
//!   `next_attempt_at` says when a `pending` delivery is due; `lease_owner`/`lease_until` say
//!   who holds an `in_flight` one and until when. `last_reason` keeps the latest failure or
//!   rejection reason, `downstream_id` the downstream's id once delivered. A `submitted`
//!   delivery (the downstream works on it asynchronously, e.g. a Bulk API job) holds the
//!   adapter's `ticket` and is due for collecting at `next_attempt_at`. A `delivered` one with
//!   expectations to read back has `verify_at` (next check) and `verify_deadline` (a silent
//!   failure if they still do not hold then). Indexed by (state, system, next_attempt_at) for
//!   claiming, leases and dead letters, by (system, verify_at) where set, and by wave.
//! - `attempts`: every attempt, numbered per delivery: times, worker, outcome, HTTP status,
//!   downstream code and a short summary. Never rewritten: redriving keeps the history.
//!
//! - `replay_runs`: every `sandbox replay` run: system, target, the contract versions of its
//!   mappings, digests of the catalog and map, times, counts and the report (wave gates read it).
//! - Legacy import staging (`staging.rs`, `release.rs`): `imports` (one row per run: files,
//!   times, counts), `legacy_users` (one per migrated account, `wave` NULL until a wave claims
//!   it), `staged_events` (validated migration events, UNIQUE `source`+`event_id`,
//!   `released_at` NULL until a wave records them in `events`) and `quarantine` (rows that did
//!   not become events: file, line, reason, class). Nothing staged has deliveries.
//!
//! Events and their deliveries are written in one transaction. Timestamps are `TIMESTAMPTZ` on
//! PostgreSQL and RFC 3339 UTC text on SQLite (which compares correctly as text); JSON is
//! `JSONB` / text. Migrations run on every open and are tracked in `_switchyard_migrations`, so
//! the queue's own migrations in the same database never get in their way.
//!
//! # Claim protocol
//!
//! A worker calls [`Store::claim_due`]: one statement moves up to `limit` due `pending`
//! deliveries of one system to `in_flight` with `lease_owner = worker` and `lease_until =
//! now + lease`, returning them. PostgreSQL selects them `FOR UPDATE SKIP LOCKED`, so
//! concurrent claimers on many machines skip each other's rows; SQLite runs `UPDATE … WHERE id
//! IN (SELECT … LIMIT n) RETURNING` as one statement outside an explicit transaction (a write
//! statement takes the single writer lock when it starts, and commits when it ends). Either
//! way a delivery is held by one worker at a time.
//!
//! The worker reports through [`Store::record_outcomes`], which applies a record only while
//! the delivery is still `in_flight` under that worker's lease: a handler that runs twice, or
//! whose lease was swept and taken by another worker, finds the ledger state and changes
//! nothing. The sweeper calls [`Store::release_expired_leases`]: an expired lease goes back to
//! `pending` (or `submitted`, ticket kept) without spending an attempt. Claims take `pending`
//! and `submitted` deliveries alike; the worker collects the submitted ones by ticket
//! ([`Store::submit`] records a submission, with no attempt). Verification claims due
//! `delivered` deliveries by moving `verify_at` past a hold ([`Store::claim_verifications`]),
//! and moves them to `confirmed` or `silent_failure` ([`Store::apply_verification_steps`]);
//! `held` is reserved for paused waves.

mod checkpoint;
mod claim;
mod dead_letters;
mod error;
mod insert;
mod leases;
mod listing;
mod model;
mod open;
mod outcomes;
mod release;
mod replay_runs;
mod staging;
mod submissions;
mod trace;
mod verifications;
mod views;
mod wave_report;
mod wave_run;
mod waves;
mod writer;

pub use error::StoreError;
pub use listing::{DeliveryFilter, DeliveryListing};
pub use model::{
    AttemptOutcome, AttemptRecord, ClaimedDelivery, DeadLetterFilter, Deferral, DeliveryState, NewEvent,
    OutcomeKind, OutcomeReport, Receipt, RedriveSelection, Route, StaleRecord, Submission, Verification,
    VerifyWindow,
};
pub use release::ReleaseReport;
pub use replay_runs::ReplayRun;
pub use staging::{ImportBatch, ImportRun, QuarantineEntry, StageReport, StagedUser};
pub use verifications::{DueVerification, VerificationStep};
pub use views::{
    AttemptEntry, DeadLetter, DeliveryRecord, DeliveryTrace, EventRecord, EventTrace, StateCount,
};
pub use wave_report::{SystemDeliveries, WaveUserDeliveries, WholeAccountQuarantine};
pub use wave_run::{HoldChange, TransitionError, WaveCount, WaveRun, WaveTransition};
pub use waves::{CohortFilter, PlanError, Signoff, WaveAction, WaveRow};

use sqlx::{PgPool, SqlitePool};

/// Which database a [`Store`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The ledger. Cheap to clone (it holds its connection pools).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

/// SQLite: readers share a pool; every write goes through one connection of its own, taken
/// in turn. SQLite lets one connection write at a time anyway, and a connection's page cache
/// survives only while no other connection writes: with writes spread over the pool every
/// write started cold (~7,000 page reads a second from the OS mid-wave) and writers that
/// found the lock taken slept in SQLite's busy handler, backing off to 100 ms a try (~1,400
/// sleeps, 18.8 s of sleeping per 10 s, while a core stood idle). Behind a mutex, writers
/// queue first come first served, the next starts the moment the last is done (a pool would
/// spawn a task and ping the connection at each hand-over), and the cache stays warm.
///
/// The queue (apalis) writes through the readers' pool. Tried: giving it the writer's
/// connection (a pool of one). Its fetches, pushes and acks stopped waiting for SQLite's lock
/// (22 to 29 ms each in `bench salesforce`), but no benchmark ran faster (migration, hub,
/// Salesforce, alternating runs against the build before), and the hub held ~45 MiB more: with
/// no other connection's writes emptying it, the writer's cache filled. Left out.
#[derive(Debug, Clone)]
enum Pool {
    Sqlite { read: SqlitePool, write: std::sync::Arc<tokio::sync::Mutex<writer::SqliteWriter>> },
    Postgres(PgPool),
}

impl Store {
    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite readers' pool, for the queue to share the database.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite { read, .. } => Some(read),
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for the queue to share the database.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(pool) => Some(pool),
            Pool::Sqlite { .. } => None,
        }
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match &self.pool {
            // The writer's connection closes when the last clone of the store is dropped.
            Pool::Sqlite { read, .. } => read.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// Runs the same sqlx code on whichever pool the store holds: `$body` is compiled once per
/// backend, with `$pool` bound to the pool, `$db` naming the sqlx database type and `$begin`
/// the statement that opens a write transaction (SQLite takes the write lock up front with
/// `BEGIN IMMEDIATE`, so a transaction that reads first can never fail to upgrade). Code that
/// writes uses [`on_writer!`].
macro_rules! on_backend {
    ($store:expr, |$pool:ident, $db:ident, $begin:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { read: $pool, .. } => {
                #[allow(dead_code)]
                type $db = ::sqlx::Sqlite;
                #[allow(unused_variables)]
                let $begin = "BEGIN IMMEDIATE";
                $body
            }
            $crate::store::Pool::Postgres($pool) => {
                #[allow(dead_code)]
                type $db = ::sqlx::Postgres;
                #[allow(unused_variables)]
                let $begin = "BEGIN";
                $body
            }
        }
    };
}
use on_backend;

/// As [`on_backend!`], for code that writes: `$pool` is a `&mut` connection, the writer's on
/// SQLite (see [`Pool`]), one from the pool on PostgreSQL; reuse it as `&mut *pool`.
macro_rules! on_writer {
    ($store:expr, |$pool:ident, $db:ident, $begin:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite { write, .. } => {
                #[allow(dead_code)]
                type $db = ::sqlx::Sqlite;
                #[allow(unused_variables)]
                let $begin = "BEGIN IMMEDIATE";
                #[allow(unused_imports)]
                use ::sqlx::Connection as _;
                let mut writer = write.lock().await;
                #[allow(unused_variables)]
                let $pool: &mut ::sqlx::SqliteConnection = writer.connection().await;
                $body
            }
            $crate::store::Pool::Postgres(pool) => {
                #[allow(dead_code)]
                type $db = ::sqlx::Postgres;
                #[allow(unused_variables)]
                let $begin = "BEGIN";
                #[allow(unused_imports)]
                use ::sqlx::Connection as _;
                match pool.acquire().await {
                    Ok(mut connection) => {
                        #[allow(unused_variables)]
                        let $pool: &mut ::sqlx::PgConnection = &mut *connection;
                        $body
                    }
                    Err(err) => Err($crate::store::StoreError::query("acquire a connection")(err).into()),
                }
            }
        }
    };
}
use on_writer;

/// The state of an `in_flight` delivery handed back unattempted (a lease lapsed or returned, a
/// deferral): `held` while its wave is not running, else `pending`, or `submitted` when it
/// holds a ticket. A macro so that statements stay literals (`concat!`).
macro_rules! handed_back_state {
    () => {
        "CASE WHEN wave IS NOT NULL AND wave NOT IN (SELECT name FROM waves WHERE state = 'running') \
         THEN 'held' WHEN ticket IS NULL THEN 'pending' ELSE 'submitted' END"
    };
}
use handed_back_state;
