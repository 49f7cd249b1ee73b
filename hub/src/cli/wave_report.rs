//! `switchyard wave report <name> [--format text|markdown|csv|json] [--output <file>]`: the
//! reconciliation of a wave. Exit 0 once it is complete, 1 while it is not, 2 when it cannot
//! be made (no such wave, the ledger unreadable, the file unwritable).

use std::io::Write;
use std::path::Path;

use clap::ValueEnum;
use switchyard_dependency_map::DependencyMap;

use super::Outcome;
use super::output::Format;
use crate::routing::Routes;
use crate::store::Store;
use crate::waves::{ReportFormat, plan_of, report_of};

/// `--format` of the `wave` commands: `wave report` writes all four, the others text or JSON.
/// (One global switch: clap cannot give one subcommand its own `--format` beside a global one.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum WaveFormat {
    /// Readable by a person.
    #[default]
    Text,
    /// Tables, for a ticket or a wiki (`wave report` only).
    Markdown,
    /// One row per user per system (`wave report` only).
    Csv,
    /// For machines: one JSON document.
    Json,
}

impl WaveFormat {
    /// The format of a command that prints text or JSON; markdown and CSV are refused by name.
    pub fn listing(self) -> Result<Format, String> {
        match self {
            Self::Text => Ok(Format::Text),
            Self::Json => Ok(Format::Json),
            Self::Markdown | Self::Csv => Err(format!(
                "--format {}: only `wave report` writes markdown and csv; this command prints text or json",
                self.name()
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Markdown => "markdown",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    fn report(self) -> ReportFormat {
        match self {
            Self::Text => ReportFormat::Text,
            Self::Markdown => ReportFormat::Markdown,
            Self::Csv => ReportFormat::Csv,
            Self::Json => ReportFormat::Json,
        }
    }
}

/// Writes wave `name`'s report to `output` (stdout when `None`); complete is [`Outcome::Clean`],
/// not yet complete [`Outcome::Findings`].
pub async fn report(
    store: &Store,
    routes: &Routes,
    map: &DependencyMap,
    name: &str,
    format: WaveFormat,
    output: Option<&Path>,
) -> Result<Outcome, String> {
    let wave = store.wave(name).await.map_err(|err| err.to_string())?.ok_or_else(|| {
        format!("no wave named `{name}`: plan one with `switchyard wave plan {name} --select <cohort>`")
    })?;
    let plan = plan_of(store, wave, routes, map).await.map_err(|err| err.to_string())?;
    let report = report_of(store, &plan).await.map_err(|err| err.to_string())?;
    let written = match output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut file| report.render(format.report(), &mut file).and_then(|()| file.flush()))
            .map_err(|err| format!("--output {}: cannot write the report: {err}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match report.render(format.report(), &mut stdout) {
                // A reader that stops early (`| head`) has what it wanted.
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|err| format!("cannot write the report: {err}")),
            }
        }
    };
    written?;
    if output.is_some() || format != WaveFormat::Text {
        eprintln!("wave {name}: {}", report.verdict());
    }
    Ok(if report.complete { Outcome::Clean } else { Outcome::Findings })
}
