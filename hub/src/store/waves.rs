//! Waves in the ledger: a named cohort of legacy users (each user in one wave at most), the
//! owners' sign-offs and every action taken on the wave, with who, when and why.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::QueryBuilder;

use super::{Store, StoreError, on_backend, on_writer};

const PLAN: &str = "plan a wave";
const READ: &str = "read a wave";
const SIGN: &str = "sign a wave off";
const ACT: &str = "record a wave action";

/// Which unassigned legacy users a wave takes: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CohortFilter {
    /// This share (0 to 1) of all imported users, at most, taken in legacy id order.
    pub share: Option<f64>,
    pub status: Option<String>,
    pub partner_code: Option<String>,
    pub website: Option<String>,
    /// Accounts created before this day.
    pub created_before: Option<NaiveDate>,
    /// Accounts created on or after this day.
    pub created_from: Option<NaiveDate>,
    pub legacy_ids: Option<Vec<String>>,
}

/// A wave as recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct WaveRow {
    pub name: String,
    pub cohort: String,
    pub state: String,
    pub users: i64,
    pub created_at: DateTime<Utc>,
}

/// An owner's sign-off.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Signoff {
    pub owner: String,
    pub signed_by: String,
    pub note: Option<String>,
    pub signed_at: DateTime<Utc>,
}

/// One action on a wave.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct WaveAction {
    pub action: String,
    pub actor: String,
    pub reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<Value>,
    pub at: DateTime<Utc>,
}

