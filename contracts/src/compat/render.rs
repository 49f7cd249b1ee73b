//! A compatibility report as text for a person: a verdict, one line per incompatibility, then
//! the mappings the change breaks. (JSON comes from `Serialize`.)

use std::fmt::Write as _;

use super::CompatibilityReport;
use crate::finding::Severity;

impl CompatibilityReport {
    pub fn to_text(&self) -> String {
        let errors = self.incompatibilities.iter().filter(|found| found.severity == Severity::Error).count();
        let warnings = self.incompatibilities.len() - errors;
        let verdict = if self.is_compatible() { "compatible" } else { "INCOMPATIBLE" };
        let mut text = format!(
            "{} {} -> {} ({}): {verdict}, {errors} error(s), {warnings} warning(s), {} broken mapping(s)\n",
            self.subject,
            self.from,
            self.to,
            self.mode,
            self.broken_mappings.len()
        );
        for found in &self.incompatibilities {
            let severity = match found.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            // Transitive checks compare against several versions: say which, when not `from`.
            let versions = if (found.from, found.to) == (self.from, self.to) {
                String::new()
            } else {
                format!(" [{} -> {}]", found.from, found.to)
            };
            let pointer = if found.pointer.is_empty() { "(root)" } else { &found.pointer };
            let _ = writeln!(
                text,
                "  {severity:<7} {:<8} {pointer}{versions}: {} ({})",
                found.direction, found.message, found.kind
            );
        }
        if !self.broken_mappings.is_empty() {
            text.push_str("broken mappings:\n");
            for broken in &self.broken_mappings {
                let _ = writeln!(text, "  {}/{}", broken.system, broken.mapping);
                for finding in &broken.findings {
                    let _ = writeln!(text, "    {finding}");
                }
            }
        }
        text
    }
}
