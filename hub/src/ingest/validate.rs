//! Judges one candidate event: a well-formed envelope, a known contract version, and data
//! that satisfies the contract's schema (every violation reported, not only the first).

use serde::Serialize;
use switchyard_contracts::{Catalog, Envelope, EnvelopeError, EventRef};

use super::request::Candidate;

/// An event whose envelope and data satisfy its contract; ready to be committed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedEvent {
    index: usize,
    envelope: Envelope,
}

impl ValidatedEvent {
    /// The event's position in its request (0 outside batches).
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    pub fn into_envelope(self) -> Envelope {
        self.envelope
    }
}

/// One field at fault: a JSON pointer into the structured event (`/id`, `/data/status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

/// Why one event was refused, and which one it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    /// 0-based position in the request (always 0 outside batches).
    pub index: usize,
    /// The event's `id` and `source`, when it had them as strings.
    pub id: Option<String>,
    pub source: Option<String>,
    /// Stable code: `envelope.*` from the contracts crate, `event.unknown-contract`, `event.schema`.
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

/// Checks a candidate against the catalog. Pure: no IO.
pub fn validate(catalog: &Catalog, candidate: Candidate) -> Result<ValidatedEvent, Rejection> {
    let reject = |code: &'static str, detail: String, errors: Vec<FieldError>| Rejection {
        index: candidate.index,
        id: candidate.attribute("id").map(str::to_owned),
        source: candidate.attribute("source").map(str::to_owned),
        code,
        detail,
        errors,
    };
    let envelope = match Envelope::from_json(candidate.event.clone()) {
        Ok(envelope) => envelope,
        Err(err) => return Err(reject(err.code(), err.to_string(), vec![envelope_field_error(&err)])),
    };
    if let Err(fault) = check_contract(catalog, &envelope) {
        let errors = fault
            .faults
            .into_iter()
            .map(|field| FieldError { pointer: field.pointer, detail: field.message })
            .collect();
        return Err(reject(fault.code, fault.detail, errors));
    }
    Ok(ValidatedEvent { index: candidate.index, envelope })
}

/// Why a well-formed envelope breaks its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFault {
    /// `event.unknown-contract` or `event.schema`.
    pub code: &'static str,
    pub detail: String,
    pub faults: Vec<FieldFault>,
}

/// One field at fault in a [`ContractFault`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFault {
    /// A JSON pointer into the structured event (`/data/email`).
    pub pointer: String,
    /// The validator's message; it may quote the offending value.
    pub message: String,
    /// The rule broken (the schema keyword), never the value: safe to store and print.
    pub rule: String,
}

/// The contract half of [`validate`], also for envelopes built in process (the legacy
/// import): a known contract version, and data that satisfies its schema, every violation
/// reported.
pub fn check_contract(catalog: &Catalog, envelope: &Envelope) -> Result<(), ContractFault> {
    let Some(contract) = catalog.event(envelope.contract()) else {
        let detail = unknown_contract_detail(catalog, envelope.contract());
        let fault = FieldFault {
            pointer: "/dataschema".into(),
            message: detail.clone(),
            rule: "known contract".into(),
        };
        return Err(ContractFault { code: "event.unknown-contract", detail, faults: vec![fault] });
    };
    let violations = contract.validate(envelope.data());
    if violations.is_empty() {
        return Ok(());
    }
    let detail = format!("data breaks contract {}: {} violation(s)", envelope.contract(), violations.len());
    let faults = violations
        .into_iter()
        .map(|violation| FieldFault {
            pointer: format!("/data{}", violation.pointer),
            message: violation.message,
            rule: violation.rule,
        })
        .collect();
    Err(ContractFault { code: "event.schema", detail, faults })
}

fn envelope_field_error(err: &EnvelopeError) -> FieldError {
    let pointer = if err.attribute.is_empty() { String::new() } else { format!("/{}", err.attribute) };
    FieldError { pointer, detail: err.rule.clone() }
}

fn unknown_contract_detail(catalog: &Catalog, contract: &EventRef) -> String {
    let known: Vec<String> =
        catalog.versions_of(&contract.event_type).iter().map(|c| c.contract.version.to_string()).collect();
    if known.is_empty() {
        format!("no event contract for type `{}`", contract.event_type)
    } else {
        format!("no event contract {contract}; known versions: {}", known.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn catalog() -> Catalog {
        Catalog::load(Catalog::shipped_root()).expect("shipped catalog loads")
    }

    fn event(version: u32, data: Value) -> Candidate {
        Candidate {
            index: 4,
            event: json!({
                "specversion": "1.0",
                "id": "evt-1",
                "source": "/legacy/magento",
                "type": "enrollment.created",
                "dataschema": format!("urn:switchyard:schema:enrollment.created:v{version}"),
                "data": data,
            }),
        }
    }

    #[test]
    fn every_schema_violation_has_a_pointer_under_data() {
        let rejection =
            validate(&catalog(), event(2, json!({"status": "bogus", "course_code": ""}))).unwrap_err();
        assert_eq!(rejection.code, "event.schema");
        assert_eq!(rejection.index, 4);
        assert_eq!(rejection.id.as_deref(), Some("evt-1"));
        let pointers: Vec<&str> = rejection.errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/data/status"), "{pointers:?}");
        assert!(pointers.contains(&"/data/course_code"), "{pointers:?}");
    }

    #[test]
    fn a_contract_fault_names_the_rule_and_never_the_value() {
        let mut candidate = event(2, json!({"status": "ada@example.com", "course_code": ""}));
        candidate.index = 0;
        let envelope = Envelope::from_json(candidate.event).unwrap();
        let fault = check_contract(&catalog(), &envelope).unwrap_err();
        assert_eq!(fault.code, "event.schema");
        let status = fault.faults.iter().find(|f| f.pointer == "/data/status").unwrap();
        assert_eq!(status.rule, "enum");
        assert!(status.message.contains("ada@example.com"), "the message may quote it: {}", status.message);
        assert!(fault.faults.iter().all(|f| !f.rule.contains("ada@example.com")));
        assert!(fault.faults.iter().any(|f| f.rule.starts_with("required: ")), "{:?}", fault.faults);
    }

    #[test]
    fn an_unknown_version_lists_the_known_ones() {
        let rejection = validate(&catalog(), event(99, json!({}))).unwrap_err();
        assert_eq!(rejection.code, "event.unknown-contract");
        assert!(rejection.detail.contains("v2"), "{}", rejection.detail);
        assert_eq!(rejection.errors[0].pointer, "/dataschema");
    }

    #[test]
    fn an_envelope_fault_points_at_the_attribute() {
        let mut candidate = event(2, json!({}));
        candidate.event.as_object_mut().unwrap().remove("source");
        let rejection = validate(&catalog(), candidate).unwrap_err();
        assert_eq!(rejection.code, "envelope.attribute");
        assert_eq!(rejection.errors[0].pointer, "/source");
        assert_eq!(rejection.source, None);
    }
}
