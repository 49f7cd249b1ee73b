//! What the ledger knows about each user of a wave, for its reconciliation report: the user,
//! its deliveries counted by system and state (with a sample reason for the failures), whether
//! staged events of it are still unreleased, and how many of its rows were quarantined at
//! import. Read a page of users at a time, each page with two queries (the users with their
//! flags, their deliveries grouped), so a wave of 400,000 users costs a few hundred statements,
//! not one per user.

use std::collections::{BTreeMap, HashMap};

use sqlx::AssertSqlSafe;

use super::{Backend, DeliveryState, Store, StoreError, on_backend};

const READ: &str = "read a wave's report";
const QUARANTINE: &str = "count accounts quarantined whole";

/// The page's users, after a cursor or from the first (keyset paging on the primary key),
/// each with whether staged events of it are unreleased and how many of its rows were
/// quarantined (some of an account's rows, when the account imported): two index seeks a user.
const USERS: &str = "\
    SELECT u.legacy_id, u.user_id, u.status, \
        EXISTS (SELECT 1 FROM staged_events s WHERE s.legacy_id = u.legacy_id AND s.released_at IS NULL), \
        (SELECT COUNT(*) FROM quarantine q WHERE q.legacy_id = u.legacy_id) \
    FROM legacy_users u WHERE u.wave = $1";
const FIRST_PAGE: &str = " ORDER BY u.legacy_id LIMIT $2";
const NEXT_PAGE: &str = " AND u.legacy_id > $3 ORDER BY u.legacy_id LIMIT $2";

/// The page's deliveries, grouped by user, system and state. `COUNT(d.verify_at)` counts the
/// ones whose read-back is still due (only `delivered` ones keep a `verify_at`). The reason is
/// the downstream's or the verification's, as recorded (`last_reason`); kept for the states
/// that need one, so a retry's passing reason is not mistaken for a verdict.
const DELIVERIES: &str = "\
    SELECT u.legacy_id, d.system, d.state, COUNT(*), COUNT(d.verify_at), \
        MIN(CASE WHEN d.state IN ('rejected', 'silent_failure', 'dead_lettered') THEN d.last_reason END) \
    FROM legacy_users u \
    JOIN events e ON e.legacy_id = u.legacy_id \
    JOIN deliveries d ON d.event_row = e.id \
    WHERE u.wave = $1 AND u.legacy_id >= $2 AND u.legacy_id <= $3 \
    GROUP BY u.legacy_id, d.system, d.state";

/// Accounts the import quarantined as a whole: their legacy id is in no `legacy_users` row.
const WHOLE_ACCOUNTS: &str = "\
    SELECT COUNT(DISTINCT q.legacy_id), COUNT(*) FROM quarantine q \
    WHERE q.legacy_id IS NOT NULL \
      AND NOT EXISTS (SELECT 1 FROM legacy_users u WHERE u.legacy_id = q.legacy_id)";
const WITHOUT_ACCOUNT: &str = "SELECT COUNT(*) FROM quarantine WHERE legacy_id IS NULL";

/// One user of a wave, as the ledger has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveUserDeliveries {
    pub legacy_id: String,
    pub user_id: String,
    /// `active`, `inactive` or `expired`.
    pub status: String,
    /// Some of its staged events are not in the ledger yet.
    pub unreleased: bool,
    /// Rows of its account the import quarantined (it imported, without them).
    pub quarantined_rows: i64,
    /// Its deliveries at each system they go to, by system name.
    pub systems: Vec<SystemDeliveries>,
}

/// One user's deliveries at one system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemDeliveries {
    pub system: String,
    /// How many are in each state (states with none are left out).
    pub by_state: BTreeMap<DeliveryState, i64>,
    /// Of the `delivered` ones, those whose read-back verification is still due.
    pub awaiting_verification: i64,
    /// One recorded reason for each of `rejected`, `silent_failure` and `dead_lettered`, when
    /// it has such deliveries: the downstream's answer or the verification's evidence.
    pub reasons: BTreeMap<DeliveryState, String>,
}

