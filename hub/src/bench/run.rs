//! Running the three measurements on one store and collecting the figures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde::Serialize;
use switchyard_sandbox::WebhookReceiver;
use ulid::Ulid;

use super::child::{ChildError, ChildHub};
use super::noop::{self, NoopFigures};
use super::traffic::{SendError, routed_user, send_users};
use crate::store::{Store, StoreError};

/// The signing secret the benchmark's hub and receiver share (a throwaway test value).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Events per HTTP request and concurrent clients sending them.
const EVENTS_PER_REQUEST: usize = 500;
const CLIENTS: usize = 4;
/// Events per ledger transaction when filling the backlog.
const FILL_CHUNK: usize = 1_000;
/// How long the receiver may wait for the last event before the run is declared stuck.
const DRAIN_LIMIT: Duration = Duration::from_secs(900);

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// No-op jobs for the baseline.
    pub noop_jobs: usize,
    /// apalis worker concurrency for the baseline.
    pub noop_concurrency: usize,
    /// Jobs the baseline's worker fetches per poll.
    pub noop_fetch_batch: usize,
    /// Events sent end to end.
    pub events: usize,
    /// Deliveries queued in the backlog measurement (0 skips it).
    pub queued: usize,
    /// `postgres://…` to run on PostgreSQL (in a fresh schema); SQLite in a temporary
    /// directory otherwise.
    pub postgres: Option<String>,
    /// Where the temporary data, configs and logs go.
    pub work_dir: PathBuf,
}

/// Every figure of one run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub store: &'static str,
    pub noop: NoopFigures,
    pub end_to_end: EndToEndFigures,
    pub backlog: Option<BacklogFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndToEndFigures {
    pub events: usize,
    /// Deliveries created (two per event: the LMS and Salesforce).
    pub deliveries: usize,
    pub seconds: f64,
    pub events_per_second: f64,
    pub hub_peak_rss_mib: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BacklogFigures {
    pub deliveries_queued: usize,
    pub fill_seconds: f64,
    pub drained: usize,
    pub drain_seconds: f64,
    pub drain_per_second: f64,
    pub hub_peak_rss_mib: Option<f64>,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot prepare {what}")]
    Prepare { what: String, source: Box<dyn std::error::Error + Send + Sync> },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueError),
    #[error(transparent)]
    Child(#[from] ChildError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("the hub did not deliver every event within {limit:?} ({received} of {expected})")]
    Stuck { limit: Duration, received: usize, expected: usize },
}

pub(super) fn prepare<E: std::error::Error + Send + Sync + 'static>(
    what: &str,
) -> impl FnOnce(E) -> BenchError + '_ {
    move |source| BenchError::Prepare { what: what.to_owned(), source: Box::new(source) }
}

/// A place for one measurement: a data directory and, on PostgreSQL, a schema of its own
/// (also the child hub's queue prefix), dropped with [`Place::remove`].
pub(super) struct Place {
    data_dir: PathBuf,
    database_url: Option<String>,
    /// `(server URL, schema)` on PostgreSQL.
    schema: Option<(String, String)>,
    queue_prefix: String,
}

impl Place {
    pub(super) async fn new(options: &BenchOptions, name: &str) -> Result<Place, BenchError> {
        let data_dir = options.work_dir.join(format!("{name}-{}", Ulid::generate()));
        std::fs::create_dir_all(&data_dir).map_err(prepare("the data directory"))?;
        let mut schema_of_place = None;
        let database_url = match &options.postgres {
            None => None,
            Some(base) => {
                let schema = format!("bench_{}", Ulid::generate().to_string().to_lowercase());
                let admin = Store::open_url(base).await?;
                if let Some(pool) = admin.postgres_pool() {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                        .execute(pool)
                        .await
                        .map_err(prepare("a PostgreSQL schema"))?;
                }
                admin.close().await;
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
                schema_of_place = Some((base.clone(), schema));
                Some(url)
            }
        };
        let queue_prefix = match &schema_of_place {
            Some((_, schema)) => schema.clone(),
            None => "switchyard".to_owned(),
        };
        Ok(Place { data_dir, database_url, schema: schema_of_place, queue_prefix })
    }

    /// Drops the PostgreSQL schema and this place's queue jobs (SQLite's data goes with the
    /// work directory). A failure is reported, not fatal: the figures are already taken.
    pub(super) async fn remove(self) {
        let Some((base, schema)) = self.schema else { return };
        let dropped = async {
            let admin = Store::open_url(&base).await.map_err(|err| err.to_string())?;
            if let Some(pool) = admin.postgres_pool() {
                sqlx::query("DELETE FROM apalis.jobs WHERE substr(job_type, 1, length($1)) = $1")
                    .bind(format!("{schema}."))
                    .execute(pool)
                    .await
                    .map_err(|err| err.to_string())?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .execute(pool)
                    .await
                    .map_err(|err| err.to_string())?;
            }
            admin.close().await;
            Ok::<(), String>(())
        };
        if let Err(err) = dropped.await {
            eprintln!("bench: could not drop schema {schema}: {err}");
        }
    }

    pub(super) fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    pub(super) async fn store(&self) -> Result<Store, StoreError> {
        match &self.database_url {
            Some(url) => Store::open_url(url).await,
            None => Store::open_sqlite(&self.data_dir).await,
        }
    }

