//! Outcome classification for Salesforce: pure functions of per-record results, whole-call
//! failures, token endpoint failures and the `Sforce-Limit-Info` header, unit-tested without
//! a server.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::retry_after::{RetryAfterBounds, parse_retry_after};

/// How long to hold items when the org's rolling 24 h allowance is spent, unless the adapter's
/// budget says otherwise (its `spent_recheck_secs`). Salesforce does not say when the window
/// frees capacity.
pub const DAILY_LIMIT_RETRY_AFTER: Duration = Duration::from_secs(3_600);
/// How long to back off when too many long-running requests are in flight in the org.
pub const LONG_TXN_RETRY_AFTER: Duration = Duration::from_secs(10);

/// One record's result inside an sObject Collections response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordResult {
    #[serde(default)]
    pub id: Option<String>,
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<RecordError>,
    #[serde(default)]
    pub created: Option<bool>,
}

/// A per-record error (`statusCode`, as inside Collections results).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordError {
    #[serde(rename = "statusCode")]
    pub status_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

/// One entry of a top-level error array (`errorCode`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(rename = "errorCode")]
    pub error_code: String,
    #[serde(default)]
    pub message: String,
}

/// Whether a per-record error can succeed on a later attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordErrorClass {
    Retryable,
    Permanent,
}

/// The reference's table: lock contention and unavailability retry; data errors are permanent.
/// Unknown codes are permanent: the reason carries the code, so operators see it, and an
/// unknown data error retried 25 times would only hide it.
pub fn record_error_class(status_code: &str) -> RecordErrorClass {
    match status_code {
        "UNABLE_TO_LOCK_ROW"
        | "API_TEMPORARILY_UNAVAILABLE"
        | "SERVER_UNAVAILABLE"
        // Only with allOrNone (which we never send): the record itself was not at fault.
        | "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        | "PROCESSING_HALTED" => RecordErrorClass::Retryable,
        _ => RecordErrorClass::Permanent,
    }
}

/// One error's class: the code's, except that a lookup by external id whose parent is not
/// found (`INVALID_CROSS_REFERENCE_KEY`, "Foreign key external ID: … not found") is retried.
/// During a migration the parent (a learner's Contact) is usually still on its way through
/// another batch or a retry; the retry schedule gives it time, and a parent that never comes
/// ends dead-lettered with this reason, redrivable once it is fixed.
pub fn error_class(error: &RecordError) -> RecordErrorClass {
    if error.status_code == "INVALID_CROSS_REFERENCE_KEY"
        && error.message.starts_with("Foreign key external ID")
    {
        return RecordErrorClass::Retryable;
    }
    record_error_class(&error.status_code)
}

/// One record's outcome from its own result. `record` is what was sent, used only to keep its
/// values out of the reason (Salesforce messages quote the offending value).
pub fn classify_record(result: &RecordResult, record: &Map<String, Value>) -> DeliveryOutcome {
    if result.success {
        return DeliveryOutcome::Delivered { downstream_id: result.id.clone() };
    }
    if result.errors.is_empty() {
        return DeliveryOutcome::retry("Salesforce reported a failure without an error for this record");
    }
    let described: Vec<String> = result.errors.iter().map(|error| describe(error, record)).collect();
    let reason = described.join("; ");
    let retryable = result.errors.iter().all(|error| error_class(error) == RecordErrorClass::Retryable);
    if retryable {
        DeliveryOutcome::retry(reason)
    } else {
        // Any permanent error means this record needs a fix, whatever else went wrong.
        DeliveryOutcome::rejected(RejectCode::Client, reason)
    }
}

fn describe(error: &RecordError, record: &Map<String, Value>) -> String {
    let message = redact(&error.message, record);
    if error.fields.is_empty() {
        format!("{}: {message}", error.status_code)
    } else {
        format!("{} on {}: {message}", error.status_code, error.fields.join(", "))
    }
}

