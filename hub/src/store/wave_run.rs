//! A running wave in the ledger: its state changes (each with the action recorded, and the
//! wave's queued deliveries held or let go in the same transaction), where its feeding is,
//! which hub feeds it, and its deliveries counted by system and state.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::QueryBuilder;

use super::{Store, StoreError, on_backend, on_writer};

const MOVE: &str = "change a wave's state";
const FEED: &str = "feed a wave";
const COUNT: &str = "count a wave's deliveries";
const REDRIVE: &str = "redrive a wave's deliveries";

/// Holds wave `$1`'s queued deliveries at time `$2`: workers claim neither state.
const HOLD_QUEUED: &str = "UPDATE deliveries SET state = 'held', updated_at = $2 \
    WHERE wave = $1 AND state IN ('pending', 'submitted')";

/// What a state change does to the wave's queued deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldChange {
    /// Leave them.
    Keep,
    /// Hold `pending` and `submitted` ones: workers do not claim them, no attempt is spent.
    Hold,
    /// Let held ones go again, due at once (a submitted one keeps its ticket).
    Release,
}

/// One state change of a wave, as recorded.
#[derive(Debug, Clone)]
pub struct WaveTransition<'a> {
    /// States the wave may be in for the change to apply.
    pub from: &'a [&'a str],
    pub to: &'a str,
    /// The action recorded (`started`, `paused`, `auto-paused`, `resumed`, `aborted`, ...).
    pub action: &'a str,
    pub actor: &'a str,
    pub reason: Option<&'a str>,
    pub evidence: Option<&'a Value>,
    pub hold: HoldChange,
    /// Replaces the wave's baseline counts (at start and resume).
    pub baseline: Option<&'a Value>,
}

/// Why a state change did not apply.
#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("no wave named `{0}` (switchyard wave plan {0} --select ...)")]
    NoWave(String),
    #[error("wave {wave} is {state}: it cannot be {action} (only a wave that is {allowed})")]
    State { wave: String, state: String, action: String, allowed: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A wave as its driver sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WaveRun {
    pub name: String,
    pub state: String,
    pub users: i64,
    /// Users released so far, in legacy id order, up to and including `cursor`.
    pub fed_users: i64,
    pub cursor: Option<String>,
    pub baseline: Option<Value>,
}

/// A count of a wave's deliveries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct WaveCount {
    pub system: String,
    pub state: String,
    /// 1 for `delivered` deliveries still awaiting their read-back, else 0.
    pub verifying: i32,
    pub count: i64,
}

