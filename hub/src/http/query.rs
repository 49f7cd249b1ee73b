//! Query parameters of the ops routes, parsed at the edge: each handler takes the parameters
//! it knows, each parsed once into its type; every bad or unknown parameter is reported
//! together in one `400 request.invalid-parameter` problem, with
//! `invalid_params: [{name, reason}]` (the member RFC 7807's own example uses).
//! An empty value (`?system=`) counts as absent, as HTML forms send them.

use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::problem::Problem;
use super::request_id::RequestId;
use crate::store::DeliveryState;

pub const INVALID_PARAMETER: &str = "request.invalid-parameter";

/// The largest page the listing routes return; also their `limit`'s upper bound.
pub const MAX_LIMIT: u32 = 1_000;
pub const DEFAULT_LIMIT: u32 = 100;

/// One parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InvalidParam {
    /// The query parameter's name.
    pub name: String,
    pub reason: String,
}

/// The request's query parameters, taken one by one by the handler.
#[derive(Debug)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    taken: Vec<&'static str>,
    invalid: Vec<InvalidParam>,
    request_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map_or_else(|| "unknown".to_owned(), |id| id.as_str().to_owned());
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map_err(|rejection| {
            Problem::new(StatusCode::BAD_REQUEST, "request.malformed-query", rejection.body_text())
                .with_request_id(&request_id)
                .into_response()
        })?;
        Ok(Self { pairs, taken: Vec::new(), invalid: Vec::new(), request_id })
    }
}

impl QueryParams {
    /// The non-empty value of `name`, if given (once: a repeated parameter is an error).
    pub fn text(&mut self, name: &'static str) -> Option<String> {
        self.taken.push(name);
        let mut values = self.pairs.iter().filter(|(key, value)| key == name && !value.is_empty());
        let first = values.next()?.1.clone();
        if values.next().is_some() {
            self.refuse(name, "given more than once");
            return None;
        }
        Some(first)
    }

    /// The value of `name` parsed by `parse`, whose error is the reason shown to the caller.
    pub fn parsed<T>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(name)?;
        match parse(&text) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.refuse(name, &reason);
                None
            }
        }
    }

    /// `limit`: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
    pub fn limit(&mut self) -> u32 {
        self.parsed("limit", parse_limit).unwrap_or(DEFAULT_LIMIT)
    }

    /// `since`: an RFC 3339 time.
    pub fn since(&mut self) -> Option<DateTime<Utc>> {
        self.parsed("since", parse_time)
    }

    /// Records a parameter as wrong for a reason only the handler knows.
    pub fn refuse(&mut self, name: &str, reason: &str) {
        self.invalid.push(InvalidParam { name: name.to_owned(), reason: reason.to_owned() });
    }

    /// Ends parsing: `Err` with every parameter at fault, unknown ones included.
    pub fn finish(mut self) -> Result<(), Problem> {
        let unknown: Vec<String> = self
            .pairs
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|key| !self.taken.contains(&key.as_str()))
            .collect();
        for name in unknown {
            if !self.invalid.iter().any(|param| param.name == name) {
                let known = if self.taken.is_empty() { "none".to_owned() } else { self.taken.join(", ") };
                self.refuse(&name, &format!("unknown parameter (this route takes: {known})"));
            }
        }
        if self.invalid.is_empty() {
            return Ok(());
        }
        let detail = match self.invalid.as_slice() {
            [one] => format!("query parameter `{}`: {}", one.name, one.reason),
            many => {
                let names: Vec<&str> = many.iter().map(|param| param.name.as_str()).collect();
                format!("query parameters {} are not valid", names.join(", "))
            }
        };
        Err(Problem::new(StatusCode::BAD_REQUEST, INVALID_PARAMETER, detail)
            .with_extension("invalid_params", serde_json::to_value(&self.invalid).unwrap_or_default())
            .with_request_id(&self.request_id))
    }
}

fn parse_limit(text: &str) -> Result<u32, String> {
    let reason = || format!("must be a whole number from 1 to {MAX_LIMIT}");
    let limit: u32 = text.parse().map_err(|_| reason())?;
    if (1..=MAX_LIMIT).contains(&limit) { Ok(limit) } else { Err(reason()) }
}

/// An RFC 3339 time, in any offset.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text).map(|time| time.with_timezone(&Utc)).map_err(|_| {
        "must be an RFC 3339 time such as 2026-11-24T09:00:00Z (a `+` offset must be sent as %2B)".to_owned()
    })
}

/// A delivery state by its ledger name.
pub fn parse_state(text: &str) -> Result<DeliveryState, String> {
    DeliveryState::parse(text).ok_or_else(|| {
        let names: Vec<&str> = DeliveryState::ALL.iter().map(|state| state.as_str()).collect();
        format!("must be one of {}", names.join(", "))
    })
}

/// `true` or `false`.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> QueryParams {
        let pairs =
            Query::<Vec<(String, String)>>::try_from_uri(&format!("/x?{query}").parse().unwrap()).unwrap().0;
        QueryParams { pairs, taken: Vec::new(), invalid: Vec::new(), request_id: "r1".into() }
    }

    fn invalid_names(problem: &Problem) -> Vec<String> {
        let body = serde_json::to_value(problem).unwrap();
        body["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn known_parameters_parse_into_their_types() {
        let mut query =
            params("system=crm&state=dead_lettered&since=2026-11-24T10:00:00%2B01:00&limit=5&after=");
        assert_eq!(query.text("system").as_deref(), Some("crm"));
        assert_eq!(query.parsed("state", parse_state), Some(DeliveryState::DeadLettered));
        assert_eq!(query.since().map(|t| t.to_rfc3339()).as_deref(), Some("2026-11-24T09:00:00+00:00"));
        assert_eq!(query.limit(), 5);
        assert_eq!(query.text("after"), None, "empty is absent");
        assert!(query.finish().is_ok());
        assert_eq!(params("").limit(), DEFAULT_LIMIT);
    }

    #[test]
    fn every_bad_or_unknown_parameter_is_named() {
        let mut query = params("state=done&limit=0&since=yesterday&sytem=crm");
        query.parsed("state", parse_state);
        query.limit();
        query.since();
        query.text("system");
        let problem = query.finish().unwrap_err();
        assert_eq!((problem.status(), problem.code()), (StatusCode::BAD_REQUEST, INVALID_PARAMETER));
        assert_eq!(invalid_names(&problem), ["state", "limit", "since", "sytem"]);
        let body = serde_json::to_value(&problem).unwrap();
        assert_eq!(body["request_id"], "r1");
        assert!(body["invalid_params"][0]["reason"].as_str().unwrap().contains("dead_lettered"));
    }

    #[test]
    fn a_limit_is_bounded_and_a_parameter_given_twice_refused() {
        for bad in ["limit=1001", "limit=-1", "limit=ten", "limit=1&limit=2"] {
            let mut query = params(bad);
            query.limit();
            assert_eq!(invalid_names(&query.finish().unwrap_err()), ["limit"], "{bad}");
        }
        let mut query = params("limit=1000");
        assert_eq!(query.limit(), MAX_LIMIT);
    }
}
