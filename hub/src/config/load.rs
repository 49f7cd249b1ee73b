//! `HubConfig::load`: the file (or nothing), then `SWITCHYARD_*` overrides, then the rules.

use std::path::Path;

use toml::{Table, Value};

use super::env::apply_env;
use super::error::ConfigError;
use super::model::HubConfig;
use super::validate::validate;

impl HubConfig {
    /// Reads `path` (none: every default), applies the `SWITCHYARD_*` variables of `env` (see
    /// `config::env` for the mapping) and checks the result. Command-line flags are applied by
    /// the caller afterwards. Errors name the file, the variables applied, the key and the rule.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<HubConfig, ConfigError> {
        let mut table = match path {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|source| ConfigError::Read { file: file.to_path_buf(), source })?;
                toml::from_str::<Table>(&text).map_err(|error| ConfigError::Syntax {
                    file: file.to_path_buf(),
                    message: error.to_string(),
                })?
            }
            None => Table::new(),
        };
        let applied = apply_env(&mut table, env)?;
        from_table(table, origin(path, &applied))
    }

    /// Reads configuration text as a file would be read, without environment overrides.
    pub fn from_toml(text: &str) -> Result<HubConfig, ConfigError> {
        let table = toml::from_str::<Table>(text)
            .map_err(|error| ConfigError::Syntax { file: "<text>".into(), message: error.to_string() })?;
        from_table(table, "<text>".to_owned())
    }
}

fn from_table(table: Table, origin: String) -> Result<HubConfig, ConfigError> {
    let config: HubConfig = serde_path_to_error::deserialize(Value::Table(table)).map_err(|error| {
        let key = error.path().to_string();
        ConfigError::Invalid { origin: origin.clone(), key, message: error.into_inner().message().to_owned() }
    })?;
    let problems = validate(&config);
    if problems.is_empty() { Ok(config) } else { Err(ConfigError::Rules { origin, problems }) }
}

/// `switchyard.toml`, `switchyard.toml with SWITCHYARD_X`, or `defaults with SWITCHYARD_X`.
fn origin(path: Option<&Path>, applied: &[String]) -> String {
    let base = path.map_or_else(|| "defaults".to_owned(), |file| file.display().to_string());
    if applied.is_empty() { base } else { format!("{base} with {}", applied.join(", ")) }
}
