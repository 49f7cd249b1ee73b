//! Reading records back for verification: batched SOQL queries
//! (`SELECT Id, … FROM Object WHERE Field IN ('…', …)`), followed through `nextRecordsUrl`.

use std::time::SystemTime;

use reqwest::header::AUTHORIZATION;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

use crate::adapter::{ReadBack, ReadBackError, ReadBackRecord};
use crate::outcome::DeliveryOutcome;
use crate::salesforce::auth::Session;
use crate::salesforce::classify::{CallFailure, classify_failed_call};
use crate::salesforce::config::is_api_name;
use crate::salesforce::service::SalesforceAdapter;

/// Values per query: 200 ids keep the URL well under the 16 KB Salesforce accepts for a GET,
/// and match what a Collections call wrote, so one delivery batch reads back in one query.
pub const VALUES_PER_QUERY: usize = 200;

/// One page of a query's answer.
#[derive(Debug, Deserialize)]
struct QueryPage {
    records: Vec<Map<String, Value>>,
    #[serde(default)]
    done: bool,
    #[serde(rename = "nextRecordsUrl", default)]
    next_records_url: Option<String>,
}

/// A SOQL string literal: quotes and backslashes escaped as SOQL requires, and the control
/// characters it names.
pub fn soql_literal(value: &str) -> String {
    let mut literal = String::with_capacity(value.len() + 2);
    literal.push('\'');
    for c in value.chars() {
        match c {
            '\'' => literal.push_str("\\'"),
            '"' => literal.push_str("\\\""),
            '\\' => literal.push_str("\\\\"),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            '\u{8}' => literal.push_str("\\b"),
            '\u{c}' => literal.push_str("\\f"),
            other => literal.push(other),
        }
    }
    literal.push('\'');
    literal
}

/// The SOQL statements for `query`, one per [`VALUES_PER_QUERY`] values. Object and field
/// names must be API names (they are not quoted in SOQL).
pub fn soql_statements(query: &ReadBack) -> Result<Vec<String>, ReadBackError> {
    let names =
        std::iter::once(&query.object).chain(std::iter::once(&query.match_field)).chain(&query.fields);
    if let Some(bad) = names.into_iter().find(|name| !is_api_name(name)) {
        let shown = if bad.len() > 40 { "(too long)" } else { bad.as_str() };
        return Err(ReadBackError::Refused(format!("`{shown}` is not a Salesforce API name")));
    }
    let mut fields: Vec<&str> = vec!["Id", query.match_field.as_str()];
    for field in &query.fields {
        if !fields.iter().any(|known| known.eq_ignore_ascii_case(field)) {
            fields.push(field);
        }
    }
    let select = fields.join(", ");
    Ok(query
        .values
        .chunks(VALUES_PER_QUERY)
        .map(|values| {
            let list: Vec<String> = values.iter().map(|value| soql_literal(value)).collect();
            format!(
                "SELECT {select} FROM {} WHERE {} IN ({})",
                query.object,
                query.match_field,
                list.join(", ")
            )
        })
        .collect())
}

impl SalesforceAdapter {
    /// Runs every statement of `query` and returns the records (without `attributes`).
    pub(crate) async fn read_back_records(
        &self,
        query: &ReadBack,
    ) -> Result<Vec<ReadBackRecord>, ReadBackError> {
        let statements = soql_statements(query)?;
        let mut session = self.session().await.map_err(read_back_error)?;
        let mut records = Vec::new();
        for statement in statements {
            let mut url = self.query_url(&session)?;
            url.query_pairs_mut().append_pair("q", &statement);
            let mut next = Some(url);
            while let Some(page_url) = next.take() {
                let page = match self.get_page(&session, page_url.clone()).await {
                    Ok(page) => page,
                    Err(Expired) => {
                        session = self.renew_session(&session).await.map_err(read_back_error)?;
                        self.get_page(&session, page_url).await.map_err(|Expired| {
                            ReadBackError::Refused("Salesforce refused a freshly issued session".to_owned())
                        })?
                    }
                }?;
                records.extend(page.records.into_iter().map(|mut record| {
                    record.remove("attributes");
                    record
                }));
                if !page.done
                    && let Some(path) = page.next_records_url
                {
                    next = Some(session.instance_url.join(&path).map_err(|_| {
                        ReadBackError::Refused(
                            "nextRecordsUrl cannot be joined to the instance URL".to_owned(),
                        )
                    })?);
                }
            }
        }
        Ok(records)
    }

