//! Findings: problems reported as data (file, place, rule, message), never as the first error.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a finding is. `Error` findings fail a check (exit code 1); warnings are shown only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in the catalog or in a check: where it is and which rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file the problem is in, relative to the catalog root when it can be.
    pub file: PathBuf,
    /// The place inside the file: a JSON pointer (`/fields/LastName`) or a TOML key path.
    pub place: String,
    /// A stable, machine-readable rule code, e.g. `mapping.required-field-missing`.
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    pub fn error(
        file: impl AsRef<Path>,
        place: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.as_ref().to_path_buf(),
            place: place.into(),
            rule,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(
        file: impl AsRef<Path>,
        place: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self { severity: Severity::Warning, ..Self::error(file, place, rule, message) }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let place = if self.place.is_empty() { String::new() } else { format!(" at {}", self.place) };
        write!(f, "{severity}[{}]: {}{place}: {}", self.rule, self.file.display(), self.message)
    }
}

/// Turns a list of path segments into an RFC 6901 JSON pointer (`/a/b~1c`).
pub fn json_pointer<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> String {
    segments
        .into_iter()
        .map(|segment| format!("/{}", segment.as_ref().replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_place_and_rule() {
        let finding = Finding::error(
            "mappings/contact.toml",
            "/fields/LastName",
            "mapping.length-unguarded",
            "may exceed 80",
        );
        assert_eq!(
            finding.to_string(),
            "error[mapping.length-unguarded]: mappings/contact.toml at /fields/LastName: may exceed 80"
        );
    }

    #[test]
    fn pointers_escape_reserved_characters() {
        assert_eq!(json_pointer(["a/b", "c~d"]), "/a~1b/c~0d");
    }
}
