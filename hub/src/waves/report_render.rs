//! The wave report written out: text for a person (totals, then the users not confirmed,
//! capped), markdown tables for a ticket, CSV with one row per user per system for a
//! spreadsheet, and JSON with everything. Each writes to a stream, so a 400,000-user CSV
//! never sits in memory as one string.

use std::io::{self, Write};

use super::report::{STATUSES, StateCounts, WaveReport};
use super::standing::{ReportState, SystemStanding, UserReport};

/// Users listed by the text rendering before "… and N more".
pub const TEXT_USERS: usize = 50;

/// Columns in reading order: the terminal states first, then what is unfinished.
const COLUMNS: [ReportState; 8] = [
    ReportState::Confirmed,
    ReportState::Delivered,
    ReportState::Rejected,
    ReportState::SilentFailure,
    ReportState::DeadLettered,
    ReportState::QuarantinedAtImport,
    ReportState::InProgress,
    ReportState::NotStarted,
];

/// What the CSV's reason column says of a delivered user whose read-back is due.
const AWAITING: &str = "awaiting read-back verification";

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Markdown,
    Csv,
    Json,
}

impl WaveReport {
    /// Writes the report in `format` to `out`.
    pub fn render(&self, format: ReportFormat, out: &mut dyn Write) -> io::Result<()> {
        match format {
            ReportFormat::Text => self.write_text(out),
            ReportFormat::Markdown => self.write_markdown(out),
            ReportFormat::Csv => self.write_csv(out),
            ReportFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, self).map_err(io::Error::other)?;
                writeln!(out)
            }
        }
    }

    /// The text rendering, as a string.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_text(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// One line saying whether the wave is complete and, if not, how far from it.
    pub fn verdict(&self) -> String {
        let mut verdict = if self.complete {
            format!("complete: all {} users are in a terminal state", self.totals.all.total)
        } else {
            format!(
                "not complete: {} of {} users not yet in a terminal state",
                self.unfinished, self.totals.all.total
            )
        };
        if self.is_miscounted() {
            verdict.push_str(&format!(
                "; {} users reported but the cohort planned {} (users unaccounted for)",
                self.totals.all.total,
                self.cohort()
            ));
        }
        verdict
    }

    fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let wave = &self.wave;
        writeln!(
            out,
            "wave {} ({}): {} users selected by `{}`",
            wave.name, wave.state, wave.users, wave.cohort
        )?;
        writeln!(out, "  {}", self.verdict())?;
        writeln!(out, "  users by status and state:")?;
        let mut rows: Vec<Vec<String>> = vec![header("status", &COLUMNS)];
        for (status, counts) in self.status_rows() {
            rows.push(counts_row(status, counts, &COLUMNS));
        }
        write_aligned(out, &rows)?;
        writeln!(out, "  users by system and state:")?;
        let columns = system_columns();
        let mut rows = vec![header("system", &columns)];
        rows[0].push("awaiting verification".into());
        for system in &self.systems {
            let mut row = counts_row(&system.system, &system.users, &columns);
            row.push(system.awaiting_verification.to_string());
            rows.push(row);
        }
        write_aligned(out, &rows)?;
        writeln!(out, "  {}", self.whole_accounts_line())?;
        let unconfirmed = self.unconfirmed();
        if unconfirmed.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "  users to follow up ({}; not confirmed, nor delivered with nothing to verify), worst first:",
            unconfirmed.len()
        )?;
        for user in unconfirmed.iter().take(TEXT_USERS) {
            writeln!(
                out,
                "    {} (user {}, {}): {}; {}",
                user.legacy_id,
                user.user_id,
                user.status,
                user.state,
                systems_of(user)
            )?;
        }
        if unconfirmed.len() > TEXT_USERS {
            writeln!(out, "    … and {} more", unconfirmed.len() - TEXT_USERS)?;
        }
        Ok(())
    }

    fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        let wave = &self.wave;
        writeln!(out, "# Wave `{}` reconciliation\n", wave.name)?;
        writeln!(out, "Wave state {}, {} users selected by `{}`.\n", wave.state, wave.users, wave.cohort)?;
        writeln!(out, "**{}**\n", self.verdict())?;
        writeln!(out, "## Users by status and state\n")?;
        markdown_table(
            out,
            &header("status", &COLUMNS),
            self.status_rows().map(|(s, c)| counts_row(s, c, &COLUMNS)),
        )?;
        writeln!(out, "\n## Users by system and state\n")?;
        let columns = system_columns();
        let mut head = header("system", &columns);
        head.push("awaiting verification".into());
        let rows = self.systems.iter().map(|system| {
            let mut row = counts_row(&system.system, &system.users, &columns);
            row.push(system.awaiting_verification.to_string());
            row
        });
        markdown_table(out, &head, rows)?;
        writeln!(out, "\n## Quarantined at import\n\n{}", self.whole_accounts_line())?;
        let unconfirmed = self.unconfirmed();
        if unconfirmed.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n## Users to follow up ({}), worst first\n", unconfirmed.len())?;
        writeln!(out, "Not confirmed, nor delivered with nothing left to verify.\n")?;
        let head = ["legacy id", "user id", "status", "state", "systems"].map(String::from);
        let rows = unconfirmed.iter().map(|user| {
            vec![
                user.legacy_id.clone(),
                user.user_id.clone(),
                user.status.clone(),
                user.state.to_string(),
                systems_of(user),
            ]
        });
        markdown_table(out, &head, rows)
    }

    /// One row per user per system it must reach: `legacy_id,user_id,status,system,state,reason`.
    /// A user with no system to reach (nothing routed) gets one row with an empty system and
    /// its overall state, so every user appears.
    fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::new(out);
        writeln!(out, "legacy_id,user_id,status,system,state,reason")?;
        for user in &self.users {
            let (legacy_id, user_id, status) =
                (csv_field(&user.legacy_id), csv_field(&user.user_id), csv_field(&user.status));
            if user.systems.is_empty() {
                writeln!(out, "{legacy_id},{user_id},{status},,{},", user.state)?;
            }
            for system in &user.systems {
                let reason = system.reason.as_deref().or(system.awaiting_verification.then_some(AWAITING));
                writeln!(
                    out,
                    "{legacy_id},{user_id},{status},{},{},{}",
                    csv_field(&system.system),
                    system.state,
                    csv_field(reason.unwrap_or_default())
                )?;
            }
        }
        out.flush()
    }

    /// The status rows (`active`, `inactive`, `expired`, then any other), then the column sums.
    fn status_rows(&self) -> impl Iterator<Item = (&str, &StateCounts)> {
        let by_status = &self.totals.by_status;
        let known = STATUSES.iter().filter_map(|status| by_status.get_key_value(*status));
        let other = by_status.iter().filter(|(status, _)| !STATUSES.contains(&status.as_str()));
        let rows = known.chain(other).map(|(status, counts)| (status.as_str(), counts));
        rows.chain(std::iter::once(("total", &self.totals.all)))
    }

    fn whole_accounts_line(&self) -> String {
        let whole = &self.quarantined_whole_accounts;
        format!(
            "accounts quarantined whole at import (in no wave): {} account(s), {} row(s); {} row(s) with no legacy id",
            whole.accounts, whole.rows, whole.rows_without_account
        )
    }

    /// The users to follow up (not confirmed, bar those delivered with nothing left to
    /// verify), worst first, then in legacy id order.
    fn unconfirmed(&self) -> Vec<&UserReport> {
        let mut users: Vec<&UserReport> = self.users.iter().filter(|user| !user.is_done()).collect();
        users.sort_by_key(|user| user.state);
        users
    }
}

