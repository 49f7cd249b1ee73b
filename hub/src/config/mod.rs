//! The hub's configuration: one TOML file (`switchyard.example.toml` lists every key and its
//! default), `SWITCHYARD_*` environment overrides (see `env`), secrets as `SecretString` that
//! `Debug` never prints.

mod delivery;
mod duration;
mod env;
mod error;
mod load;
mod model;
mod system;
mod validate;
mod verification;
mod waves;
mod workers;

#[cfg(test)]
mod tests;

pub use delivery::{CircuitConfig, CircuitOverrides, DeliveryConfig, DeliveryOverrides};
pub use duration::HumanDuration;
pub use error::{ConfigError, ConfigProblem};
pub use model::{ApiConfig, ApiToken, DatabaseConfig, HttpConfig, HubConfig, Role};
pub use system::{AdapterKind, SystemConfig};
pub use validate::MIN_TOKEN_LEN;
pub use verification::VerificationConfig;
pub use waves::{AutoPauseConfig, FeedConfig, FeedOverrides, WavesConfig};
pub use workers::WorkersConfig;
