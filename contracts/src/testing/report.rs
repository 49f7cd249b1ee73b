//! Contract-test reports for people (text) and CI systems (JUnit XML).

use std::collections::BTreeMap;
use std::fmt::Write;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::runner::{CaseResult, ContractTestReport};

impl ContractTestReport {
    /// A readable summary: one line per case, the problems of failing cases indented below.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for case in &self.cases {
            let status = if case.passed() { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "{status} {}/{} :: {}", case.system, case.mapping, case.name);
            for problem in &case.problems {
                let _ = writeln!(out, "       {problem}");
                let _ = writeln!(out, "       (at {}#/{})", case.file.display(), case.index);
            }
        }
        for untested in &self.untested {
            let _ = writeln!(
                out,
                "WARN {}/{} has no fixture: nothing tests it",
                untested.system, untested.mapping
            );
        }
        let _ = writeln!(out, "{} passed, {} failed", self.passed(), self.failed());
        out
    }

    /// JUnit XML: one test suite per system and mapping, one test case per fixture.
    pub fn to_junit(&self) -> Result<String, quick_junit::SerializeError> {
        let mut suites: BTreeMap<(String, String), Vec<&CaseResult>> = BTreeMap::new();
        for case in &self.cases {
            suites.entry((case.system.to_string(), case.mapping.clone())).or_default().push(case);
        }
        let mut report = Report::new("switchyard contract tests");
        for ((system, mapping), cases) in suites {
            let mut suite = TestSuite::new(format!("{system}/{mapping}"));
            for case in cases {
                let status = if case.passed() {
                    TestCaseStatus::success()
                } else {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(case.problems.first().cloned().unwrap_or_default());
                    status.set_type("contract-mismatch");
                    status.set_description(case.problems.join("\n"));
                    status
                };
                let mut test_case = TestCase::new(case.name.clone(), status);
                test_case.set_classname(format!("switchyard.contracts.{system}.{mapping}"));
                test_case.set_time(case.duration);
                suite.add_test_case(test_case);
            }
            report.add_test_suite(suite);
        }
        report.to_string()
    }
}
