//! The anonymized sample per class a profile writes: `<out>/samples/<class>.csv`, the found
//! rows with their file's header, personal data pseudonymized and secrets emptied.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::File;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::anonymize::{Pseudonymizer, column_rule};
use super::catalog::CaseClass;

/// A sample file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the sample {}", path.display())]
pub struct SampleError {
    pub path: PathBuf,
    #[source]
    pub source: csv::Error,
}

/// Writers of the samples, opened on a class's first row.
#[derive(Debug)]
pub struct Samples {
    dir: Option<PathBuf>,
    per_class: usize,
    pseudonyms: Pseudonymizer,
    writers: BTreeMap<CaseClass, (csv::Writer<File>, usize)>,
}

impl Samples {
    /// Samples of up to `per_class` rows in `dir` (none written when `dir` is `None`).
    pub fn new(dir: Option<&Path>, per_class: usize, pseudonyms: Pseudonymizer) -> Self {
        Self { dir: dir.map(|d| d.join("samples")), per_class, pseudonyms, writers: BTreeMap::new() }
    }

    /// Adds `record` (of a file with `header`) to `class`'s sample if it is not full yet.
    pub fn add(
        &mut self,
        class: CaseClass,
        header: &[String],
        record: &StringRecord,
    ) -> Result<(), SampleError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let path = dir.join(format!("{}.csv", class.name()));
        let fail = |source: csv::Error| SampleError { path: path.clone(), source };
        let (writer, written) = match self.writers.entry(class) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.into()))?;
                let mut writer = csv::Writer::from_path(&path).map_err(fail)?;
                writer.write_record(header).map_err(fail)?;
                entry.insert((writer, 0))
            }
        };
        if *written >= self.per_class {
            return Ok(());
        }
        let row: Vec<String> = header
            .iter()
            .zip(record.iter())
            .map(|(column, value)| self.pseudonyms.apply(column_rule(column), value))
            .collect();
        writer.write_record(&row).map_err(fail)?;
        *written += 1;
        Ok(())
    }

    /// Flushes every sample; returns the samples' directory if any was written.
    pub fn finish(self) -> Result<Option<PathBuf>, SampleError> {
        for (class, (mut writer, _)) in self.writers {
            let path = self.dir.clone().unwrap_or_default().join(format!("{}.csv", class.name()));
            writer.flush().map_err(|e| SampleError { path, source: e.into() })?;
        }
        Ok(self.dir)
    }
}
