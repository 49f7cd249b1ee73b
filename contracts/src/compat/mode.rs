//! Parsing and meaning of compatibility modes: which directions each checks, against which versions.

use std::fmt;
use std::str::FromStr;

use super::{CompatibilityMode, Direction};
use crate::names::NameError;

impl CompatibilityMode {
    pub const ALL: [Self; 6] = [
        Self::Backward,
        Self::BackwardTransitive,
        Self::Forward,
        Self::ForwardTransitive,
        Self::Full,
        Self::FullTransitive,
    ];

    /// The Schema Registry spelling, e.g. `BACKWARD_TRANSITIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "BACKWARD",
            Self::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Self::Forward => "FORWARD",
            Self::ForwardTransitive => "FORWARD_TRANSITIVE",
            Self::Full => "FULL",
            Self::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    /// Accepts any case, with `_` or `-`: `BACKWARD_TRANSITIVE`, `full-transitive`, `forward`.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let normalised = input.trim().to_ascii_uppercase().replace('-', "_");
        Self::ALL.into_iter().find(|mode| mode.as_str() == normalised).ok_or_else(|| NameError {
            input: input.to_owned(),
            what: "compatibility mode",
            rule: "one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE",
        })
    }

    /// The directions this mode checks: FULL checks both.
    pub fn directions(self) -> &'static [Direction] {
        match self {
            Self::Backward | Self::BackwardTransitive => &[Direction::Backward],
            Self::Forward | Self::ForwardTransitive => &[Direction::Forward],
            Self::Full | Self::FullTransitive => &[Direction::Backward, Direction::Forward],
        }
    }

    /// Transitive modes compare the new version with every earlier version, not only `from`.
    pub fn is_transitive(self) -> bool {
        matches!(self, Self::BackwardTransitive | Self::ForwardTransitive | Self::FullTransitive)
    }
}

impl fmt::Display for CompatibilityMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for CompatibilityMode {
    type Err = NameError;
    fn from_str(input: &str) -> Result<Self, NameError> {
        Self::parse(input)
    }
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "backward",
            Self::Forward => "forward",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
