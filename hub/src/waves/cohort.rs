//! `--select` as ops write it: a percentage (`1%`), a segment (`status=active`,
//! `partner=ACME-EDU`, `website=base`, `created<2020-01-01`, `created>=2020-01-01`), an id
//! list (`ids=100234,100235` or `ids=@file` with one id per line) or `rest` (every user not in
//! a wave yet). Several selections narrow each other.

use chrono::NaiveDate;

use crate::store::CohortFilter;

/// A selection that cannot be read, with the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--select {given}: {rule}")]
pub struct CohortError {
    pub given: String,
    pub rule: String,
}

/// The filter the selections describe, and their text for the record.
pub fn parse_cohort(selections: &[String]) -> Result<(CohortFilter, String), CohortError> {
    if selections.is_empty() {
        return Err(CohortError {
            given: String::new(),
            rule: "name the cohort (e.g. 1%, status=active, rest)".into(),
        });
    }
    let mut filter = CohortFilter::default();
    for given in selections {
        let fail = |rule: &str| CohortError { given: given.clone(), rule: rule.to_owned() };
        let text = given.trim();
        if text == "rest" {
            continue;
        }
        if let Some(percent) = text.strip_suffix('%') {
            let share: f64 =
                percent.trim().parse().map_err(|_| fail("a percentage is a number, e.g. 1% or 12.5%"))?;
            if !(share > 0.0 && share <= 100.0) {
                return Err(fail("a percentage is above 0 and at most 100"));
            }
            filter.share = Some(share / 100.0);
            continue;
        }
        let day = |value: &str| {
            NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| fail("dates are YYYY-MM-DD"))
        };
        if let Some(value) = text.strip_prefix("created>=") {
            filter.created_from = Some(day(value)?);
            continue;
        }
        if let Some(value) = text.strip_prefix("created<") {
            filter.created_before = Some(day(value)?);
            continue;
        }
        let Some((key, value)) = text.split_once('=') else {
            return Err(fail("expected N%, status=, partner=, website=, created<, created>=, ids= or rest"));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(fail("the value is empty"));
        }
        match key.trim() {
            "status" if matches!(value, "active" | "inactive" | "expired") => {
                filter.status = Some(value.to_owned())
            }
            "status" => return Err(fail("a status is active, inactive or expired")),
            "partner" => filter.partner_code = Some(value.to_owned()),
            "website" => filter.website = Some(value.to_owned()),
            "ids" => filter.legacy_ids = Some(ids(value).map_err(|rule| fail(&rule))?),
            _ => {
                return Err(fail(
                    "expected N%, status=, partner=, website=, created<, created>=, ids= or rest",
                ));
            }
        }
    }
    Ok((filter, selections.join(" and ")))
}

/// Ids listed inline (comma-separated) or in a file (`@path`, one per line).
fn ids(value: &str) -> Result<Vec<String>, String> {
    let text = match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|err| format!("cannot read {path}: {err}"))?,
        None => value.replace(',', "\n"),
    };
    let ids: Vec<String> =
        text.lines().map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned).collect();
    match ids.len() {
        0 => Err("the list names no id".into()),
        // Every id is a bound parameter; SQLite takes 32,766 per statement.
        n if n > 30_000 => Err(format!("{n} ids: at most 30,000 per wave (plan several waves)")),
        _ => Ok(ids),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(items: &[&str]) -> Result<CohortFilter, CohortError> {
        parse_cohort(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).map(|(filter, _)| filter)
    }

    #[test]
    fn selections_narrow_each_other() {
        let filter = parsed(&["1%", "status=active", "created<2020-01-01", "partner=ACME-EDU"]).unwrap();
        assert_eq!(filter.share, Some(0.01));
        assert_eq!(filter.status.as_deref(), Some("active"));
        assert_eq!(filter.created_before, NaiveDate::from_ymd_opt(2020, 1, 1));
        assert_eq!(filter.partner_code.as_deref(), Some("ACME-EDU"));
        assert_eq!(parsed(&["rest"]).unwrap(), CohortFilter::default());
        assert_eq!(
            parsed(&["ids=1, 2,3"]).unwrap().legacy_ids,
            Some(vec!["1".into(), "2".into(), "3".into()])
        );
    }

    #[test]
    fn bad_selections_name_the_rule() {
        assert!(parsed(&["150%"]).unwrap_err().rule.contains("at most 100"));
        assert!(parsed(&["status=gone"]).unwrap_err().rule.contains("active, inactive or expired"));
        assert!(parsed(&["created<01/02/2020"]).unwrap_err().rule.contains("YYYY-MM-DD"));
        assert!(parsed(&["colour=red"]).unwrap_err().rule.contains("expected"));
        assert!(parsed(&[]).is_err());
    }
}