impl Store {
    /// Applies `change` to wave `name` if it is in one of `change.from`, in one transaction
    /// with the action and the hold change. Returns how many deliveries were held or let go.
    pub async fn transition_wave(
        &self,
        name: &str,
        change: &WaveTransition<'_>,
    ) -> Result<u64, TransitionError> {
        let now = Utc::now();
        let finished = matches!(change.to, "aborted" | "completed");
        on_writer!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(MOVE))?;
            let mut update = QueryBuilder::<Db>::new("UPDATE waves SET state = ");
            update.push_bind(change.to);
            if let Some(baseline) = change.baseline {
                update.push(", baseline = ").push_bind(baseline);
            }
            if finished {
                update.push(", finished_at = ").push_bind(now);
            }
            update.push(" WHERE name = ").push_bind(name).push(" AND state IN (");
            let mut states = update.separated(", ");
            for state in change.from {
                states.push_bind(*state);
            }
            update.push(")");
            let moved = update.build().execute(&mut *tx).await.map_err(StoreError::query(MOVE))?;
            if moved.rows_affected() == 0 {
                let state: Option<(String,)> = sqlx::query_as("SELECT state FROM waves WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(StoreError::query(MOVE))?;
                return Err(match state {
                    None => TransitionError::NoWave(name.to_owned()),
                    Some((state,)) => TransitionError::State {
                        wave: name.to_owned(),
                        state,
                        action: change.action.to_owned(),
                        allowed: change.from.join(" or "),
                    },
                });
            }
            let sql = match change.hold {
                HoldChange::Keep => None,
                HoldChange::Hold => Some(HOLD_QUEUED),
                HoldChange::Release => Some(
                    "UPDATE deliveries SET state = CASE WHEN ticket IS NULL THEN 'pending' ELSE 'submitted' END, \
                     next_attempt_at = $2, updated_at = $2 WHERE wave = $1 AND state = 'held'",
                ),
            };
            let mut changed = 0;
            if let Some(sql) = sql {
                changed = sqlx::query(sql)
                    .bind(name)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::query(MOVE))?
                    .rows_affected();
            }
            sqlx::query(
                "INSERT INTO wave_actions (wave, action, actor, reason, evidence, at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(name)
            .bind(change.action)
            .bind(change.actor)
            .bind(change.reason)
            .bind(change.evidence)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(MOVE))?;
            tx.commit().await.map_err(StoreError::query(MOVE))?;
            Ok(changed)
        })
    }

    /// Holds the queued deliveries of wave `name` (a paused or aborted wave's deliveries that
    /// came back from a worker to be retried). Returns how many.
    pub async fn hold_wave_deliveries(&self, name: &str) -> Result<u64, StoreError> {
        on_writer!(self, |pool, Db, begin| {
            let held = sqlx::query(HOLD_QUEUED)
                .bind(name)
                .bind(Utc::now())
                .execute(&mut *pool)
                .await
                .map_err(StoreError::query(MOVE))?;
            Ok(held.rows_affected())
        })
    }

    /// The waves a driver looks after: running, paused and aborted ones.
    pub async fn active_waves(&self) -> Result<Vec<WaveRun>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT name, state, users, fed_users, cursor, baseline FROM waves \
                 WHERE state IN ('running', 'paused', 'aborted') ORDER BY created_at, name",
            )
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(FEED))
        })
    }

    pub async fn wave_run(&self, name: &str) -> Result<Option<WaveRun>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT name, state, users, fed_users, cursor, baseline FROM waves WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query(FEED))
        })
    }

    /// Takes or renews the right to feed running wave `name` until `until`, for `owner`: one
    /// hub feeds a wave at a time; another takes over once the lease lapses (a hub died).
    pub async fn claim_wave_feeder(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        on_writer!(self, |pool, Db, begin| {
            let claimed = sqlx::query(
                "UPDATE waves SET feeder = $2, feeder_until = $3 WHERE name = $1 AND state = 'running' \
                 AND (feeder IS NULL OR feeder = $2 OR feeder_until < $4)",
            )
            .bind(name)
            .bind(owner)
            .bind(until)
            .bind(now)
            .execute(&mut *pool)
            .await
            .map_err(StoreError::query(FEED))?;
            Ok(claimed.rows_affected() == 1)
        })
    }

    /// Gives up feeding `name` (a stopping hub), so another hub takes over at once.
    pub async fn release_wave_feeder(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        on_writer!(self, |pool, Db, begin| {
            sqlx::query(
                "UPDATE waves SET feeder = NULL, feeder_until = NULL WHERE name = $1 AND feeder = $2",
            )
            .bind(name)
            .bind(owner)
            .execute(&mut *pool)
            .await
            .map_err(StoreError::query(FEED))?;
            Ok(())
        })
    }

    /// Up to `limit` of the wave's users after `cursor`, in legacy id order.
    pub async fn wave_users_after(
        &self,
        name: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT legacy_id FROM legacy_users WHERE wave = $1 AND legacy_id > $2 \
                 ORDER BY legacy_id LIMIT $3",
            )
            .bind(name)
            .bind(cursor.unwrap_or_default())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(FEED))?;
            Ok(rows.into_iter().map(|(id,)| id).collect())
        })
    }

    /// Records that the wave's users up to `cursor` are released, `fed_users` in all. Written
    /// after the release: a hub that stops in between releases those users again, which
    /// releases nothing twice.
    pub async fn record_wave_fed(&self, name: &str, cursor: &str, fed_users: i64) -> Result<(), StoreError> {
        on_writer!(self, |pool, Db, begin| {
            sqlx::query("UPDATE waves SET cursor = $2, fed_users = $3 WHERE name = $1")
                .bind(name)
                .bind(cursor)
                .bind(fed_users)
                .execute(&mut *pool)
                .await
                .map_err(StoreError::query(FEED))?;
            Ok(())
        })
    }

    /// The wave's deliveries counted by system and state, only of `states` when given.
    pub async fn wave_counts(
        &self,
        name: &str,
        states: Option<&[&str]>,
    ) -> Result<Vec<WaveCount>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let mut select = QueryBuilder::<Db>::new(
                "SELECT system, state, CASE WHEN verify_at IS NULL THEN 0 ELSE 1 END AS verifying, \
                 COUNT(*) AS count FROM deliveries WHERE wave = ",
            );
            select.push_bind(name);
            if let Some(states) = states {
                select.push(" AND state IN (");
                let mut list = select.separated(", ");
                for state in states {
                    list.push_bind(*state);
                }
                select.push(")");
            }
            select.push(" GROUP BY system, state, CASE WHEN verify_at IS NULL THEN 0 ELSE 1 END");
            select.push(" ORDER BY system, state");
            select.build_query_as().fetch_all(pool).await.map_err(StoreError::query(COUNT))
        })
    }

    /// The wave's deliveries in `states` per system: one range count on the wave's index, no
    /// row read (the feeder asks before every round).
    pub async fn wave_outstanding(
        &self,
        name: &str,
        states: &[&str],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let mut select = QueryBuilder::<Db>::new("SELECT system, COUNT(*) FROM deliveries WHERE wave = ");
            select.push_bind(name).push(" AND state IN (");
            let mut list = select.separated(", ");
            for state in states {
                list.push_bind(*state);
            }
            select.push(") GROUP BY system ORDER BY system");
            select.build_query_as().fetch_all(pool).await.map_err(StoreError::query(COUNT))
        })
    }

    /// How many of the wave's deliveries may still change: queued, in flight, held, or
    /// delivered and awaiting their read-back. Two index range counts (the wave's unsettled
    /// states, and the partial index of deliveries awaiting verification), never a scan of
    /// the settled ones.
    pub async fn wave_unsettled(&self, name: &str) -> Result<i64, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let (unsettled,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM deliveries WHERE wave = $1 \
                 AND state IN ('pending', 'in_flight', 'submitted', 'held')",
            )
            .bind(name)
            .fetch_one(pool)
            .await
            .map_err(StoreError::query(COUNT))?;
            // SQLite: `+` keeps the planner off the wave's index (every delivered row of the
            // wave) and on the partial index of the deliveries awaiting verification.
            let verifying_sql = match self.backend() {
                super::Backend::Sqlite => {
                    "SELECT COUNT(*) FROM deliveries \
                     WHERE verify_at IS NOT NULL AND +state = 'delivered' AND +wave = $1"
                }
                super::Backend::Postgres => {
                    "SELECT COUNT(*) FROM deliveries WHERE verify_at IS NOT NULL AND state = 'delivered' AND wave = $1"
                }
            };
            let (verifying,): (i64,) = sqlx::query_as(verifying_sql)
                .bind(name)
                .fetch_one(pool)
                .await
                .map_err(StoreError::query(COUNT))?;
            Ok(unsettled + verifying)
        })
    }

    /// Sends the wave's deliveries in `states` (`silent_failure`, `dead_lettered`) again:
    /// back to `pending`, due at `now`, with a fresh retry budget and their history kept, as a
    /// dead letter's redrive does. While the wave is paused they are held with the rest.
    pub async fn redrive_wave(
        &self,
        name: &str,
        states: &[&str],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        on_writer!(self, |pool, Db, begin| {
            let mut update = QueryBuilder::<Db>::new(
                "UPDATE deliveries SET state = 'pending', attempts_before_redrive = attempts, verify_at = NULL, ",
            );
            update.push("next_attempt_at = ").push_bind(now);
            update.push(", redriven_at = ").push_bind(now);
            update.push(", updated_at = ").push_bind(now);
            update.push(" WHERE wave = ").push_bind(name).push(" AND state IN (");
            let mut list = update.separated(", ");
            for state in states {
                list.push_bind(*state);
            }
            update.push(")");
            let redriven = update.build().execute(&mut *pool).await.map_err(StoreError::query(REDRIVE))?;
            Ok(redriven.rows_affected())
        })
    }
}
