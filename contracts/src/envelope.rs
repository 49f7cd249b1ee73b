//! The CloudEvents 1.0 envelope every Switchyard event travels in, and how it names its
//! contract version.
//!
//! **How an event names its contract version**: the standard `dataschema` attribute holds the
//! URN `urn:switchyard:schema:<type>:v<N>`, e.g. `urn:switchyard:schema:enrollment.created:v2`.
//! CloudEvents defines `dataschema` as the identity of the schema `data` adheres to and asks
//! that incompatible schema changes get a new URI, which is exactly a contract version; every
//! CloudEvents SDK can set it, and `type` stays the plain event type (`enrollment.created`).
//! The type inside the URN must equal `type`. Events without it are refused (no guessing).
//!
//! Parsing checks the attributes itself so that every error names the attribute and the rule;
//! the envelope is then held as a `cloudevents::Event` of the official SDK.

use chrono::{DateTime, Utc};
use cloudevents::event::Data;
use cloudevents::{AttributesReader, Event, EventBuilder, EventBuilderV10};
use serde_json::{Map, Value};

use crate::events::DomainEvent;
use crate::names::{ContractVersion, EventRef, EventType};

const DATASCHEMA_PREFIX: &str = "urn:switchyard:schema:";
const REQUIRED_ATTRIBUTES: [&str; 4] = ["id", "source", "specversion", "type"];
const KNOWN_ATTRIBUTES: [&str; 10] = [
    "id",
    "source",
    "specversion",
    "type",
    "datacontenttype",
    "dataschema",
    "subject",
    "time",
    "data",
    "data_base64",
];

/// The `dataschema` URN that names one event contract version.
pub fn dataschema_uri(contract: &EventRef) -> String {
    format!("{DATASCHEMA_PREFIX}{}:{}", contract.event_type, contract.version)
}

/// Why an envelope was refused: the attribute at fault and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {rule}", if attribute.is_empty() { "envelope" } else { attribute.as_str() })]
pub struct EnvelopeError {
    /// The CloudEvents attribute at fault (`id`, `dataschema`, ...), empty for the whole body.
    pub attribute: String,
    pub rule: String,
}

impl EnvelopeError {
    fn new(attribute: &str, rule: impl Into<String>) -> Self {
        Self { attribute: attribute.to_owned(), rule: rule.into() }
    }

    /// A stable code for HTTP problem details and reports.
    pub fn code(&self) -> &'static str {
        match self.attribute.as_str() {
            "" => "envelope.malformed",
            "dataschema" => "envelope.contract-version",
            "data" | "datacontenttype" => "envelope.data",
            _ => "envelope.attribute",
        }
    }
}

/// A parsed CloudEvent whose contract version is known and whose data is a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    event: Event,
    contract: EventRef,
}

impl Envelope {
    /// Parses the structured JSON form (`application/cloudevents+json`) from bytes.
    pub fn parse_structured(body: &[u8]) -> Result<Self, EnvelopeError> {
        let value: Value = serde_json::from_slice(body).map_err(|err| {
            EnvelopeError::new(
                "",
                format!("not valid JSON (line {}, column {}): {err}", err.line(), err.column()),
            )
        })?;
        Self::from_json(value)
    }

    /// Parses one structured event already read as JSON (e.g. one item of a batch).
    pub fn from_json(value: Value) -> Result<Self, EnvelopeError> {
        let Value::Object(attributes) = &value else {
            return Err(EnvelopeError::new("", "a structured CloudEvent is a JSON object"));
        };
        check_attributes(attributes)?;
        let event: Event = serde_json::from_value(value)
            .map_err(|err| EnvelopeError::new("", format!("not a CloudEvents 1.0 event: {err}")))?;
        Self::from_event(event)
    }

