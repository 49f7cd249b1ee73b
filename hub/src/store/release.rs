//! Releasing staged migration events into the ledger: a wave's users' events are recorded with
//! their deliveries and marked released in one transaction, so a crash releases a round
//! whole or not at all; an event the ledger already has (the same event ingested over HTTP)
//! is a duplicate by `source`+`event_id` and is only marked, so nothing is lost or doubled.

use sqlx::QueryBuilder;

use super::{NewEvent, Route, Store, StoreError, on_backend};

const LOAD: &str = "load staged events";

/// Legacy ids per round: each round loads their unreleased events, records and marks them.
const USERS_PER_ROUND: usize = 500;

/// What [`Store::release_staged`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReleaseReport {
    /// Staged events now recorded in the ledger (and marked released).
    pub released: u64,
    /// Of those, events the ledger already had (a release that stopped before marking them, or
    /// the same event ingested over HTTP): marked, no new deliveries.
    pub already_recorded: u64,
    /// Deliveries created.
    pub deliveries: u64,
}

#[derive(sqlx::FromRow)]
struct StagedRow {
    id: i64,
    #[sqlx(flatten)]
    event: NewEvent,
}

impl Store {
    /// Records every unreleased staged event of `legacy_ids` in the ledger, each with the
    /// deliveries `routes` chooses for it (as ingest routes a live event), in staging order
    /// (a user's `user.migrated` before its enrollments), and marks them released. Events
    /// already released are left alone, so releasing twice releases once.
    ///
    /// With a `wave`, the deliveries of those events carry its name (a wave holds and counts
    /// its own deliveries by it), and are held if the wave is not running by then.
    pub async fn release_staged(
        &self,
        legacy_ids: &[String],
        wave: Option<&str>,
        routes: impl Fn(&NewEvent) -> Vec<Route>,
    ) -> Result<ReleaseReport, StoreError> {
        let mut report = ReleaseReport::default();
        for users in legacy_ids.chunks(USERS_PER_ROUND) {
            let rows = self.unreleased(users).await?;
            if rows.is_empty() {
                continue;
            }
            let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
            let events: Vec<NewEvent> = rows
                .into_iter()
                .map(|StagedRow { mut event, .. }| {
                    event.routes = routes(&event);
                    event
                })
                .collect();
            let receipts = self.insert_staged_events(&events, wave, &ids).await?;
            report.released += receipts.len() as u64;
            report.already_recorded += receipts.iter().filter(|receipt| receipt.duplicate).count() as u64;
            report.deliveries +=
                receipts.iter().map(|receipt| receipt.delivery_ids.len() as u64).sum::<u64>();
        }
        Ok(report)
    }

    async fn unreleased(&self, legacy_ids: &[String]) -> Result<Vec<StagedRow>, StoreError> {
        on_backend!(self, |pool, Db, begin| {
            let mut select = QueryBuilder::<Db>::new(
                "SELECT id, legacy_id, source, event_id, event_type, version, time, data \
                 FROM staged_events WHERE released_at IS NULL AND legacy_id IN (",
            );
            let mut list = select.separated(", ");
            for id in legacy_ids {
                list.push_bind(id);
            }
            select.push(") ORDER BY id");
            select.build_query_as().fetch_all(pool).await.map_err(StoreError::query(LOAD))
        })
    }
}
