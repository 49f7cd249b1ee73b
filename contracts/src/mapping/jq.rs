//! jq programs, compiled once with the `jaq` crates and run many times.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde::Deserialize;
use serde_json::Value;

type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// The name under which expressions see the envelope's attributes.
pub const EVENT_VAR: &str = "$event";

/// A compiled jq expression. Programs see `.` (the input) and `$event`.
pub struct JqProgram {
    source: String,
    filter: Filter,
}

impl std::fmt::Debug for JqProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JqProgram").field("source", &self.source).finish()
    }
}

/// What went wrong running a program on one input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JqRunError {
    #[error("jq error: {0}")]
    Runtime(String),
    #[error("produced {0} values; an expression must produce at most one")]
    TooManyOutputs(usize),
}

impl JqProgram {
    /// Compiles `source`; the error lists every lex, parse and name problem, each with the
    /// character offset it was found at.
    pub fn compile(source: &str) -> Result<Self, String> {
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
        let arena = Arena::default();
        let program = File { code: source, path: () };
        let modules =
            Loader::new(defs).load(&arena, program).map_err(|errors| describe_load_errors(source, errors))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .with_global_vars([EVENT_VAR])
            .compile(modules)
            .map_err(|errors| describe_compile_errors(source, errors))?;
        Ok(Self { source: source.to_owned(), filter })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Runs the program and returns its outputs (at most `limit + 1` are collected, so a
    /// runaway generator cannot exhaust memory).
    pub fn run(&self, input: &Value, event: &Value, limit: usize) -> Result<Vec<Value>, JqRunError> {
        let input = to_val(input);
        let vars = Vars::new([to_val(event)]);
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, vars);
        let mut outputs = Vec::new();
        for output in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let output = output.map_err(|err| JqRunError::Runtime(err.to_string()))?;
            outputs.push(from_val(&output));
            if outputs.len() > limit {
                return Err(JqRunError::TooManyOutputs(outputs.len()));
            }
        }
        Ok(outputs)
    }

    /// Runs a program that must produce zero or one value.
    pub fn run_single(&self, input: &Value, event: &Value) -> Result<Option<Value>, JqRunError> {
        let mut outputs = self.run(input, event, 1)?;
        Ok(outputs.pop())
    }

    /// Whether the program is truthy (jq: anything but `false` and `null`) for this input.
    /// No output counts as false.
    pub fn run_condition(&self, input: &Value, event: &Value) -> Result<bool, JqRunError> {
        let output = self.run_single(input, event)?;
        Ok(!matches!(output, None | Some(Value::Null) | Some(Value::Bool(false))))
    }
}

fn to_val(value: &Value) -> Val {
    // Deserializing from a `serde_json::Value` cannot fail: every JSON value is a jq value.
    Val::deserialize(value).unwrap_or(Val::Null)
}

fn from_val(value: &Val) -> Value {
    use jaq_json::Num;
    match value {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(Num::Int(i)) => Value::from(*i as i64),
        Val::Num(Num::Float(f)) => float_value(*f),
        Val::Num(num) => {
            // Decimals (`"149.00" | tonumber`) and big integers: keep integers exact, and read
            // other decimals as JSON numbers.
            let text = num.to_string();
            match text.parse::<i64>() {
                Ok(integer) => Value::from(integer),
                Err(_) => text.parse::<f64>().map_or(Value::String(text), float_value),
            }
        }
        Val::TStr(bytes) | Val::BStr(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        Val::Arr(items) => Value::Array(items.iter().map(from_val).collect()),
        Val::Obj(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let key = match key {
                        Val::TStr(bytes) | Val::BStr(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                        other => other.to_string(),
                    };
                    (key, from_val(value))
                })
                .collect(),
        ),
    }
}

/// jq prints integral floats as integers; keep `2.0` as `2` so records compare equal to what a
/// jq user expects.
fn float_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

fn offset(source: &str, part: &str) -> usize {
    let start = part.as_ptr() as usize;
    let base = source.as_ptr() as usize;
    if start >= base && start <= base + source.len() { start - base } else { 0 }
}

fn describe_load_errors<P>(source: &str, errors: jaq_core::load::Errors<&str, P>) -> String {
    use jaq_core::load::Error;
    let mut messages = Vec::new();
    for (_file, error) in errors {
        match error {
            Error::Io(items) => {
                for (path, message) in items {
                    messages.push(format!("cannot import `{path}`: {message}"));
                }
            }
            Error::Lex(items) => {
                for (expected, found) in items {
                    messages.push(format!(
                        "expected {} at character {}",
                        expected.as_str(),
                        offset(source, found)
                    ));
                }
            }
            Error::Parse(items) => {
                for (expected, found) in items {
                    let found_text =
                        if found.is_empty() { "end of input".to_owned() } else { format!("`{found}`") };
                    messages.push(format!(
                        "expected {} at character {}, found {found_text}",
                        expected.as_str(),
                        offset(source, found)
                    ));
                }
            }
        }
    }
    messages.join("; ")
}

fn describe_compile_errors<P>(source: &str, errors: jaq_core::compile::Errors<&str, P>) -> String {
    use jaq_core::compile::Undefined;
    let mut messages = Vec::new();
    for (_file, items) in errors {
        for (name, undefined) in items {
            let what = match undefined {
                Undefined::Var => "variable".to_owned(),
                Undefined::Filter(arity) => format!("filter with {arity} argument(s)"),
                Undefined::Mod => "module".to_owned(),
                _ => "name".to_owned(),
            };
            messages.push(format!("undefined {what} `{name}` at character {}", offset(source, name)));
        }
    }
    messages.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runs_paths_functions_and_the_event_variable() {
        let program = JqProgram::compile(r#"(.name // "") | ascii_downcase + "-" + $event.id"#).unwrap();
        let out = program.run_single(&json!({"name": "ADA"}), &json!({"id": "e1"})).unwrap();
        assert_eq!(out, Some(json!("ada-e1")));
    }

    #[test]
    fn slices_count_characters_not_bytes() {
        let program = JqProgram::compile(".[0:3]").unwrap();
        assert_eq!(program.run_single(&json!("Zoë Ünal"), &json!({})).unwrap(), Some(json!("Zoë")));
    }

    #[test]
    fn compile_errors_name_the_problem_and_place() {
        let err = JqProgram::compile(".a | nosuchfn").unwrap_err();
        assert!(
            err.contains("undefined filter") && err.contains("nosuchfn") && err.contains("character 5"),
            "{err}"
        );
        let err = JqProgram::compile("if . then 1").unwrap_err();
        assert!(err.contains("expected"), "{err}");
    }

    #[test]
    fn several_outputs_are_refused() {
        let program = JqProgram::compile(".[]").unwrap();
        assert_eq!(program.run_single(&json!([1, 2]), &json!({})), Err(JqRunError::TooManyOutputs(2)));
        assert_eq!(program.run_single(&json!([]), &json!({})), Ok(None));
    }

    #[test]
    fn runtime_errors_are_reported_not_panicked() {
        let program = JqProgram::compile(".a + 1").unwrap();
        assert!(matches!(program.run_single(&json!({"a": "x"}), &json!({})), Err(JqRunError::Runtime(_))));
    }

    #[test]
    fn programs_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<JqProgram>();
    }
}