/// Replaces every string value of `record` (nested ones too) that appears in `message` with
/// `[redacted]`: `STRING_TOO_LONG`, `INVALID_EMAIL_ADDRESS` and picklist messages quote the
/// value, which is personal data. Values shorter than 3 characters are left alone, so that
/// redaction does not shred ordinary words.
pub fn redact(message: &str, record: &Map<String, Value>) -> String {
    let mut values = Vec::new();
    collect_strings(record.values(), &mut values);
    // Longest first, so a value containing another is redacted whole.
    values.sort_by_key(|value| std::cmp::Reverse(value.len()));
    let mut out = message.to_owned();
    for value in values {
        if value.chars().count() >= 3 && out.contains(value) {
            out = out.replace(value, "[redacted]");
        }
    }
    out
}

fn collect_strings<'a>(values: impl Iterator<Item = &'a Value>, out: &mut Vec<&'a str>) {
    for value in values {
        match value {
            Value::String(text) => out.push(text),
            Value::Array(items) => collect_strings(items.iter(), out),
            Value::Object(map) => collect_strings(map.values(), out),
            _ => {}
        }
    }
}

/// The outcomes of a 2xx Collections response, one per record sent, in order. A record with
/// no result (a short or unreadable body) retries: upserts by external id make that safe.
pub fn classify_results(
    status: StatusCode,
    body: &[u8],
    records: &[&Map<String, Value>],
) -> Vec<DeliveryOutcome> {
    let results: Vec<RecordResult> = match serde_json::from_slice(body) {
        Ok(results) => results,
        Err(_) => {
            let reason =
                format!("Salesforce answered {} without readable per-record results", status.as_u16());
            return vec![DeliveryOutcome::retry(reason); records.len()];
        }
    };
    records
        .iter()
        .enumerate()
        .map(|(index, record)| match results.get(index) {
            Some(result) => classify_record(result, record),
            None => DeliveryOutcome::retry("Salesforce returned no result for this record"),
        })
        .collect()
}

/// A non-2xx answer to a data call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// 401 `INVALID_SESSION_ID`: fetch a new token and try the call once more.
    SessionExpired,
    /// The same outcome for every record of the call.
    Outcome(DeliveryOutcome),
}

/// Classifies a whole-call failure from its status, headers and top-level error array.
pub fn classify_failed_call(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
    bounds: RetryAfterBounds,
) -> CallFailure {
    let code = status.as_u16();
    let error =
        serde_json::from_slice::<Vec<ApiError>>(body).ok().and_then(|errors| errors.into_iter().next());
    let error_code = error.as_ref().map(|e| e.error_code.as_str());
    let message = error.as_ref().map(|e| e.message.as_str()).unwrap_or_default();
    if code == 401 && error_code == Some("INVALID_SESSION_ID") {
        return CallFailure::SessionExpired;
    }
    if error_code == Some("REQUEST_LIMIT_EXCEEDED") {
        return CallFailure::Outcome(classify_limit_exceeded(message));
    }
    let outcome = if matches!(code, 408 | 429) || status.is_server_error() {
        let after = headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, now, bounds));
        DeliveryOutcome::Retry { after, reason: with_code(format!("Salesforce answered {code}"), error_code) }
    } else {
        match code {
            401 | 403 => DeliveryOutcome::rejected(
                RejectCode::Auth,
                with_code(format!("Salesforce refused our session ({code})"), error_code),
            ),
            300..=399 => DeliveryOutcome::rejected(
                RejectCode::Redirect,
                format!("Salesforce redirected ({code}); check the instance URL"),
            ),
            _ => DeliveryOutcome::rejected(
                RejectCode::Client,
                with_code(format!("Salesforce rejected the request ({code})"), error_code),
            ),
        }
    };
    CallFailure::Outcome(outcome)
}

