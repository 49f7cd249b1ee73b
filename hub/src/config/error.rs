//! Why a configuration cannot be used: each error names where it came from (the file, and the
//! `SWITCHYARD_*` variables applied), the key and the rule.

use std::fmt;
use std::path::PathBuf;

/// One broken rule: the key (`delivery.batch_size`, `systems.lms.webhook`) and what it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub rule: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.rule)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read the configuration file", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid TOML: {message}", file.display())]
    Syntax { file: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    /// A key has the wrong type or value, or is unknown.
    #[error("{origin}: `{key}`: {message}")]
    Invalid { origin: String, key: String, message: String },
    /// Keys that parse but break a rule; every one is listed.
    #[error("{origin}: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Rules { origin: String, problems: Vec<ConfigProblem> },
}