    /// Accepts an event built by the SDK (e.g. from the HTTP binary mode).
    pub fn from_event(event: Event) -> Result<Self, EnvelopeError> {
        if event.id().is_empty() {
            return Err(EnvelopeError::new("id", "must be a non-empty string"));
        }
        if event.source().is_empty() {
            return Err(EnvelopeError::new("source", "must be a non-empty URI-reference"));
        }
        if event.specversion().as_str() != "1.0" {
            return Err(EnvelopeError::new("specversion", "must be \"1.0\""));
        }
        let event_type =
            EventType::parse(event.ty()).map_err(|err| EnvelopeError::new("type", err.to_string()))?;
        let contract = parse_dataschema(&event_type, event.dataschema().map(|url| url.as_str()))?;
        if let Some(content_type) = event.datacontenttype() {
            let essence = content_type.split(';').next().unwrap_or_default().trim();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(EnvelopeError::new("datacontenttype", "must be application/json (or absent)"));
            }
        }
        let mut event = event;
        let data = match event.data() {
            Some(Data::Json(Value::Object(_))) => None,
            Some(Data::Json(_)) => return Err(EnvelopeError::new("data", "must be a JSON object")),
            Some(Data::String(text)) => Some(parse_text_data(text.as_bytes())?),
            Some(Data::Binary(bytes)) => Some(parse_text_data(bytes)?),
            None => return Err(EnvelopeError::new("data", "is required: the event's payload")),
        };
        if let Some(data) = data {
            event.set_data("application/json", data);
        }
        Ok(Self { event, contract })
    }

    /// Builds an envelope for a payload of a known contract version.
    pub fn new(
        source: &str,
        id: &str,
        contract: &EventRef,
        time: DateTime<Utc>,
        data: Value,
    ) -> Result<Self, EnvelopeError> {
        let dataschema = url::Url::parse(&dataschema_uri(contract))
            .map_err(|err| EnvelopeError::new("dataschema", err.to_string()))?;
        let event = EventBuilderV10::new()
            .id(id)
            .source(source)
            .ty(contract.event_type.as_str())
            .time(time)
            .data_with_schema("application/json", dataschema, data)
            .build()
            .map_err(|err| EnvelopeError::new("", err.to_string()))?;
        Self::from_event(event)
    }

    /// Builds an envelope for a typed domain event.
    pub fn of<E: DomainEvent>(
        source: &str,
        id: &str,
        time: DateTime<Utc>,
        payload: &E,
    ) -> Result<Self, EnvelopeError> {
        let data =
            serde_json::to_value(payload).map_err(|err| EnvelopeError::new("data", err.to_string()))?;
        Self::new(source, id, &E::event_ref(), time, data)
    }

    /// The structured JSON form, as sent with `application/cloudevents+json`.
    pub fn to_structured_json(&self) -> Value {
        serde_json::to_value(&self.event).unwrap_or(Value::Null)
    }

    pub fn id(&self) -> &str {
        self.event.id()
    }

    pub fn source(&self) -> &str {
        self.event.source()
    }

    pub fn event_type(&self) -> &EventType {
        &self.contract.event_type
    }

    pub fn contract(&self) -> &EventRef {
        &self.contract
    }

    pub fn version(&self) -> ContractVersion {
        self.contract.version
    }

    pub fn time(&self) -> Option<&DateTime<Utc>> {
        self.event.time()
    }

    pub fn subject(&self) -> Option<&str> {
        self.event.subject()
    }

    /// The payload, always a JSON object (checked at parse time).
    pub fn data(&self) -> &Value {
        match self.event.data() {
            Some(Data::Json(value)) => value,
            _ => &Value::Null,
        }
    }

    /// The payload, taken out of the envelope without a copy.
    pub fn into_data(self) -> Value {
        let mut event = self.event;
        match event.take_data() {
            (_, _, Some(Data::Json(value))) => value,
            _ => Value::Null,
        }
    }

    /// The envelope's attributes without `data`, as mappings see them in `$event`.
    pub fn attributes_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), self.id().into());
        map.insert("source".into(), self.source().into());
        map.insert("type".into(), self.event_type().as_str().into());
        map.insert("version".into(), self.version().number().into());
        if let Some(time) = self.time() {
            map.insert("time".into(), time.to_rfc3339().into());
        }
        if let Some(subject) = self.subject() {
            map.insert("subject".into(), subject.into());
        }
        Value::Object(map)
    }

    pub fn as_cloudevent(&self) -> &Event {
        &self.event
    }

    /// Decodes the payload as a typed domain event of this envelope's contract version.
    pub fn payload<E: DomainEvent>(&self) -> Result<E, EnvelopeError> {
        if self.contract != E::event_ref() {
            return Err(EnvelopeError::new(
                "dataschema",
                format!("is {}, not {}", self.contract, E::event_ref()),
            ));
        }
        serde_json::from_value(self.data().clone()).map_err(|err| EnvelopeError::new("data", err.to_string()))
    }
}

