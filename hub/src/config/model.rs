//! `HubConfig`: the hub's settings as written in `switchyard.toml`, each with its default.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use switchyard_contracts::{Catalog, SystemId};
use switchyard_dependency_map::DependencyMap;

use super::delivery::{CircuitConfig, DeliveryConfig};
use super::system::SystemConfig;
use super::waves::WavesConfig;
use super::workers::WorkersConfig;

/// The whole hub configuration. Every key is optional; a missing key takes the default named
/// in its doc. Unknown keys are refused. Relative paths are relative to the working directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubConfig {
    /// Address the HTTP API listens on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Where the hub keeps its files (the SQLite database, ...). Created on first start.
    /// Default `./switchyard-data`.
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    /// The contract catalog directory. Default: the catalog shipped with Switchyard.
    pub catalog: Option<PathBuf>,
    /// The dependency map directory. Default: the map shipped with Switchyard.
    pub map: Option<PathBuf>,
    pub http: HttpConfig,
    pub api: ApiConfig,
    /// Delivery defaults for every system.
    pub delivery: DeliveryConfig,
    /// Circuit defaults for every system.
    pub circuit: CircuitConfig,
    /// This process's delivery workers, leases, sweeper and queue.
    pub workers: WorkersConfig,
    /// Running migration waves: feeding, auto-pause rules, notifications.
    pub waves: WavesConfig,
    /// Per-system adapter settings and overrides, by the dependency map's system id.
    /// Default: none (every system on the map runs on the defaults, see `routing`).
    pub systems: BTreeMap<SystemId, SystemConfig>,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./switchyard-data"),
            database: DatabaseConfig::default(),
            catalog: None,
            map: None,
            http: HttpConfig::default(),
            api: ApiConfig::default(),
            delivery: DeliveryConfig::default(),
            circuit: CircuitConfig::default(),
            workers: WorkersConfig::default(),
            waves: WavesConfig::default(),
            systems: BTreeMap::new(),
        }
    }
}

impl HubConfig {
    /// The database URL: `database.url`, else SQLite in `data_dir` (created on first start).
    pub fn database_url(&self) -> SecretString {
        match &self.database.url {
            Some(url) => url.clone(),
            None => {
                let file = self.data_dir.join("switchyard.db");
                SecretString::from(format!("sqlite://{}?mode=rwc", file.display()))
            }
        }
    }

    /// Whether the database is PostgreSQL (`postgres://` or `postgresql://`).
    pub fn uses_postgres(&self) -> bool {
        self.database.url.as_ref().is_some_and(|url| {
            let url = url.expose_secret();
            url.starts_with("postgres://") || url.starts_with("postgresql://")
        })
    }

    pub fn catalog_root(&self) -> PathBuf {
        self.catalog.clone().unwrap_or_else(Catalog::shipped_root)
    }

    pub fn map_root(&self) -> PathBuf {
        self.map.clone().unwrap_or_else(DependencyMap::shipped_root)
    }

    /// The delivery settings of one system: its overrides over `delivery`.
    pub fn delivery_for(&self, system: &SystemId) -> DeliveryConfig {
        match self.systems.get(system) {
            Some(config) => config.delivery.apply(&self.delivery),
            None => self.delivery.clone(),
        }
    }

    /// The circuit settings of one system: its overrides over `circuit`.
    pub fn circuit_for(&self, system: &SystemId) -> CircuitConfig {
        match self.systems.get(system) {
            Some(config) => config.circuit.apply(&self.circuit),
            None => self.circuit.clone(),
        }
    }
}

/// `[database]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://user:password@host/db` for PostgreSQL, or a `sqlite://` URL. Secret (it may
    /// hold a password). Default: none, meaning SQLite at `<data_dir>/switchyard.db`.
    pub url: Option<SecretString>,
}

/// `[http]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes. Default 1 MiB (1048576).
    pub body_limit_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self { body_limit_bytes: 1024 * 1024 }
    }
}

/// `[api]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Bearer tokens and their roles. Default: none (the API accepts no token).
    pub tokens: Vec<ApiToken>,
}

/// `[[api.tokens]]`: one bearer token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    /// Who holds it, for logs and audit (never the token itself). Required, unique.
    pub name: String,
    /// The bearer token, at least 16 characters. Required, unique, never logged.
    pub token: SecretString,
    /// What it may do. Required, at least one.
    pub roles: Vec<Role>,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Send events.
    Ingest,
    /// Plan, start, pause, resume and abort waves; handle dead letters.
    Ops,
    /// Manage systems, adapters and mappings.
    Integration,
    /// Read only.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Ops => "ops",
            Role::Integration => "integration",
            Role::Viewer => "viewer",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
