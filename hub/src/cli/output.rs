//! Output helpers shared by commands: the `--format` switch and printing findings.

use clap::ValueEnum;
use switchyard_contracts::Finding;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Readable by a person.
    #[default]
    Text,
    /// For machines: one JSON document on stdout.
    Json,
}

/// Prints findings to stderr, one per line, for a person.
pub fn print_findings(findings: &[Finding]) {
    for finding in findings {
        eprintln!("{finding}");
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("error: cannot encode the result as JSON: {err}"),
    }
}

/// The multi-threaded runtime a long-running command needs; says why on stderr if it cannot.
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    runtime_with(|_| {})
}

/// As [`runtime`], with `configure` applied to the builder first.
pub fn runtime_with(configure: impl FnOnce(&mut tokio::runtime::Builder)) -> Option<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    configure(&mut builder);
    match builder.enable_all().build() {
        Ok(runtime) => Some(runtime),
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            None
        }
    }
}

/// Prints an error and every cause under it, once each, on stderr.
pub fn print_error_chain(err: &dyn std::error::Error) {
    eprintln!("error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
}

/// The contract catalog at `root`; on failure prints every finding and returns `None`.
pub fn load_catalog(root: &std::path::Path) -> Option<switchyard_contracts::Catalog> {
    match switchyard_contracts::Catalog::load(root) {
        Ok(catalog) => Some(catalog),
        Err(findings) => {
            eprintln!("error: the catalog at {} cannot be used:", root.display());
            print_findings(&findings);
            None
        }
    }
}
