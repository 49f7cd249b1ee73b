//! Ledgers for tests: SQLite in a temporary directory always, and PostgreSQL in a fresh
//! schema per test when `SWITCHYARD_TEST_POSTGRES_URL` is set.

use std::str::FromStr;
use std::sync::Once;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use switchyard::store::Store;
use tempfile::TempDir;
use ulid::Ulid;

pub const POSTGRES_URL_VAR: &str = "SWITCHYARD_TEST_POSTGRES_URL";
/// One ledger under test; `reopen` gives a second, independent pool on the same database.
pub struct TestLedger {
    pub store: Store,
    pub place: Place,
}

pub enum Place {
    Sqlite(TempDir),
    Postgres(Box<PostgresPlace>),
}

/// A schema of its own on the test server, dropped when the test finishes.
pub struct PostgresPlace {
    pub admin: PgConnectOptions,
    pub options: PgConnectOptions,
    pub schema: String,
}

impl TestLedger {
    pub async fn reopen(&self) -> Store {
        match &self.place {
            Place::Sqlite(dir) => Store::open_sqlite(dir.path()).await.unwrap(),
            Place::Postgres(pg) => Store::open_postgres(pg.options.clone()).await.unwrap(),
        }
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Place::Postgres(pg) = self.place {
            let PostgresPlace { admin, schema, .. } = *pg;
            let mut conn = PgConnection::connect_with(&admin).await.unwrap();
            sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

/// SQLite always; PostgreSQL too when the environment names a server.
pub async fn ledgers() -> Vec<TestLedger> {
    let dir = TempDir::new().unwrap();
    let store = Store::open_sqlite(dir.path()).await.unwrap();
    let mut ledgers = vec![TestLedger { store, place: Place::Sqlite(dir) }];
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) => ledgers.push(postgres_ledger(&url).await),
        Err(_) => {
            static NOTICE: Once = Once::new();
            NOTICE.call_once(|| {
                eprintln!("{POSTGRES_URL_VAR} is not set: ledger tests ran on SQLite only");
            });
        }
    }
    ledgers
}

pub async fn postgres_ledger(url: &str) -> TestLedger {
    let admin = PgConnectOptions::from_str(url).unwrap();
    let schema = format!("t_{}", Ulid::generate().to_string().to_lowercase());
    let mut conn = PgConnection::connect_with(&admin).await.unwrap();
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut conn).await.unwrap();
    let options = admin.clone().options([("search_path", schema.as_str())]);
    let store = Store::open_postgres(options.clone()).await.unwrap();
    TestLedger { store, place: Place::Postgres(Box::new(PostgresPlace { admin, options, schema })) }
}

/// A fresh PostgreSQL ledger for a test that runs the binary, and the URL that points the
/// binary at its schema (`SWITCHYARD_DATABASE_URL`); `None`, said on stderr, without
/// SWITCHYARD_TEST_POSTGRES_URL.
pub async fn postgres_ledger_for_cli(what: &str) -> Option<(TestLedger, String)> {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("{POSTGRES_URL_VAR} is not set: the PostgreSQL {what} test did not run");
        return None;
    };
    let ledger = postgres_ledger(&url).await;
    let Place::Postgres(place) = &ledger.place else { unreachable!("a PostgreSQL ledger") };
    let separator = if url.contains('?') { '&' } else { '?' };
    let schema_url = format!("{url}{separator}options=-c%20search_path%3D{}", place.schema);
    Some((ledger, schema_url))
}
