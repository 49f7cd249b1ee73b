//! Running the hub binary as ops do (config file, data directory, SIGTERM, SIGKILL), the
//! events to send, and the stores to look into afterwards.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;

use serde_json::{Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use switchyard_sandbox::WebhookReceiver;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const POSTGRES_URL_VAR: &str = "SWITCHYARD_TEST_POSTGRES_URL";

/// The `switchyard` binary `cargo test` built beside this test binary.
fn hub_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let binary = target.join(format!("switchyard{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: `cargo test --workspace` builds it (or run `cargo build -p switchyard` first)",
        binary.display()
    );
    binary
}

/// A running hub process; killed when dropped.
pub struct HubProcess {
    child: Child,
    pub url: String,
}

impl HubProcess {
    /// Starts `switchyard serve` on a free port; its logs go to `<data_dir>/hub-<n>.log`.
    pub fn start(data_dir: &Path, config: &Path, log_name: &str) -> HubProcess {
        let log = std::fs::File::create(data_dir.join(log_name)).expect("log file");
        let mut child = Command::new(hub_binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .arg("--config")
            .arg(config)
            .env("SWITCHYARD_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn switchyard serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        lines.read_line(&mut line).expect("read stdout");
        let url = line.trim().strip_prefix("switchyard listening on ").map(str::to_owned);
        // Keep draining stdout so the hub never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.lines() {});
        let Some(url) = url else {
            let _ = child.kill();
            let logs = std::fs::read_to_string(data_dir.join(log_name)).unwrap_or_default();
            panic!("the hub did not start: {line}\n{logs}");
        };
        HubProcess { child, url }
    }

    /// SIGKILL: no shutdown, no cleanup, as when a machine dies.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
    }

    /// SIGTERM and wait: a graceful stop exits 0.
    pub fn stop(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        self.child.wait().expect("wait").code()
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config file delivering the `lms` system to `receiver`, on `database_url` (SQLite in the
/// data directory when `None`), with leases of `lease` ("3s" lets a killed hub's work come back
/// quickly).
pub fn write_config(
    dir: &Path,
    receiver: &WebhookReceiver,
    database_url: Option<&str>,
    queue_prefix: &str,
    lease: &str,
) -> PathBuf {
    let database = database_url.map(|url| format!("[database]\nurl = \"{url}\"\n")).unwrap_or_default();
    let text = format!(
        "{database}\
         [workers]\nlease = \"{lease}\"\nsweep_interval = \"500ms\"\npoll_interval = \"20ms\"\n\
         shutdown_timeout = \"10s\"\nqueue_prefix = \"{queue_prefix}\"\n\
         [delivery]\nbatch_size = 100\nretry_schedule = [\"1s\"]\nmax_attempts = 50\n\
         [systems.lms]\nadapter = \"webhook\"\n\
         [systems.lms.webhook]\nurl = \"{url}\"\nsecrets = [\"{SECRET}\"]\nallow_list = [\"127.0.0.0/8\"]\n\
         rate_limit_per_second = 100000\nmax_concurrency = 16\ntimeout_ms = 2000\n",
        url = receiver.url(),
    );
    let path = dir.join("switchyard.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// `count` `user.migrated@v1` events (the shipped fixture's learner, made unique), in batches.
pub fn user_events(prefix: &str, count: usize) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/catalog/systems/lms/fixtures/learner-from-user-migrated.json");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let template = cases[0]["event"].clone();
    (0..count)
        .map(|n| {
            let mut event = template.clone();
            event["id"] = json!(format!("{prefix}-{n}"));
            event["data"]["legacy_id"] = json!(format!("{prefix}-L{n}"));
            event["data"]["email"] = json!(format!("learner{n}@example.com"));
            event
        })
        .collect()
}

/// Posts one batch; `true` when the hub answered 202 (committed).
pub async fn post_batch(client: &reqwest::Client, hub_url: &str, batch: &[Value]) -> bool {
    let sent = client
        .post(format!("{hub_url}/v1/events"))
        .header("content-type", "application/cloudevents-batch+json")
        .body(serde_json::to_vec(batch).expect("json"))
        .send()
        .await;
    matches!(sent, Ok(response) if response.status() == 202)
}

/// How many times the hubs that logged into `dir` handed back a dead hub's leases.
pub fn lease_releases_logged(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "log"))
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .map(|log| log.matches("released expired leases").count())
        .sum()
}

/// How many of `system`'s deliveries the hub's ledger holds in `state`, from the ops API.
pub async fn delivery_count(
    client: &reqwest::Client,
    hub_url: &str,
    system: &str,
    state: &str,
) -> Option<u64> {
    let status: Value =
        client.get(format!("{hub_url}/v1/deliveries/status")).send().await.ok()?.json().await.ok()?;
    let counts = status["counts"].as_array()?;
    Some(
        counts
            .iter()
            .filter(|count| count["system"] == system && count["state"] == state)
            .filter_map(|count| count["count"].as_u64())
            .sum(),
    )
}

/// Polls the hub's ops API until `expected` of `system`'s deliveries are delivered, or
/// `limit` passes. Polling, because the ledger's state changes inside another process that
/// sends no notification; the interval is short and the loop bounded.
pub async fn wait_until_delivered(
    hub_url: &str,
    system: &str,
    expected: u64,
    limit: std::time::Duration,
) -> u64 {
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + limit;
    loop {
        let delivered = delivery_count(&client, hub_url, system, "delivered").await.unwrap_or(0);
        if delivered >= expected || std::time::Instant::now() >= deadline {
            return delivered;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A PostgreSQL schema of its own for one test, and the URL that selects it.
pub struct PostgresSchema {
    admin: PgConnectOptions,
    pub name: String,
    pub url: String,
}

impl PostgresSchema {
    pub async fn create() -> Option<PostgresSchema> {
        let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("{POSTGRES_URL_VAR} is not set: PostgreSQL end-to-end tests were not run");
            return None;
        };
        let admin = PgConnectOptions::from_str(&base).expect("postgres URL");
        let name = format!("e2e_{}", ulid::Ulid::generate().to_string().to_lowercase());
        let mut conn = PgConnection::connect_with(&admin).await.expect("connect");
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&mut conn).await.expect("schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{name}");
        Some(PostgresSchema { admin, name, url })
    }

    /// Drops the schema, and this test's jobs from the `apalis` schema every hub on the server
    /// shares (the test's queue prefix is the schema's name), so runs leave nothing behind.
    pub async fn drop_schema(self) {
        let mut conn = PgConnection::connect_with(&self.admin).await.expect("connect");
        sqlx::query("DELETE FROM apalis.jobs WHERE substr(job_type, 1, length($1)) = $1")
            .bind(format!("{}.", self.name))
            .execute(&mut conn)
            .await
            .expect("delete the test's jobs");
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .execute(&mut conn)
            .await
            .expect("drop");
    }
}