/// `REQUEST_LIMIT_EXCEEDED` (403, sometimes 429): the daily allowance or the long-request cap.
pub fn classify_limit_exceeded(message: &str) -> DeliveryOutcome {
    if message.contains("ConcurrentPerOrgLongTxn") {
        DeliveryOutcome::Retry {
            after: Some(LONG_TXN_RETRY_AFTER),
            reason:
                "REQUEST_LIMIT_EXCEEDED: too many long-running requests in the org (ConcurrentPerOrgLongTxn)"
                    .into(),
        }
    } else {
        // "TotalRequests", and any limit we do not recognise: assume the daily allowance. The
        // org processed nothing, and retrying sooner cannot help: the items wait without
        // spending an attempt (and without tripping the circuit), and the adapter's budget
        // holds every call until then.
        DeliveryOutcome::Deferred {
            after: DAILY_LIMIT_RETRY_AFTER,
            reason: "REQUEST_LIMIT_EXCEEDED: the org's daily API allowance is spent (TotalRequests); \
                     waiting for its rolling 24 h window to free capacity"
                .into(),
        }
    }
}

fn with_code(reason: String, error_code: Option<&str>) -> String {
    match error_code {
        Some(code) => format!("{reason}: {code}"),
        None => reason,
    }
}

/// Why the token endpoint gave no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFailure {
    /// An OAuth error (`invalid_client`, `invalid_grant`, ...): the credentials are wrong.
    Refused {
        error: String,
    },
    /// 408, 429 or 5xx from the token endpoint.
    Unavailable {
        status: u16,
    },
    Timeout,
    Connect,
    /// A response that is neither a token nor an OAuth error, or a token without a usable
    /// `instance_url`.
    Unreadable,
    /// The JWT bearer assertion could not be signed with the configured key.
    Signing,
}

/// Refusals are `Rejected(auth)` for every item; everything else retries.
pub fn classify_token_failure(failure: &TokenFailure) -> DeliveryOutcome {
    match failure {
        TokenFailure::Refused { error } => DeliveryOutcome::rejected(
            RejectCode::Auth,
            format!("Salesforce token endpoint refused the connected app: {error}"),
        ),
        TokenFailure::Unavailable { status } => {
            DeliveryOutcome::retry(format!("Salesforce token endpoint answered {status}"))
        }
        TokenFailure::Timeout => DeliveryOutcome::retry("Salesforce token request timed out"),
        TokenFailure::Connect => DeliveryOutcome::retry("could not connect to the Salesforce token endpoint"),
        TokenFailure::Unreadable => DeliveryOutcome::retry("Salesforce token response was unreadable"),
        TokenFailure::Signing => DeliveryOutcome::rejected(
            RejectCode::Auth,
            "the JWT bearer assertion could not be signed with the configured private key",
        ),
    }
}

