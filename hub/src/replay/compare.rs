//! Replays of one system under several contract sets (the current catalog, a proposed
//! mapping, the CRM team's new target contract), side by side: each set's report, every case's
//! outcome under each set, and the cases whose outcome changes.

use quick_junit::Report;
use serde::Serialize;

use super::report::{ReplayReport, cell};

/// One contract set's replay.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// The set as named on the command line: `current`, or the catalog directory given.
    pub contracts: String,
    /// The catalog directory it was loaded from.
    pub catalog: String,
    pub report: ReplayReport,
}

/// One case's outcome under one set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeUnder {
    pub contracts: String,
    /// What the downstream answered; `None` when the set has no case of this name.
    pub outcome: Option<String>,
    pub passed: Option<bool>,
}

/// One case (matched by name) under every set, in the sets' order.
#[derive(Debug, Clone, Serialize)]
pub struct CaseAcrossSets {
    pub name: String,
    pub under: Vec<OutcomeUnder>,
    /// The outcome or the result differs between sets, or some set lacks the case.
    pub changes: bool,
}

/// The comparison of every set's replay.
#[derive(Debug, Clone, Serialize)]
pub struct ContractComparison {
    pub system: String,
    pub sets: Vec<SetReport>,
    /// Every case of any set: the first set's in its order, then those only later sets have.
    pub cases: Vec<CaseAcrossSets>,
    /// The names of the cases that change outcome, in the order of `cases`.
    pub changed: Vec<String>,
}

impl ContractComparison {
    pub fn new(system: String, sets: Vec<SetReport>) -> Self {
        let mut names: Vec<&str> = Vec::new();
        for set in &sets {
            for case in &set.report.cases {
                if !names.contains(&case.name.as_str()) {
                    names.push(&case.name);
                }
            }
        }
        let cases: Vec<CaseAcrossSets> = names
            .into_iter()
            .map(|name| {
                let under: Vec<OutcomeUnder> = sets
                    .iter()
                    .map(|set| {
                        let case = set.report.cases.iter().find(|case| case.name == name);
                        OutcomeUnder {
                            contracts: set.contracts.clone(),
                            outcome: case.map(|case| case.outcome.clone()),
                            passed: case.map(|case| case.passed),
                        }
                    })
                    .collect();
                let first = under.first().map(|u| (&u.outcome, u.passed));
                let changes = under.iter().any(|u| Some((&u.outcome, u.passed)) != first);
                CaseAcrossSets { name: name.to_owned(), under, changes }
            })
            .collect();
        let changed = cases.iter().filter(|case| case.changes).map(|case| case.name.clone()).collect();
        Self { system, sets, cases, changed }
    }

    /// True when every case of every set passed.
    pub fn is_success(&self) -> bool {
        self.sets.iter().all(|set| set.report.is_success())
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Replay of {} under {} contract sets\n\n\
             | contracts | catalog | cases | passed | failed |\n| --- | --- | --- | --- | --- |\n",
            self.system,
            self.sets.len()
        );
        for set in &self.sets {
            let report = &set.report;
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&set.contracts),
                cell(&set.catalog),
                report.cases.len(),
                report.passed(),
                report.failed()
            ));
        }
        out.push_str(&format!("\n## Cases that change outcome ({})\n\n", self.changed.len()));
        if self.changed.is_empty() {
            out.push_str("None: every case has the same outcome under every set.\n");
        }
        for case in self.cases.iter().filter(|case| case.changes) {
            let under: Vec<String> =
                case.under.iter().map(|u| format!("{}: {}", u.contracts, shown(u))).collect();
            out.push_str(&format!("- {} — {}\n", case.name, under.join("; ")));
        }
        out.push_str("\n## Every case\n\n| case |");
        for set in &self.sets {
            out.push_str(&format!(" {} |", cell(&set.contracts)));
        }
        out.push_str(&format!("\n| --- |{}\n", " --- |".repeat(self.sets.len())));
        for case in &self.cases {
            out.push_str(&format!("| {} |", cell(&case.name)));
            for under in &case.under {
                out.push_str(&format!(" {} |", cell(&shown(under))));
            }
            out.push('\n');
        }
        for set in &self.sets {
            let report = set.report.to_markdown();
            // Each set's report goes under this document's title, one level down.
            let report = report.strip_prefix("# ").map_or(report.clone(), |rest| format!("### {rest}"));
            out.push_str(&format!("\n## Contracts `{}` ({})\n\n{report}", set.contracts, set.catalog));
        }
        out
    }

    /// One test suite per set.
    pub fn to_junit(&self) -> Result<String, quick_junit::SerializeError> {
        let mut report = Report::new(format!(
            "switchyard replay of {} under {} contract sets",
            self.system,
            self.sets.len()
        ));
        for set in &self.sets {
            report.add_test_suite(
                set.report.junit_suite(format!("replay/{} under {}", self.system, set.contracts)),
            );
        }
        report.to_string()
    }
}

/// `pass (delivered)`, `**FAIL** (<outcome>)`, or `absent`.
fn shown(under: &OutcomeUnder) -> String {
    match (&under.outcome, under.passed) {
        (Some(outcome), Some(true)) => format!("pass ({outcome})"),
        (Some(outcome), _) => format!("**FAIL** ({outcome})"),
        (None, _) => "absent".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::replay::{CaseResult, Expected};

    fn case(name: &str, outcome: &str, passed: bool) -> CaseResult {
        CaseResult {
            name: name.into(),
            mapping: "m".into(),
            expected: Expected::Confirmed,
            passed,
            request: String::new(),
            outcome: outcome.into(),
            downstream_id: None,
            evidence: Vec::new(),
            problems: if passed { Vec::new() } else { vec!["broken".into()] },
            duration: Duration::ZERO,
        }
    }

    fn set(contracts: &str, cases: Vec<CaseResult>) -> SetReport {
        let report =
            ReplayReport { system: "s".into(), target: "t".into(), started_at: chrono::Utc::now(), cases };
        SetReport { contracts: contracts.into(), catalog: format!("/{contracts}"), report }
    }

    #[test]
    fn cases_change_when_their_outcome_or_result_differs_or_a_set_lacks_them() {
        let current = set("current", vec![case("a", "delivered", true), case("b", "delivered", true)]);
        let proposed = set(
            "proposed",
            vec![case("a", "delivered", true), case("b", "delivered", false), case("c", "delivered", true)],
        );
        let other = set("other", vec![case("a", "rejected: x", false), case("b", "delivered", false)]);
        let comparison = ContractComparison::new("s".into(), vec![current.clone(), proposed.clone()]);
        assert_eq!(comparison.changed, ["b", "c"]);
        assert!(!comparison.is_success());
        assert_eq!(comparison.cases[2].under[0].outcome, None);
        let three = ContractComparison::new("s".into(), vec![current, proposed, other]);
        assert_eq!(three.changed, ["a", "b", "c"]);
    }

    #[test]
    fn the_markdown_lists_the_changes_and_every_set() {
        let comparison = ContractComparison::new(
            "s".into(),
            vec![
                set("current", vec![case("a", "delivered", true)]),
                set("p", vec![case("a", "delivered", true)]),
            ],
        );
        let markdown = comparison.to_markdown();
        assert!(markdown.contains("## Cases that change outcome (0)"), "{markdown}");
        assert!(markdown.contains("| a | pass (delivered) | pass (delivered) |"), "{markdown}");
        assert!(markdown.contains("## Contracts `p` (/p)\n\n### Replay of s against t"), "{markdown}");
        assert!(comparison.is_success());
    }
}
