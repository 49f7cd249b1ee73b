//! Whether a delivery's expectations hold on what was read back, and what follows: confirmed,
//! a silent failure with its evidence, or another look later. Pure: records and clock are
//! passed in.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use switchyard_adapters::ReadBackRecord;

use super::expectations::Check;
use crate::store::{Verification, VerificationStep};

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Holds,
    /// Does not hold yet; it may still (a flow that has not run yet).
    NotYet {
        evidence: String,
    },
    /// Cannot hold any more (the failed flow's trace record is there).
    Broken {
        evidence: String,
    },
}

/// Checks one expectation against the record found by its match value (if any).
pub fn check(check: &Check<'_>, found: Option<&ReadBackRecord>) -> Finding {
    let expectation = check.expectation;
    let locator = format!("{} {} = {}", expectation.object, expectation.match_field, check.match_value);
    match (expectation.exists, found) {
        (false, None) => Finding::Holds,
        (false, Some(record)) => {
            let id = record.get("Id").and_then(Value::as_str).unwrap_or("?");
            Finding::Broken { evidence: format!("{}: {locator} exists (Id {id})", expectation.name) }
        }
        (true, None) => Finding::NotYet { evidence: format!("{}: no {locator}", expectation.name) },
        (true, Some(record)) => {
            let wrong: Vec<String> = expectation
                .fields
                .iter()
                .filter(|(field, expected)| !same_value(record.get(field.as_str()), expected))
                .map(|(field, expected)| {
                    let actual = record.get(field.as_str()).cloned().unwrap_or(Value::Null);
                    format!("{field} = {actual}, expected {expected}")
                })
                .collect();
            if wrong.is_empty() {
                Finding::Holds
            } else {
                Finding::NotYet {
                    evidence: format!("{}: {locator} has {}", expectation.name, wrong.join(", ")),
                }
            }
        }
    }
}

/// Salesforce answers numbers as JSON numbers of its own precision: compare numbers by value.
fn same_value(actual: Option<&Value>, expected: &Value) -> bool {
    match (actual, expected) {
        (Some(Value::Number(a)), Value::Number(e)) => a.as_f64() == e.as_f64(),
        (Some(actual), expected) => actual == expected,
        (None, Value::Null) => true,
        (None, _) => false,
    }
}