/// The org's API usage from `Sforce-Limit-Info`: `api-usage=18/5000`, possibly followed by
/// `; per-app-api-usage=17/250(appName=...)`.
pub fn parse_limit_info(value: &str) -> Option<(u64, u64)> {
    value.split(';').find_map(|part| {
        let (used, limit) = part.trim().strip_prefix("api-usage=")?.split_once('/')?;
        Some((used.trim().parse().ok()?, limit.trim().parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;
    use serde_json::json;

    use super::*;

    const PERMANENT: [&str; 11] = [
        "DUPLICATE_VALUE",
        "DUPLICATES_DETECTED",
        "STRING_TOO_LONG",
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "INVALID_FIELD",
        "INVALID_EMAIL_ADDRESS",
        "MALFORMED_ID",
        "INVALID_CROSS_REFERENCE_KEY",
        "NOT_FOUND",
    ];
    const RETRYABLE: [&str; 3] = ["UNABLE_TO_LOCK_ROW", "API_TEMPORARILY_UNAVAILABLE", "SERVER_UNAVAILABLE"];

    fn bounds() -> RetryAfterBounds {
        RetryAfterBounds::new(Duration::from_secs(1), Duration::from_secs(600)).unwrap()
    }

    fn record() -> Map<String, Value> {
        json!({"Legacy_Id__c": "100234", "LastName": "Okafor", "Email": "ada@example.com",
               "Contact__c": {"Platform_User_Id__c": "u-7f3a"}})
        .as_object()
        .cloned()
        .unwrap()
    }

    fn failed(code: &str, message: &str) -> RecordResult {
        RecordResult {
            id: None,
            success: false,
            errors: vec![RecordError { status_code: code.into(), message: message.into(), fields: vec![] }],
            created: None,
        }
    }

    fn call(code: u16, body: Value, retry_after: Option<&str>) -> CallFailure {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        }
        let body = serde_json::to_vec(&body).unwrap();
        classify_failed_call(
            StatusCode::from_u16(code).unwrap(),
            &headers,
            &body,
            SystemTime::UNIX_EPOCH,
            bounds(),
        )
    }

    fn outcome(failure: CallFailure) -> DeliveryOutcome {
        match failure {
            CallFailure::Outcome(outcome) => outcome,
            CallFailure::SessionExpired => panic!("expected an outcome, got SessionExpired"),
        }
    }

    #[test]
    fn every_reference_code_has_its_class() {
        for code in PERMANENT {
            assert_eq!(record_error_class(code), RecordErrorClass::Permanent, "{code}");
            let outcome = classify_record(&failed(code, "bad"), &record());
            assert_eq!(outcome.reject_code(), Some(RejectCode::Client), "{code}");
            assert!(outcome.reason().unwrap().starts_with(code), "{code}: {outcome:?}");
        }
        for code in RETRYABLE {
            assert_eq!(record_error_class(code), RecordErrorClass::Retryable, "{code}");
            assert!(classify_record(&failed(code, "busy"), &record()).is_retry(), "{code}");
        }
        assert_eq!(record_error_class("SOMETHING_NEW"), RecordErrorClass::Permanent);
    }

    #[test]
    fn success_carries_the_salesforce_id() {
        let result =
            RecordResult { id: Some("003A".into()), success: true, errors: vec![], created: Some(true) };
        assert_eq!(
            classify_record(&result, &record()),
            DeliveryOutcome::Delivered { downstream_id: Some("003A".into()) }
        );
    }

    #[test]
    fn a_permanent_error_wins_over_a_retryable_one() {
        let mut result = failed("UNABLE_TO_LOCK_ROW", "locked");
        result.errors.push(RecordError {
            status_code: "STRING_TOO_LONG".into(),
            message: "x".into(),
            fields: vec![],
        });
        assert_eq!(classify_record(&result, &record()).reject_code(), Some(RejectCode::Client));
        let empty = RecordResult { id: None, success: false, errors: vec![], created: None };
        assert!(classify_record(&empty, &record()).is_retry());
    }

    #[test]
    fn reasons_name_code_and_fields_but_never_record_values() {
        let mut result = failed("STRING_TOO_LONG", "LastName: data value too large: Okafor (max length=80)");
        result.errors[0].fields = vec!["LastName".into()];
        let reason = classify_record(&result, &record()).reason().unwrap().to_owned();
        assert_eq!(
            reason,
            "STRING_TOO_LONG on LastName: LastName: data value too large: [redacted] (max length=80)"
        );
        let email = failed("INVALID_EMAIL_ADDRESS", "Email: invalid email address: ada@example.com");
        assert!(!classify_record(&email, &record()).reason().unwrap().contains("ada@"));
        let nested = failed("INVALID_CROSS_REFERENCE_KEY", "Foreign key external ID: u-7f3a not found");
        assert!(!classify_record(&nested, &record()).reason().unwrap().contains("u-7f3a"));
    }

    #[test]
    fn a_parent_not_there_yet_is_retried_but_a_bad_id_is_not() {
        let missing_parent = failed(
            "INVALID_CROSS_REFERENCE_KEY",
            "Foreign key external ID: u-9 not found for field Platform_User_Id__c in entity Contact",
        );
        assert!(classify_record(&missing_parent, &record()).is_retry());
        let bad_id = failed("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
        assert_eq!(classify_record(&bad_id, &record()).reject_code(), Some(RejectCode::Client));
    }

    #[test]
    fn results_are_read_in_order_and_missing_ones_retry() {
        let body = serde_json::to_vec(&json!([
            {"id": "003A", "success": true, "errors": [], "created": true},
            {"success": false, "errors": [{"statusCode": "DUPLICATES_DETECTED", "message": "dup", "fields": []}]},
        ]))
        .unwrap();
        let (a, b, c) = (record(), record(), record());
        let outcomes = classify_results(StatusCode::OK, &body, &[&a, &b, &c]);
        assert!(outcomes[0].is_delivered());
        assert_eq!(outcomes[1].reject_code(), Some(RejectCode::Client));
        assert!(outcomes[2].is_retry());
        let outcomes = classify_results(StatusCode::OK, b"", &[&a, &b]);
        assert!(outcomes.iter().all(DeliveryOutcome::is_retry));
        assert_eq!(outcomes.len(), 2);
    }

    #[test]
    fn an_expired_session_asks_for_a_new_token() {
        let body = json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
        assert_eq!(call(401, body, None), CallFailure::SessionExpired);
        assert_eq!(outcome(call(401, json!([]), None)).reject_code(), Some(RejectCode::Auth));
    }

    #[test]
    fn the_daily_allowance_and_the_long_request_cap_are_told_apart() {
        for status in [403, 429] {
            let daily =
                json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]);
            let daily = outcome(call(status, daily, None));
            assert!(
                matches!(&daily, DeliveryOutcome::Deferred { after, reason } if *after == DAILY_LIMIT_RETRY_AFTER && reason.contains("TotalRequests")),
                "{daily:?}"
            );
            let long = json!([{"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]);
            let long = outcome(call(status, long, Some("86400")));
            assert!(
                matches!(&long, DeliveryOutcome::Retry { after: Some(d), .. } if *d == LONG_TXN_RETRY_AFTER),
                "{long:?}"
            );
        }
    }

    #[test]
    fn transient_calls_retry_with_retry_after_within_bounds() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(
                outcome(call(code, json!(null), None)),
                DeliveryOutcome::Retry { after: None, .. }
            ));
        }
        let unavailable = json!([{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]);
        let outcome503 = outcome(call(503, unavailable, Some("7")));
        assert_eq!(
            outcome503,
            DeliveryOutcome::Retry {
                after: Some(Duration::from_secs(7)),
                reason: "Salesforce answered 503: SERVER_UNAVAILABLE".into()
            }
        );
    }

    #[test]
    fn other_refusals_are_rejected_with_codes() {
        assert_eq!(
            outcome(call(403, json!([{"errorCode": "API_DISABLED_FOR_ORG"}]), None)).reject_code(),
            Some(RejectCode::Auth)
        );
        assert_eq!(outcome(call(300, json!(["/x"]), None)).reject_code(), Some(RejectCode::Redirect));
        for code in [400, 404, 405, 415, 422] {
            assert_eq!(
                outcome(call(code, json!([{"errorCode": "NOT_FOUND", "message": "gone"}]), None))
                    .reject_code(),
                Some(RejectCode::Client)
            );
        }
        let reason = outcome(call(404, json!([{"errorCode": "NOT_FOUND", "message": "gone"}]), None));
        assert_eq!(reason.reason(), Some("Salesforce rejected the request (404): NOT_FOUND"));
    }

    #[test]
    fn token_refusals_are_auth_and_the_rest_retry() {
        let refused = classify_token_failure(&TokenFailure::Refused { error: "invalid_client".into() });
        assert_eq!(refused.reject_code(), Some(RejectCode::Auth));
        for failure in [
            TokenFailure::Unavailable { status: 503 },
            TokenFailure::Timeout,
            TokenFailure::Connect,
            TokenFailure::Unreadable,
        ] {
            assert!(classify_token_failure(&failure).is_retry(), "{failure:?}");
        }
    }

    #[test]
    fn limit_info_is_parsed() {
        assert_eq!(parse_limit_info("api-usage=18/5000"), Some((18, 5000)));
        assert_eq!(
            parse_limit_info("api-usage=18/5000; per-app-api-usage=17/250(appName=x)"),
            Some((18, 5000))
        );
        assert_eq!(
            parse_limit_info("per-app-api-usage=17/250(appName=x); api-usage=3/15000"),
            Some((3, 15000))
        );
        for garbage in ["", "api-usage=", "api-usage=a/b", "api-usage=18", "usage=1/2"] {
            assert_eq!(parse_limit_info(garbage), None, "{garbage}");
        }
    }
}
