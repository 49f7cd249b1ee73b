//! What an import did, as a person or a script reads it: users by status, events by contract
//! version, quarantined rows by reason with their first places, and what was already staged.
//! Pure values, tallied as the import streams; never a name, an email or a secret.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::{QuarantineEntry, StageReport};

/// Places kept per quarantine reason (`file:line`); the full list is `legacy quarantine`.
pub const PLACES_PER_REASON: usize = 5;

/// The rows quarantined for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QuarantineGroup {
    pub count: u64,
    /// The edge-case class, when the converter named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The first [`PLACES_PER_REASON`] places, `file:line`.
    pub places: Vec<String>,
}

/// Counts of one import, tallied as items stream past.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportTally {
    /// Migrated users by status (`active`, `inactive`, `expired`).
    pub users: BTreeMap<String, u64>,
    /// Staged events by contract version (`enrollment.created@v2`).
    pub events: BTreeMap<String, u64>,
    /// Quarantined rows by reason.
    pub quarantined: BTreeMap<String, QuarantineGroup>,
}

impl ImportTally {
    pub fn user(&mut self, status: &str) {
        count(&mut self.users, status);
    }

    /// Takes back a user counted before its account was quarantined.
    pub fn withdraw_user(&mut self, status: &str) {
        if let Some(count) = self.users.get_mut(status) {
            *count = count.saturating_sub(1);
        }
    }

    pub fn event(&mut self, contract: &str) {
        count(&mut self.events, contract);
    }

    pub fn quarantine(&mut self, entry: &QuarantineEntry) {
        let group = self.quarantined.entry(entry.reason.clone()).or_default();
        group.count += 1;
        if group.class.is_none() {
            group.class.clone_from(&entry.class);
        }
        if group.places.len() < PLACES_PER_REASON {
            group.places.push(format!("{}:{}", entry.file, entry.line));
        }
    }

    pub fn users_total(&self) -> u64 {
        self.users.values().sum()
    }

    pub fn events_total(&self) -> u64 {
        self.events.values().sum()
    }

    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().map(|group| group.count).sum()
    }
}

/// One more of `key`; the key is copied only the first time (this runs once per event).
fn count(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(count) => *count += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// The whole report of one import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub import_id: String,
    /// The files read, by role.
    pub files: BTreeMap<String, String>,
    #[serde(flatten)]
    pub tally: ImportTally,
    /// What was written now and what an earlier import had already staged.
    pub staged: StageReport,
    pub seconds: f64,
}

impl ImportReport {
    /// The report for a person.
    pub fn to_text(&self) -> String {
        let tally = &self.tally;
        let staged = &self.staged;
        let mut out = format!("import {} in {:.1} s\n", self.import_id, self.seconds);
        for (role, path) in &self.files {
            out.push_str(&format!("  {role}: {path}\n"));
        }
        let users = (staged.users_staged, staged.users_already_staged);
        counts_section(&mut out, "users", users, &tally.users);
        let events = (staged.events_staged, staged.events_already_staged);
        counts_section(&mut out, "events held for a wave", events, &tally.events);
        out.push_str(&format!("quarantined: {}\n", tally.quarantined_total()));
        for (reason, group) in &tally.quarantined {
            let class = group.class.as_deref().map(|class| format!(" [{class}]")).unwrap_or_default();
            out.push_str(&format!("  {:>10}  {reason}{class}\n", group.count));
            let more = group.count.saturating_sub(group.places.len() as u64);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            out.push_str(&format!("              at {}{more}\n", group.places.join(", ")));
        }
        if tally.quarantined_total() > 0 {
            out.push_str("every quarantined row: switchyard legacy quarantine\n");
        }
        out
    }
}

/// `title: total (new, already staged)`, then one line per key.
fn counts_section(out: &mut String, title: &str, (new, already): (u64, u64), counts: &BTreeMap<String, u64>) {
    let total: u64 = counts.values().sum();
    out.push_str(&format!("{title}: {total} ({new} new, {already} already staged)\n"));
    for (key, count) in counts {
        out.push_str(&format!("  {count:>10}  {key}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: i64, reason: &str) -> QuarantineEntry {
        QuarantineEntry {
            file: "enrollments.csv".into(),
            line,
            legacy_id: None,
            reason: reason.into(),
            class: Some("enrolled-at-zero-date".into()),
        }
    }

    #[test]
    fn quarantine_groups_by_reason_and_keeps_the_first_places() {
        let mut tally = ImportTally::default();
        for line in 2..12 {
            tally.quarantine(&entry(line, "enrolled_at: zero date"));
        }
        tally.quarantine(&entry(40, "status: unknown"));
        let group = &tally.quarantined["enrolled_at: zero date"];
        assert_eq!(group.count, 10);
        assert_eq!(group.places.len(), PLACES_PER_REASON);
        assert_eq!(group.places[0], "enrollments.csv:2");
        assert_eq!(tally.quarantined_total(), 11);
    }

    #[test]
    fn the_text_report_counts_every_kind_and_points_at_the_full_list() {
        let mut tally = ImportTally::default();
        tally.user("active");
        tally.user("active");
        tally.event("user.migrated@v1");
        tally.quarantine(&entry(7, "status: unknown"));
        let report = ImportReport {
            import_id: "01J".into(),
            files: BTreeMap::from([("customers".into(), "customers.csv".into())]),
            tally,
            staged: StageReport { users_staged: 2, events_staged: 1, quarantined: 1, ..Default::default() },
            seconds: 1.0,
        };
        let text = report.to_text();
        assert!(text.contains("users: 2 (2 new, 0 already staged)"), "{text}");
        assert!(text.contains("1  user.migrated@v1"), "{text}");
        assert!(text.contains("at enrollments.csv:7"), "{text}");
        assert!(text.contains("switchyard legacy quarantine"), "{text}");
    }
}