/// The step for one delivery from its checks' findings: a broken check, or any check still
/// failing at the deadline, is a silent failure with every piece of evidence; all holding is
/// confirmed; otherwise look again after `recheck` (never past the deadline).
pub fn step(
    findings: &[Finding],
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
    recheck: Duration,
) -> VerificationStep {
    let evidence = |only_broken: bool| -> Vec<&str> {
        findings
            .iter()
            .filter_map(|finding| match finding {
                Finding::Broken { evidence } => Some(evidence.as_str()),
                Finding::NotYet { evidence } if !only_broken => Some(evidence.as_str()),
                _ => None,
            })
            .collect()
    };
    let broken = findings.iter().any(|finding| matches!(finding, Finding::Broken { .. }));
    let pending = findings.iter().any(|finding| matches!(finding, Finding::NotYet { .. }));
    if broken || (pending && now >= deadline) {
        let reason = format!("silent failure: {}", evidence(false).join("; "));
        return VerificationStep::Verdict(Verification::SilentFailure { reason });
    }
    if !pending {
        return VerificationStep::Verdict(Verification::Confirmed);
    }
    let again = chrono::Duration::from_std(recheck).ok().and_then(|recheck| now.checked_add_signed(recheck));
    VerificationStep::CheckAgainAt(again.map_or(deadline, |again| again.min(deadline)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;
    use switchyard_contracts::catalog::Expectation;

    use super::*;
    use crate::verify::expectations::SystemExpectations;

    fn expectations() -> SystemExpectations {
        let entry = |name: &str, object: &str, exists: bool, fields: BTreeMap<String, Value>| Expectation {
            system: "salesforce".parse().unwrap(),
            file: "expectations.toml".into(),
            index: 0,
            name: name.into(),
            description: None,
            mapping: "enrollment".into(),
            when: Some(r#".status == "active""#.into()),
            object: object.into(),
            match_field: "Legacy_Id__c".into(),
            match_value: ".enrollment_id".into(),
            within_seconds: 60,
            exists,
            fields,
        };
        SystemExpectations::compile(&[
            entry(
                "activated",
                "Enrollment__c",
                true,
                BTreeMap::from([("Status__c".into(), json!("Active"))]),
            ),
            entry("no-flow-error", "Flow_Error__c", false, BTreeMap::new()),
        ])
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc()
    }

    fn record(fields: Value) -> ReadBackRecord {
        fields.as_object().unwrap().clone()
    }

    #[test]
    fn expectations_apply_only_when_their_condition_holds() {
        let expectations = expectations();
        let active = expectations.checks("enrollment", &json!({"status": "active", "enrollment_id": "E-1"}));
        assert_eq!(
            active.unwrap().iter().map(|c| c.match_value.as_str()).collect::<Vec<_>>(),
            ["E-1", "E-1"]
        );
        let pending =
            expectations.checks("enrollment", &json!({"status": "pending", "enrollment_id": "E-1"}));
        assert!(pending.unwrap().is_empty());
        assert!(expectations.checks("payment", &json!({})).unwrap().is_empty());
    }

    #[test]
    fn an_event_without_the_match_value_is_an_error_naming_the_expectation() {
        let err = expectations().checks("enrollment", &json!({"status": "active"})).unwrap_err();
        assert_eq!(err.name, "activated");
        assert!(err.problem.contains("no value"), "{err}");
    }

    #[test]
    fn a_wrong_field_is_not_yet_then_a_silent_failure_with_the_evidence_at_the_deadline() {
        let expectations = expectations();
        let data = json!({"status": "active", "enrollment_id": "E-1"});
        let checks = expectations.checks("enrollment", &data).unwrap();
        let saved = record(json!({"Id": "a01", "Legacy_Id__c": "E-1", "Status__c": "Pending"}));
        let findings = vec![check(&checks[0], Some(&saved)), check(&checks[1], None)];
        let deadline = now() + chrono::Duration::seconds(60);
        assert_eq!(
            step(&findings, now(), deadline, Duration::from_secs(5)),
            VerificationStep::CheckAgainAt(now() + chrono::Duration::seconds(5))
        );
        let VerificationStep::Verdict(Verification::SilentFailure { reason }) =
            step(&findings, deadline, deadline, Duration::from_secs(5))
        else {
            panic!("expected a silent failure");
        };
        assert!(
            reason.contains(
                r#"activated: Enrollment__c Legacy_Id__c = E-1 has Status__c = "Pending", expected "Active""#
            ),
            "{reason}"
        );
    }

    #[test]
    fn the_flow_error_record_is_a_silent_failure_at_once() {
        let expectations = expectations();
        let checks =
            expectations.checks("enrollment", &json!({"status": "active", "enrollment_id": "E-1"})).unwrap();
        let error = record(json!({"Id": "a0F1", "Enrollment_Legacy_Id__c": "E-1"}));
        let findings = vec![Finding::Holds, check(&checks[1], Some(&error))];
        let step = step(&findings, now(), now() + chrono::Duration::seconds(60), Duration::from_secs(5));
        assert!(
            matches!(&step, VerificationStep::Verdict(Verification::SilentFailure { reason }) if reason.contains("Flow_Error__c Legacy_Id__c = E-1 exists (Id a0F1)")),
            "{step:?}"
        );
    }

    #[test]
    fn all_holding_is_confirmed() {
        let expectations = expectations();
        let checks =
            expectations.checks("enrollment", &json!({"status": "active", "enrollment_id": "E-1"})).unwrap();
        let saved = record(json!({"Id": "a01", "Status__c": "Active"}));
        let findings = vec![check(&checks[0], Some(&saved)), check(&checks[1], None)];
        assert_eq!(
            step(&findings, now(), now(), Duration::from_secs(5)),
            VerificationStep::Verdict(Verification::Confirmed)
        );
    }
}
