//! Impact reports for people: plain text for a terminal, Markdown for a wave announcement.
//! (JSON is the report's `Serialize`.) Pure functions returning strings.

mod markdown;
mod text;

pub use markdown::impact_markdown;
pub use text::impact_text;

use crate::impact::ImpactedEntity;

/// `component:salesforce` with the display name when it differs from the name.
fn label(impacted: &ImpactedEntity) -> String {
    if impacted.name.eq_ignore_ascii_case(impacted.entity.name()) {
        impacted.entity.to_string()
    } else {
        format!("{} ({})", impacted.entity, impacted.name)
    }
}

/// `1 entity` / `3 entities`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