/// Why a wave could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("a wave named `{0}` exists already (waves are planned once; plan another name)")]
    Exists(String),
    #[error("the selection takes no user: every matching user is in a wave already, or none matches")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Plans wave `name`: takes the unassigned users `filter` selects, in one transaction, and
    /// records the action. A user already in a wave is never taken again.
    pub async fn plan_wave(
        &self,
        name: &str,
        cohort: &str,
        filter: &CohortFilter,
        actor: &str,
    ) -> Result<WaveRow, PlanError> {
        let now = Utc::now();
        on_writer!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(PLAN))?;
            let exists: Option<(String,)> = sqlx::query_as("SELECT name FROM waves WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(StoreError::query(PLAN))?;
            if exists.is_some() {
                return Err(PlanError::Exists(name.to_owned()));
            }
            sqlx::query("INSERT INTO waves (name, cohort, state, users, created_at) VALUES ($1, $2, 'planned', 0, $3)")
                .bind(name)
                .bind(cohort)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(PLAN))?;
            let limit = match filter.share {
                Some(share) => {
                    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM legacy_users")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(StoreError::query(PLAN))?;
                    Some((total as f64 * share).ceil() as i64)
                }
                None => None,
            };
            let mut update = QueryBuilder::<Db>::new("UPDATE legacy_users SET wave = ");
            update.push_bind(name);
            update.push(
                " WHERE wave IS NULL AND legacy_id IN (SELECT legacy_id FROM legacy_users WHERE wave IS NULL",
            );
            if let Some(status) = &filter.status {
                update.push(" AND status = ").push_bind(status);
            }
            if let Some(partner) = &filter.partner_code {
                update.push(" AND partner_code = ").push_bind(partner);
            }
            if let Some(website) = &filter.website {
                update.push(" AND website = ").push_bind(website);
            }
            if let Some(day) = filter.created_before {
                update
                    .push(" AND created_at < ")
                    .push_bind(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
            }
            if let Some(day) = filter.created_from {
                update
                    .push(" AND created_at >= ")
                    .push_bind(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
            }
            if let Some(ids) = &filter.legacy_ids {
                update.push(" AND legacy_id IN (");
                let mut list = update.separated(", ");
                for id in ids {
                    list.push_bind(id);
                }
                update.push(")");
            }
            update.push(" ORDER BY legacy_id");
            if let Some(limit) = limit {
                update.push(" LIMIT ").push_bind(limit);
            }
            update.push(")");
            let taken =
                update.build().execute(&mut *tx).await.map_err(StoreError::query(PLAN))?.rows_affected();
            if taken == 0 {
                return Err(PlanError::Empty);
            }
            sqlx::query("UPDATE waves SET users = $1 WHERE name = $2")
                .bind(taken as i64)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(PLAN))?;
            sqlx::query("INSERT INTO wave_actions (wave, action, actor, reason, evidence, at) VALUES ($1, 'planned', $2, $3, NULL, $4)")
                .bind(name)
                .bind(actor)
                .bind(cohort)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(PLAN))?;
            tx.commit().await.map_err(StoreError::query(PLAN))?;
            Ok(WaveRow {
                name: name.to_owned(),
                cohort: cohort.to_owned(),
                state: "planned".into(),
                users: taken as i64,
                created_at: now,
            })
        })
    }

    pub async fn wave(&self, name: &str) -> Result<Option<WaveRow>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as("SELECT name, cohort, state, users, created_at FROM waves WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::query(READ))
        })
    }

    /// The wave's users by legacy status (`active`, `inactive`, `expired`).
    pub async fn wave_users_by_status(&self, name: &str) -> Result<Vec<(String, i64)>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT status, COUNT(*) FROM legacy_users WHERE wave = $1 GROUP BY status ORDER BY status",
            )
            .bind(name)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(READ))
        })
    }

    /// The wave's staged events by type and contract version.
    pub async fn wave_event_counts(&self, name: &str) -> Result<Vec<(String, i32, i64)>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT s.event_type, s.version, COUNT(*) FROM staged_events s \
                 JOIN legacy_users u ON u.legacy_id = s.legacy_id \
                 WHERE u.wave = $1 GROUP BY s.event_type, s.version ORDER BY s.event_type, s.version",
            )
            .bind(name)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(READ))
        })
    }

    /// Records `owner`'s sign-off of the wave (replacing an earlier one) and the action.
    pub async fn sign_off(
        &self,
        wave: &str,
        owner: &str,
        by: &str,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        on_writer!(self, |pool, Db, begin| {
            let mut tx = pool.begin_with(begin).await.map_err(StoreError::query(SIGN))?;
            sqlx::query(
                "INSERT INTO wave_signoffs (wave, owner, signed_by, note, signed_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (wave, owner) DO UPDATE SET signed_by = excluded.signed_by, note = excluded.note, \
                 signed_at = excluded.signed_at",
            )
            .bind(wave)
            .bind(owner)
            .bind(by)
            .bind(note)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::query(SIGN))?;
            sqlx::query("INSERT INTO wave_actions (wave, action, actor, reason, evidence, at) VALUES ($1, 'signed-off', $2, $3, NULL, $4)")
                .bind(wave)
                .bind(by)
                .bind(format!("for {owner}{}", note.map(|n| format!(": {n}")).unwrap_or_default()))
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query(SIGN))?;
            tx.commit().await.map_err(StoreError::query(SIGN))
        })
    }

    pub async fn signoffs(&self, wave: &str) -> Result<Vec<Signoff>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT owner, signed_by, note, signed_at FROM wave_signoffs WHERE wave = $1 ORDER BY owner",
            )
            .bind(wave)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(READ))
        })
    }

    pub async fn record_wave_action(
        &self,
        wave: &str,
        action: &str,
        actor: &str,
        reason: Option<&str>,
        evidence: Option<&Value>,
    ) -> Result<(), StoreError> {
        on_writer!(self, |pool, Db, begin| {
            sqlx::query("INSERT INTO wave_actions (wave, action, actor, reason, evidence, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(wave)
                .bind(action)
                .bind(actor)
                .bind(reason)
                .bind(evidence)
                .bind(Utc::now())
                .execute(&mut *pool)
                .await
                .map_err(StoreError::query(ACT))?;
            Ok(())
        })
    }

    /// Every action on the wave, oldest first.
    pub async fn wave_actions(&self, wave: &str) -> Result<Vec<WaveAction>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            sqlx::query_as(
                "SELECT action, actor, reason, evidence, at FROM wave_actions WHERE wave = $1 ORDER BY id",
            )
            .bind(wave)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query(READ))
        })
    }
}