/// Accounts of the export that are in no wave because the import quarantined them whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WholeAccountQuarantine {
    /// Distinct legacy ids quarantined with no user staged for them.
    pub accounts: i64,
    /// Their quarantined rows.
    pub rows: i64,
    /// Quarantined rows whose account could not be told (no legacy id read).
    pub rows_without_account: i64,
}

type UserRow = (String, String, String, bool, i64);
type DeliveryRow = (String, String, String, i64, i64, Option<String>);

impl Store {
    /// Up to `limit` users of `wave` in legacy id order, after `after` (from the first when
    /// `None`), each with its deliveries, unreleased events and quarantined rows. An empty
    /// page means the end; the next page starts after the last legacy id of this one.
    pub async fn wave_report_page(
        &self,
        wave: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<WaveUserDeliveries>, StoreError> {
        // One snapshot per page: a release running meanwhile records a user's events, then marks
        // them released; read in between without one, the user could look released with no
        // deliveries, that is owing nothing.
        let snapshot = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        };
        let select = format!("{USERS}{}", if after.is_some() { NEXT_PAGE } else { FIRST_PAGE });
        let (users, deliveries) = on_backend!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(snapshot).await.map_err(StoreError::query(READ))?;
            let users = sqlx::query_as(AssertSqlSafe(select)).bind(wave).bind(i64::from(limit));
            let users: Vec<UserRow> = match after {
                Some(after) => users.bind(after),
                None => users,
            }
            .fetch_all(&mut *tx)
            .await
            .map_err(StoreError::query(READ))?;
            let (Some(first), Some(last)) = (users.first(), users.last()) else { return Ok(Vec::new()) };
            let deliveries: Vec<DeliveryRow> = sqlx::query_as(DELIVERIES)
                .bind(wave)
                .bind(&first.0)
                .bind(&last.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(StoreError::query(READ))?;
            tx.commit().await.map_err(StoreError::query(READ))?;
            (users, deliveries)
        });
        assemble(users, deliveries)
    }

    /// Quarantined accounts that never became users (so belong to no wave), over every import.
    pub async fn quarantined_whole_accounts(&self) -> Result<WholeAccountQuarantine, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let (accounts, rows): (i64, i64) = sqlx::query_as(WHOLE_ACCOUNTS)
                .fetch_one(pool)
                .await
                .map_err(StoreError::query(QUARANTINE))?;
            let (rows_without_account,): (i64,) = sqlx::query_as(WITHOUT_ACCOUNT)
                .fetch_one(pool)
                .await
                .map_err(StoreError::query(QUARANTINE))?;
            Ok(WholeAccountQuarantine { accounts, rows, rows_without_account })
        })
    }
}

/// Puts a page's query results together, user by user, in the users' order.
fn assemble(
    users: Vec<UserRow>,
    deliveries: Vec<DeliveryRow>,
) -> Result<Vec<WaveUserDeliveries>, StoreError> {
    let mut systems: HashMap<String, BTreeMap<String, SystemDeliveries>> = HashMap::new();
    for (legacy_id, system, name, count, verifying, reason) in deliveries {
        let Some(state) = DeliveryState::parse(&name) else {
            return Err(StoreError::UnknownValue {
                operation: READ,
                column: "deliveries.state",
                value: name,
            });
        };
        let entry = systems
            .entry(legacy_id)
            .or_default()
            .entry(system.clone())
            .or_insert_with(|| SystemDeliveries { system, ..SystemDeliveries::default() });
        entry.by_state.insert(state, count);
        if state == DeliveryState::Delivered {
            entry.awaiting_verification += verifying;
        }
        if let Some(reason) = reason {
            entry.reasons.insert(state, reason);
        }
    }
    Ok(users
        .into_iter()
        .map(|(legacy_id, user_id, status, unreleased, quarantined_rows)| WaveUserDeliveries {
            unreleased,
            quarantined_rows,
            systems: systems
                .remove(&legacy_id)
                .map(|by_name| by_name.into_values().collect())
                .unwrap_or_default(),
            legacy_id,
            user_id,
            status,
        })
        .collect())
}
