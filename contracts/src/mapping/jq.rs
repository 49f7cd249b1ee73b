//! jq programs, compiled once with the `jaq` crates and run many times.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};

use std::cell::OnceCell;

use jaq_json::Val;
use serde_json::Value;

use super::fast_path::FastPath;
use super::functions::switchyard_funs;
use super::values::{from_val, to_val};

type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// The name under which expressions see the envelope's attributes.
pub const EVENT_VAR: &str = "$event";

/// A compiled jq expression. Programs see `.` (the input) and `$event`.
pub struct JqProgram {
    source: String,
    filter: Filter,
    /// Set when the expression is a plain path (`.a.b`, `.a // empty`): evaluated on the JSON
    /// directly, with the same result as jq, because a jq run costs about a microsecond.
    fast: Option<FastPath>,
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
        let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs()).chain(switchyard_funs());
        let arena = Arena::default();
        let program = File { code: source, path: () };
        let modules =
            Loader::new(defs).load(&arena, program).map_err(|errors| describe_load_errors(source, errors))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .with_global_vars([EVENT_VAR])
            .compile(modules)
            .map_err(|errors| describe_compile_errors(source, errors))?;
        Ok(Self { source: source.to_owned(), filter, fast: FastPath::detect(source) })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Runs the program and returns its outputs (at most `limit + 1` are collected, so a
    /// runaway generator cannot exhaust memory).
    pub fn run(&self, input: &Value, event: &Value, limit: usize) -> Result<Vec<Value>, JqRunError> {
        self.run_prepared(&JqInput::new(input, event), limit)
    }

    /// Runs the program on an input already converted to jq values (convert once, run many).
    pub fn run_prepared(&self, input: &JqInput<'_>, limit: usize) -> Result<Vec<Value>, JqRunError> {
        if let Some(output) = self.fast.as_ref().and_then(|fast| fast.evaluate(input.data)) {
            return Ok(output.into_iter().collect());
        }
        let (data, event) = input.values();
        let vars = Vars::new([event.clone()]);
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, vars);
        let mut outputs = Vec::new();
        for output in self.filter.id.run((ctx, data.clone())).map(unwrap_valr) {
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
        self.run_single_prepared(&JqInput::new(input, event))
    }

    pub fn run_single_prepared(&self, input: &JqInput<'_>) -> Result<Option<Value>, JqRunError> {
        let mut outputs = self.run_prepared(input, 1)?;
        Ok(outputs.pop())
    }

    /// Whether the program is truthy (jq: anything but `false` and `null`) for this input.
    /// No output counts as false.
    pub fn run_condition(&self, input: &JqInput<'_>) -> Result<bool, JqRunError> {
        let output = self.run_single_prepared(input)?;
        Ok(!matches!(output, None | Some(Value::Null) | Some(Value::Bool(false))))
    }
}

/// A program's input and `$event`. The jq values are made once, on first use, and shared by
/// every program of a mapping; programs on the fast path read the JSON directly.
#[derive(Debug)]
pub struct JqInput<'a> {
    data: &'a Value,
    event: &'a Value,
    converted: OnceCell<(Val, Val)>,
}

impl<'a> JqInput<'a> {
    pub fn new(data: &'a Value, event: &'a Value) -> Self {
        Self { data, event, converted: OnceCell::new() }
    }

    fn values(&self) -> &(Val, Val) {
        self.converted.get_or_init(|| (to_val(self.data), to_val(self.event)))
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