    /// A hub config delivering the LMS to `receiver` in batch mode at full speed.
    fn write_lms_config(&self, receiver: &WebhookReceiver) -> Result<PathBuf, BenchError> {
        self.write_config(&format!(
            "[systems.lms]\nadapter = \"webhook\"\n\
             [systems.lms.webhook]\nurl = \"{}\"\nsecrets = [\"{SECRET}\"]\nmode = \"batch\"\n\
             allow_list = [\"127.0.0.0/8\"]\nrate_limit_per_second = 1000000\n",
            receiver.url(),
        ))
    }

    /// A hub config on this place's store and queue with the given `[systems.*]` sections.
    pub(super) fn write_config(&self, systems: &str) -> Result<PathBuf, BenchError> {
        let database = match &self.database_url {
            Some(url) => format!("[database]\nurl = \"{url}\"\n"),
            None => String::new(),
        };
        let text = format!(
            "{database}[http]\nbody_limit_bytes = 4194304\n\
             [workers]\npoll_interval = \"10ms\"\nqueue_prefix = \"{prefix}\"\n{systems}",
            prefix = self.queue_prefix,
        );
        let path = self.data_dir.join("switchyard.toml");
        std::fs::write(&path, text).map_err(prepare("the hub config"))?;
        Ok(path)
    }
}

/// Runs the baseline, the end-to-end run and the backlog run.
pub async fn run(options: &BenchOptions, progress: impl Fn(&str)) -> Result<BenchReport, BenchError> {
    switchyard_adapters::tls::ensure_crypto_provider();
    let store_name = if options.postgres.is_some() { "postgres" } else { "sqlite" };

    progress(&format!(
        "baseline: {} no-op apalis jobs at concurrency {}",
        options.noop_jobs, options.noop_concurrency
    ));
    let place = Place::new(options, "noop").await?;
    let store = place.store().await?;
    let noop =
        noop::measure(&store, options.noop_jobs, options.noop_concurrency, options.noop_fetch_batch).await?;
    store.close().await;
    place.remove().await;

    progress(&format!("end to end: {} events over HTTP to a local webhook receiver", options.events));
    let end_to_end = end_to_end(options).await?;

    let backlog = if options.queued > 0 {
        progress(&format!("backlog: {} deliveries queued, the LMS half drained", options.queued));
        Some(backlog(options, &progress).await?)
    } else {
        None
    };
    Ok(BenchReport { store: store_name, noop, end_to_end, backlog })
}

async fn receiver() -> Result<WebhookReceiver, BenchError> {
    WebhookReceiver::start(([127, 0, 0, 1], 0).into(), &SecretString::from(SECRET))
        .await
        .map_err(prepare("the webhook receiver"))
}

async fn wait_for(receiver: &WebhookReceiver, expected: usize) -> Result<(), BenchError> {
    let waited =
        tokio::time::timeout(DRAIN_LIMIT, receiver.wait_until(|stats| stats.events.len() >= expected)).await;
    waited.map(|_| ()).map_err(|_| BenchError::Stuck {
        limit: DRAIN_LIMIT,
        received: receiver.stats().events.len(),
        expected,
    })
}

async fn end_to_end(options: &BenchOptions) -> Result<EndToEndFigures, BenchError> {
    let place = Place::new(options, "e2e").await?;
    let receiver = receiver().await?;
    let config = place.write_lms_config(&receiver)?;
    let hub = ChildHub::start(&config, &place.data_dir, &place.data_dir.join("hub.log"))?;
    let run = format!("e2e{}", Ulid::generate());
    let started = Instant::now();
    send_users(&hub.url, &run, options.events, EVENTS_PER_REQUEST, CLIENTS).await?;
    wait_for(&receiver, options.events).await?;
    let seconds = started.elapsed().as_secs_f64();
    let hub_peak_rss_mib = hub.peak_rss_mib();
    hub.stop()?;
    place.remove().await;
    Ok(EndToEndFigures {
        events: options.events,
        deliveries: options.events * 2,
        seconds,
        events_per_second: options.events as f64 / seconds,
        hub_peak_rss_mib,
    })
}

async fn backlog(options: &BenchOptions, progress: &impl Fn(&str)) -> Result<BacklogFigures, BenchError> {
    let place = Place::new(options, "backlog").await?;
    let users = options.queued / 2;
    let store = place.store().await?;
    let run = format!("backlog{}", Ulid::generate());
    let filling = Instant::now();
    for start in (0..users).step_by(FILL_CHUNK) {
        let events: Vec<_> = (start..(start + FILL_CHUNK).min(users)).map(|n| routed_user(&run, n)).collect();
        store.insert_events(&events).await?;
    }
    let fill_seconds = filling.elapsed().as_secs_f64();
    store.close().await;
    progress(&format!(
        "backlog: {} deliveries queued in {fill_seconds:.1} s; starting the hub on them",
        users * 2
    ));

    let receiver = receiver().await?;
    let config = place.write_lms_config(&receiver)?;
    let draining = Instant::now();
    let hub = ChildHub::start(&config, &place.data_dir, &place.data_dir.join("hub.log"))?;
    wait_for(&receiver, users).await?;
    let drain_seconds = draining.elapsed().as_secs_f64();
    let hub_peak_rss_mib = hub.peak_rss_mib();
    hub.stop()?;
    place.remove().await;
    Ok(BacklogFigures {
        deliveries_queued: users * 2,
        fill_seconds,
        drained: users,
        drain_seconds,
        drain_per_second: users as f64 / drain_seconds,
        hub_peak_rss_mib,
    })
}