fn system_columns() -> Vec<ReportState> {
    COLUMNS.into_iter().filter(|state| *state != ReportState::QuarantinedAtImport).collect()
}

fn header(first: &str, columns: &[ReportState]) -> Vec<String> {
    let mut row = vec![first.to_owned()];
    row.extend(columns.iter().map(|state| state.to_string()));
    row.push("total".into());
    row
}

fn counts_row(name: &str, counts: &StateCounts, columns: &[ReportState]) -> Vec<String> {
    let mut row = vec![name.to_owned()];
    row.extend(columns.iter().map(|state| counts.get(*state).to_string()));
    row.push(counts.total.to_string());
    row
}

/// A user's systems, e.g. `salesforce rejected (REQUIRED_FIELD_MISSING), lms confirmed`.
fn systems_of(user: &UserReport) -> String {
    let each = user.systems.iter().map(|system: &SystemStanding| {
        let detail = system.reason.as_deref().or(system.awaiting_verification.then_some(AWAITING));
        match detail {
            Some(detail) => format!("{} {} ({detail})", system.system, system.state),
            None => format!("{} {}", system.system, system.state),
        }
    });
    let mut systems: Vec<String> = each.collect();
    if user.quarantined_rows > 0 {
        systems.push(format!("{} row(s) quarantined at import", user.quarantined_rows));
    }
    if user.unreleased {
        systems.push("events not released yet".into());
    }
    systems.join(", ")
}

/// Rows as columns, the first left-aligned and the numbers right-aligned, indented.
fn write_aligned(out: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| {
            rows.iter().filter_map(|row| row.get(column)).map(|cell| cell.chars().count()).max().unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from("   ");
        for (column, cell) in row.iter().enumerate() {
            let width = widths[column];
            if column == 0 {
                line.push_str(&format!(" {cell:<width$}"));
            } else {
                line.push_str(&format!("  {cell:>width$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn markdown_table(
    out: &mut dyn Write,
    head: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    let cells = |row: &[String]| row.iter().map(|cell| markdown_cell(cell)).collect::<Vec<_>>().join(" | ");
    writeln!(out, "| {} |", cells(head))?;
    let rule: Vec<&str> = (0..head.len()).map(|column| if column == 0 { "---" } else { "---:" }).collect();
    writeln!(out, "| {} |", rule.join(" | "))?;
    for row in rows {
        writeln!(out, "| {} |", cells(&row))?;
    }
    Ok(())
}

/// A cell's text kept on one line, with its pipes escaped.
fn markdown_cell(cell: &str) -> String {
    cell.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
fn csv_field(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\"")).into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_quotes_or_line_breaks_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"no\""), "\"say \"\"no\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn markdown_cells_stay_on_one_line_without_breaking_the_table() {
        assert_eq!(markdown_cell("a | b\nc"), "a \\| b c");
    }
}
