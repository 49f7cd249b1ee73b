//! Binary mode: CloudEvents attributes in percent-encoded `ce-` headers, the body as `data`,
//! converted to the structured JSON form so every mode is checked by the same rules.

use serde_json::{Map, Value};

use super::request::IngestError;

const ATTRIBUTE_HEADER_PREFIX: &str = "ce-";

/// Builds the structured form of a binary-mode event. `Content-Type` becomes
/// `datacontenttype`; an empty body leaves `data` out (the envelope then says it is required).
pub(super) fn structured_from_binary<'a>(
    content_type: &str,
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    body: &[u8],
) -> Result<Value, IngestError> {
    let mut event = Map::new();
    for (name, raw_value) in headers {
        let name = name.to_ascii_lowercase();
        let Some(attribute) = name.strip_prefix(ATTRIBUTE_HEADER_PREFIX) else {
            continue;
        };
        if matches!(attribute, "datacontenttype" | "data" | "data_base64") {
            return Err(IngestError::BadHeader {
                header: name.clone(),
                rule: "is not allowed in binary mode: the body is the data and Content-Type its type",
            });
        }
        let value = percent_decode(raw_value).ok_or_else(|| IngestError::BadHeader {
            header: name.clone(),
            rule: "must be percent-encoded UTF-8 (CloudEvents HTTP binding, section 3.1.3.2)",
        })?;
        if event.insert(attribute.to_owned(), Value::String(value)).is_some() {
            return Err(IngestError::BadHeader { header: name, rule: "must appear at most once" });
        }
    }
    event.insert("datacontenttype".into(), Value::String(content_type.to_owned()));
    if !body.iter().all(u8::is_ascii_whitespace) {
        let data: Value = serde_json::from_slice(body).map_err(|err| IngestError::malformed_json(&err))?;
        event.insert("data".into(), data);
    }
    Ok(Value::Object(event))
}

/// Decodes `%XX` sequences, then UTF-8; `None` when either is malformed.
fn percent_decode(raw: &[u8]) -> Option<String> {
    let mut decoded = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(byte) = bytes.next() {
        if byte == b'%' {
            let high = hex_value(bytes.next()?)?;
            let low = hex_value(bytes.next()?)?;
            decoded.push(high << 4 | low);
        } else {
            decoded.push(byte);
        }
    }
    String::from_utf8(decoded).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn headers_become_attributes_and_the_body_data() {
        let headers: Vec<(&str, &[u8])> = vec![
            ("ce-id", b"evt-1"),
            ("CE-Source", b"/legacy/magento"),
            ("ce-subject", b"caf%C3%A9%20au%20lait"),
            ("x-other", b"ignored"),
        ];
        let event = structured_from_binary("application/json", headers, br#"{"a": 1}"#).unwrap();
        assert_eq!(
            event,
            json!({
                "id": "evt-1",
                "source": "/legacy/magento",
                "subject": "café au lait",
                "datacontenttype": "application/json",
                "data": {"a": 1}
            })
        );
    }

    #[test]
    fn bad_percent_encoding_names_the_header() {
        let headers: Vec<(&str, &[u8])> = vec![("ce-id", b"bad%zz")];
        let err = structured_from_binary("application/json", headers, b"{}").unwrap_err();
        assert!(matches!(err, IngestError::BadHeader { ref header, .. } if header == "ce-id"));
        assert_eq!(percent_decode(b"%E2%82"), None, "truncated UTF-8");
        assert_eq!(percent_decode(b"50%"), None, "truncated escape");
    }

    #[test]
    fn an_empty_body_leaves_data_out() {
        let event = structured_from_binary("application/json", Vec::new(), b"").unwrap();
        assert_eq!(event.get("data"), None);
    }
}
