//! A replay's results, per case with its evidence: Markdown for people, JSON for machines,
//! JUnit XML for CI.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use switchyard_contracts::catalog::SystemCatalog;

use super::cases::{Expected, ReplayCase};

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub name: String,
    pub mapping: String,
    pub expected: Expected,
    pub passed: bool,
    /// What the request was (object and field count; no record data).
    pub request: String,
    /// What the downstream answered.
    pub outcome: String,
    pub downstream_id: Option<String>,
    /// One line per expectation read back: holds, or the evidence of what was found.
    pub evidence: Vec<String>,
    pub problems: Vec<String>,
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl CaseResult {
    pub(super) fn new(case: &ReplayCase) -> Self {
        Self {
            name: case.name.clone(),
            mapping: case.mapping.clone(),
            expected: case.expected.clone(),
            passed: true,
            request: String::new(),
            outcome: String::new(),
            downstream_id: None,
            evidence: Vec::new(),
            problems: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    pub(super) fn fail(&mut self, problem: String) {
        self.passed = false;
        self.problems.push(problem);
    }

    pub(super) fn timed(mut self, since: Instant) -> Self {
        self.duration = since.elapsed();
        self
    }
}

/// Every case of one replay run.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub system: String,
    pub target: String,
    pub started_at: DateTime<Utc>,
    pub cases: Vec<CaseResult>,
}

impl ReplayReport {
    /// The report of a run of `system` against `target` that started at `started_at`.
    pub(super) fn of(
        system: &SystemCatalog,
        target: String,
        started_at: DateTime<Utc>,
        cases: Vec<CaseResult>,
    ) -> Self {
        Self { system: system.id.to_string(), target, started_at, cases }
    }

    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|case| case.passed).count()
    }

    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    pub fn is_success(&self) -> bool {
        self.failed() == 0
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Replay of {} against {}\n\n{} cases: {} passed, {} failed (started {}).\n\n\
             | case | expected | outcome | result | evidence |\n| --- | --- | --- | --- | --- |\n",
            self.system,
            self.target,
            self.cases.len(),
            self.passed(),
            self.failed(),
            self.started_at.to_rfc3339()
        );
        for case in &self.cases {
            let expected = match &case.expected {
                Expected::Confirmed => "accepted and confirmed".to_owned(),
                Expected::Skipped => "skipped".to_owned(),
                Expected::Rejected { code } => format!("rejected with {code}"),
                Expected::EdgeCase { outcome, .. } => outcome.clone(),
            };
            let result = if case.passed {
                "pass".to_owned()
            } else {
                format!("**FAIL**: {}", case.problems.join("; "))
            };
            out.push_str(&format!(
                "| {} | {expected} | {} | {result} | {} |\n",
                cell(&case.name),
                cell(&case.outcome),
                cell(&case.evidence.join("; "))
            ));
        }
        out
    }

    pub fn to_junit(&self) -> Result<String, quick_junit::SerializeError> {
        let mut report = Report::new(format!("switchyard replay of {}", self.system));
        report.add_test_suite(self.junit_suite(format!("replay/{}", self.system)));
        report.to_string()
    }

    /// The run's cases as one JUnit test suite named `name`.
    pub(super) fn junit_suite(&self, name: String) -> TestSuite {
        let mut suite = TestSuite::new(name);
        for case in &self.cases {
            let status = if case.passed {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(case.problems.first().cloned().unwrap_or_default());
                status.set_type("downstream-expectation");
                status.set_description(format!("outcome: {}\n{}", case.outcome, case.evidence.join("\n")));
                status
            };
            let mut test_case = TestCase::new(case.name.clone(), status);
            test_case.set_classname(format!("switchyard.replay.{}.{}", self.system, case.mapping));
            test_case.set_time(case.duration);
            suite.add_test_case(test_case);
        }
        suite
    }
}

/// A Markdown table cell: pipes escaped, one line.
pub(super) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