fn check_attributes(attributes: &Map<String, Value>) -> Result<(), EnvelopeError> {
    for name in REQUIRED_ATTRIBUTES {
        match attributes.get(name) {
            None | Some(Value::Null) => {
                return Err(EnvelopeError::new(name, "is required by CloudEvents 1.0"));
            }
            Some(Value::String(_)) => {}
            Some(_) => return Err(EnvelopeError::new(name, "must be a string")),
        }
    }
    if attributes.get("specversion").and_then(Value::as_str) != Some("1.0") {
        return Err(EnvelopeError::new("specversion", "must be \"1.0\""));
    }
    if let Some(time) = attributes.get("time") {
        let valid = time.as_str().is_some_and(|t| DateTime::parse_from_rfc3339(t).is_ok());
        if !valid {
            return Err(EnvelopeError::new("time", "must be an RFC 3339 timestamp"));
        }
    }
    for (name, value) in attributes {
        if KNOWN_ATTRIBUTES.contains(&name.as_str()) {
            continue;
        }
        let valid_name = !name.is_empty()
            && name.len() <= 20
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !valid_name {
            return Err(EnvelopeError::new(
                name,
                "extension attribute names are lowercase a-z and 0-9, at most 20 characters",
            ));
        }
        if value.is_object() || value.is_array() {
            return Err(EnvelopeError::new(
                name,
                "extension attributes must be strings, numbers or booleans",
            ));
        }
    }
    Ok(())
}

fn parse_dataschema(event_type: &EventType, dataschema: Option<&str>) -> Result<EventRef, EnvelopeError> {
    let expected = format!("{DATASCHEMA_PREFIX}{event_type}:v<N>");
    let Some(dataschema) = dataschema else {
        return Err(EnvelopeError::new(
            "dataschema",
            format!("is required: it names the contract version, `{expected}`"),
        ));
    };
    let rest = dataschema.strip_prefix(DATASCHEMA_PREFIX).ok_or_else(|| {
        EnvelopeError::new("dataschema", format!("must be `{expected}`, got `{dataschema}`"))
    })?;
    let (named_type, version) = rest.rsplit_once(':').ok_or_else(|| {
        EnvelopeError::new("dataschema", format!("must be `{expected}`, got `{dataschema}`"))
    })?;
    if named_type != event_type.as_str() {
        return Err(EnvelopeError::new(
            "dataschema",
            format!("names type `{named_type}` but the event's type is `{event_type}`"),
        ));
    }
    let version =
        ContractVersion::parse(version).map_err(|err| EnvelopeError::new("dataschema", err.to_string()))?;
    Ok(EventRef::new(event_type.clone(), version))
}

fn parse_text_data(bytes: &[u8]) -> Result<Value, EnvelopeError> {
    match serde_json::from_slice(bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(EnvelopeError::new("data", "must be a JSON object")),
        Err(err) => Err(EnvelopeError::new("data", format!("not valid JSON: {err}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "specversion": "1.0",
            "id": "evt-1",
            "source": "/legacy/magento",
            "type": "enrollment.created",
            "time": "2026-11-01T10:00:00Z",
            "datacontenttype": "application/json",
            "dataschema": "urn:switchyard:schema:enrollment.created:v2",
            "data": {"enrollment_id": "e1"}
        })
    }

    #[test]
    fn parses_the_contract_version_from_dataschema() {
        let envelope = Envelope::from_json(sample()).unwrap();
        assert_eq!(envelope.contract().to_string(), "enrollment.created@v2");
        assert_eq!(envelope.data()["enrollment_id"], "e1");
        let again = Envelope::from_json(envelope.to_structured_json()).unwrap();
        assert_eq!(again, envelope);
    }

    #[test]
    fn every_refusal_names_the_attribute() {
        type Mutation = fn(&mut Map<String, Value>);
        let cases: Vec<(Mutation, &str)> = vec![
            (
                |m| {
                    m.remove("id");
                },
                "id",
            ),
            (
                |m| {
                    m.insert("specversion".into(), json!("0.3"));
                },
                "specversion",
            ),
            (
                |m| {
                    m.remove("dataschema");
                },
                "dataschema",
            ),
            (
                |m| {
                    m.insert("dataschema".into(), json!("urn:switchyard:schema:user.migrated:v1"));
                },
                "dataschema",
            ),
            (
                |m| {
                    m.insert("dataschema".into(), json!("urn:switchyard:schema:enrollment.created:vX"));
                },
                "dataschema",
            ),
            (
                |m| {
                    m.insert("type".into(), json!("Enrollment Created"));
                },
                "type",
            ),
            (
                |m| {
                    m.insert("time".into(), json!("yesterday"));
                },
                "time",
            ),
            (
                |m| {
                    m.insert("data".into(), json!([1, 2]));
                },
                "data",
            ),
            (
                |m| {
                    m.remove("data");
                },
                "data",
            ),
            (
                |m| {
                    m.insert("Bad-Ext".into(), json!("x"));
                },
                "Bad-Ext",
            ),
        ];
        for (mutate, attribute) in cases {
            let mut value = sample();
            mutate(value.as_object_mut().unwrap());
            let err = Envelope::from_json(value).unwrap_err();
            assert_eq!(err.attribute, attribute, "{err}");
        }
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = Envelope::parse_structured(b"{\"id\": ").unwrap_err();
        assert!(err.rule.contains("line 1"), "{err}");
    }
}