    fn query_url(&self, session: &Session) -> Result<Url, ReadBackError> {
        let path = format!("services/data/{}/query", self.endpoint().api_version().as_str());
        session
            .instance_url
            .join(&path)
            .map_err(|_| ReadBackError::Refused("instance URL cannot be joined".to_owned()))
    }

    /// One GET; `Err(Expired)` when the session must be renewed first.
    async fn get_page(
        &self,
        session: &Session,
        url: Url,
    ) -> Result<Result<QueryPage, ReadBackError>, Expired> {
        let sent = self
            .http()
            .get(url)
            .header(AUTHORIZATION, format!("Bearer {}", session.access_token.expose_secret()))
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => return Ok(Err(ReadBackError::Transient(err.without_url().to_string()))),
        };
        let status = response.status();
        let headers = response.headers().clone();
        self.note_usage(&headers);
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(err) => return Ok(Err(ReadBackError::Transient(err.without_url().to_string()))),
        };
        if status.is_success() {
            return Ok(serde_json::from_slice::<QueryPage>(&body).map_err(|err| {
                ReadBackError::Transient(format!("the query answer is not a query result: {err}"))
            }));
        }
        let failure =
            classify_failed_call(status, &headers, &body, SystemTime::now(), self.endpoint().retry_after);
        match failure {
            CallFailure::SessionExpired => Err(Expired),
            CallFailure::Outcome(outcome) => Ok(Err(read_back_error(outcome))),
        }
    }
}

/// The session was refused with `INVALID_SESSION_ID`.
struct Expired;

/// A delivery outcome as a read-back error: what could pass later is transient, a refusal is
/// a refusal.
fn read_back_error(outcome: DeliveryOutcome) -> ReadBackError {
    let reason = outcome.reason().unwrap_or("read-back failed").to_owned();
    match outcome {
        DeliveryOutcome::Rejected { .. } => ReadBackError::Refused(reason),
        _ => ReadBackError::Transient(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(values: Vec<String>) -> ReadBack {
        ReadBack {
            object: "Enrollment__c".into(),
            match_field: "Legacy_Id__c".into(),
            values,
            fields: vec!["Status__c".into(), "Id".into()],
        }
    }

    #[test]
    fn values_are_quoted_and_escaped_as_soql_requires() {
        assert_eq!(soql_literal(r"O'Brien \ x"), r"'O\'Brien \\ x'");
        let statements = soql_statements(&query(vec!["E-1".into(), "E'2".into()])).unwrap();
        assert_eq!(
            statements,
            [r"SELECT Id, Legacy_Id__c, Status__c FROM Enrollment__c WHERE Legacy_Id__c IN ('E-1', 'E\'2')"]
        );
    }

    #[test]
    fn many_values_are_split_into_queries_of_two_hundred() {
        let values: Vec<String> = (0..450).map(|n| format!("E-{n}")).collect();
        let statements = soql_statements(&query(values)).unwrap();
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[2].matches("'E-").count(), 50);
    }

    #[test]
    fn a_name_that_is_not_an_api_name_is_refused_before_any_query() {
        let mut bad = query(vec!["E-1".into()]);
        bad.fields.push("Status__c FROM User --".into());
        assert!(
            matches!(soql_statements(&bad), Err(ReadBackError::Refused(reason)) if reason.contains("not a Salesforce API name"))
        );
    }
}
