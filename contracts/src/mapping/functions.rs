//! Switchyard's own jq functions, native so that mappings stay readable and fast:
//! `is_email` and `strip_tags`. (jaq compiles a regex on every `test`/`gsub` call, which
//! dominated mapping time; these use regexes compiled once.)

use std::sync::LazyLock;

use jaq_core::native::{Filter, Fun, bome, run, v};
use jaq_core::{Error, RunPtr, data};
use jaq_json::Val;
use regex::Regex;

use crate::catalog::is_salesforce_email;

type Data = data::JustLut<Val>;

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("static regex"));

fn text(value: &Val, function: &str) -> Result<String, Error<Val>> {
    match value {
        Val::TStr(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        other => Err(Error::str(format_args!("{function} expects a string, got {other}"))),
    }
}

/// `is_email`: true when the input string is an email address Salesforce accepts.
fn is_email(value: &Val) -> Result<Val, Error<Val>> {
    Ok(Val::Bool(is_salesforce_email(&text(value, "is_email")?)))
}

/// `strip_tags`: the input string without HTML/XML tags (`<b>Ada</b>` -> `Ada`).
fn strip_tags(value: &Val) -> Result<Val, Error<Val>> {
    let input = text(value, "strip_tags")?;
    Ok(Val::from(TAG.replace_all(&input, "").into_owned()))
}

fn natives() -> [Filter<RunPtr<Data>>; 2] {
    [("is_email", v(0), |cv| bome(is_email(&cv.1))), ("strip_tags", v(0), |cv| bome(strip_tags(&cv.1)))]
}

/// The functions, ready for the jaq compiler.
pub fn switchyard_funs() -> impl Iterator<Item = Fun<Data>> {
    natives().into_iter().map(run::<Data>)
}

#[cfg(test)]
mod tests {
    use crate::mapping::JqProgram;
    use serde_json::json;

    #[test]
    fn is_email_and_strip_tags_work_in_expressions() {
        let program = JqProgram::compile("[.[] | is_email]").unwrap();
        let out = program
            .run_single(&json!(["a.b+c@example.co.uk", "ada at example", "é@example.com"]), &json!({}));
        assert_eq!(out.unwrap(), Some(json!([true, false, false])));
        let program = JqProgram::compile("strip_tags").unwrap();
        assert_eq!(
            program.run_single(&json!("<b>Ada</b> <i>O.</i>"), &json!({})).unwrap(),
            Some(json!("Ada O."))
        );
        let err = JqProgram::compile("strip_tags").unwrap().run_single(&json!(3), &json!({})).unwrap_err();
        assert!(err.to_string().contains("strip_tags expects a string"), "{err}");
    }
}
