//! A system's expectations from the contract catalog, compiled once: which deliveries they
//! apply to (mapping and `when`), which record to read back and what must hold on it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use switchyard_adapters::ReadBack;
use switchyard_contracts::catalog::Expectation;
use switchyard_contracts::mapping::{JqInput, JqProgram};

use crate::store::VerifyWindow;

/// One expectation, ready to evaluate.
#[derive(Debug)]
pub struct CompiledExpectation {
    pub name: String,
    when: Option<JqProgram>,
    pub object: String,
    pub match_field: String,
    match_value: JqProgram,
    /// `false`: the record must not exist (e.g. a `Flow_Error__c` left by a failed flow).
    pub exists: bool,
    /// Field name -> the value it must hold.
    pub fields: BTreeMap<String, Value>,
    pub within: Duration,
}

/// An expectation that applies to one delivery, with the value its record is found by.
#[derive(Debug, Clone)]
pub struct Check<'a> {
    pub expectation: &'a CompiledExpectation,
    pub match_value: String,
}

impl Check<'_> {
    /// The read-back of this one check: its record, with the fields the expectation names.
    pub fn query(&self) -> ReadBack {
        ReadBack {
            object: self.expectation.object.clone(),
            match_field: self.expectation.match_field.clone(),
            values: vec![self.match_value.clone()],
            fields: self.expectation.fields.keys().cloned().collect(),
        }
    }
}

/// Why an expectation could not be evaluated on a delivery's event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expectation {name}: {problem}")]
pub struct CheckError {
    pub name: String,
    pub problem: String,
}

/// The compiled expectations of one system, by mapping name.
#[derive(Debug, Default)]
pub struct SystemExpectations {
    by_mapping: HashMap<String, Vec<Arc<CompiledExpectation>>>,
}

impl SystemExpectations {
    /// How many expectations a mapping's deliveries are read back against.
    pub fn for_mapping(&self, mapping: &str) -> usize {
        self.by_mapping.get(mapping).map_or(0, Vec::len)
    }

    /// Compiles `expectations`; the error names the file, the entry and the jq problem.
    pub fn compile(expectations: &[Expectation]) -> Result<Self, String> {
        let mut by_mapping: HashMap<String, Vec<Arc<CompiledExpectation>>> = HashMap::new();
        for expectation in expectations {
            let place = format!("{} (expectation {:?})", expectation.file.display(), expectation.name);
            let when = match &expectation.when {
                Some(source) => {
                    Some(JqProgram::compile(source).map_err(|err| format!("{place}: when: {err}"))?)
                }
                None => None,
            };
            let match_value = JqProgram::compile(&expectation.match_value)
                .map_err(|err| format!("{place}: match_value: {err}"))?;
            by_mapping.entry(expectation.mapping.clone()).or_default().push(Arc::new(CompiledExpectation {
                name: expectation.name.clone(),
                when,
                object: expectation.object.clone(),
                match_field: expectation.match_field.clone(),
                match_value,
                exists: expectation.exists,
                fields: expectation.fields.clone(),
                within: Duration::from_secs(expectation.within_seconds),
            }));
        }
        Ok(Self { by_mapping })
    }

    pub fn is_empty(&self) -> bool {
        self.by_mapping.is_empty()
    }

    /// The expectations that apply to a delivery through `mapping` of an event with `data`.
    pub fn checks(&self, mapping: &str, data: &Value) -> Result<Vec<Check<'_>>, CheckError> {
        let Some(expectations) = self.by_mapping.get(mapping) else { return Ok(Vec::new()) };
        let event = Value::Object(serde_json::Map::new());
        let input = JqInput::new(data, &event);
        let mut checks = Vec::new();
        for expectation in expectations {
            let problem = |problem: String| CheckError { name: expectation.name.clone(), problem };
            if let Some(when) = &expectation.when
                && !when.run_condition(&input).map_err(|err| problem(format!("when: {err}")))?
            {
                continue;
            }
            let value = expectation
                .match_value
                .run_single_prepared(&input)
                .map_err(|err| problem(format!("match_value: {err}")))?;
            let match_value = match value {
                Some(Value::String(text)) => text,
                Some(Value::Number(number)) => number.to_string(),
                Some(Value::Null) | None => {
                    return Err(problem("match_value gave no value for this event".to_owned()));
                }
                Some(other) => {
                    return Err(problem(format!("match_value must give a string or number, got {other}")));
                }
            };
            checks.push(Check { expectation, match_value });
        }
        Ok(checks)
    }

    /// When a delivery delivered at `delivered_at` is read back: first after `delay`, a
    /// silent failure if its expectations do not hold by the longest `within_seconds` (never
    /// before the first check). `None` when no expectation applies, or when one cannot be
    /// evaluated (logged: the delivery stays `delivered`).
    pub fn window(
        &self,
        mapping: &str,
        data: &Value,
        delivered_at: DateTime<Utc>,
        delay: Duration,
    ) -> Option<VerifyWindow> {
        let checks = match self.checks(mapping, data) {
            Ok(checks) => checks,
            Err(err) => {
                tracing::warn!(%mapping, error = %err, "an expectation cannot be evaluated; not verifying");
                return None;
            }
        };
        let within = checks.iter().map(|check| check.expectation.within).max()?;
        let at = |after: Duration| {
            chrono::Duration::from_std(after)
                .ok()
                .and_then(|after| delivered_at.checked_add_signed(after))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        };
        let first_check_at = at(delay);
        Some(VerifyWindow { first_check_at, deadline: at(within).max(first_check_at) })
    }
}
