//! Pure CSV work of the Bulk path: mapped records become one ingest upload (lookups by
//! external id flattened to `Contact__r.Legacy_Id__c` columns, values escaped by the csv crate,
//! null and empty values written `#N/A` so that Salesforce clears the field, as the JSON
//! `null` does), and the result files are read back into per-record results keyed by the
//! external id value.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::outcome::{DeliveryOutcome, RejectCode};
use crate::salesforce::classify::RecordError;
use crate::salesforce::request_builder::external_id_key;

/// The cell Bulk API reads as "set this field to null" (an empty cell leaves a field as it is).
pub const NULL_CELL: &str = "#N/A";

/// One object's upload: the CSV and the batch indexes of the records in it, in row order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Upload {
    pub csv: Vec<u8>,
    pub items: Vec<usize>,
    /// Items left out, with why.
    pub refused: Vec<(usize, DeliveryOutcome)>,
}

/// Builds the upload of `records` (batch indexes in `items`), the external id column first.
pub fn build_upload(items: &[usize], records: &[Map<String, Value>], external_id_field: &str) -> Upload {
    let mut upload = Upload::default();
    let mut columns: Vec<String> = vec![external_id_field.to_owned()];
    let mut rows: Vec<HashMap<String, String>> = Vec::new();
    for (index, record) in items.iter().zip(records) {
        match flatten(record) {
            Ok(cells) => {
                for name in cells.keys() {
                    if !columns.contains(name) {
                        columns.push(name.clone());
                    }
                }
                upload.items.push(*index);
                rows.push(cells);
            }
            Err(reason) => {
                upload.refused.push((*index, DeliveryOutcome::rejected(RejectCode::Encoding, reason)))
            }
        }
    }
    if upload.items.is_empty() {
        return upload;
    }
    match write_csv(&columns, &rows) {
        Ok(csv) => upload.csv = csv,
        Err(_) => {
            // Writing to memory does not fail; if it ever did, no item may go unanswered.
            let refused = upload.items.drain(..).map(|index| {
                (
                    index,
                    DeliveryOutcome::rejected(RejectCode::Encoding, "records could not be written as CSV"),
                )
            });
            upload.refused.extend(refused);
        }
    }
    upload
}

fn write_csv(columns: &[String], rows: &[HashMap<String, String>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(columns)?;
    for row in rows {
        writer.write_record(columns.iter().map(|c| row.get(c).map(String::as_str).unwrap_or_default()))?;
    }
    writer.into_inner().map_err(|err| err.into_error().into())
}

/// One record's cells by column. Reasons name fields, never values.
fn flatten(record: &Map<String, Value>) -> Result<HashMap<String, String>, String> {
    let mut cells = HashMap::new();
    for (name, value) in record {
        if name == "attributes" {
            continue;
        }
        match value {
            Value::Object(lookup) => {
                let mut keys = lookup.iter().filter(|(key, _)| key.as_str() != "attributes");
                let (Some((field, key)), None) = (keys.next(), keys.next()) else {
                    return Err(format!(
                        "{name}: a lookup names exactly one external id field and its value"
                    ));
                };
                let Some(cell) = scalar(key) else {
                    return Err(format!("{name}.{field}: a lookup's external id must be text or a number"));
                };
                cells.insert(format!("{}.{field}", relationship_name(name)), cell);
            }
            Value::Array(_) => return Err(format!("{name}: a list cannot be sent through Bulk API CSV")),
            other => {
                cells.insert(name.clone(), scalar(other).unwrap_or_else(|| NULL_CELL.to_owned()));
            }
        }
    }
    Ok(cells)
}

/// A cell value; `None` for null, objects and lists. Empty text clears the field, as in JSON.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if text.is_empty() => Some(NULL_CELL.to_owned()),
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A custom lookup written as its field (`Contact__c`) is named by its relationship in CSV
/// (`Contact__r`); relationship names pass through.
fn relationship_name(name: &str) -> String {
    match name.strip_suffix("__c") {
        Some(stem) => format!("{stem}__r"),
        None => name.to_owned(),
    }
}

/// A job's results, keyed by the external id value of each row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobResults {
    /// External id -> `sf__Id`.
    pub succeeded: HashMap<String, String>,
    /// External id -> the errors of `sf__Error`.
    pub failed: HashMap<String, Vec<RecordError>>,
    pub unprocessed: HashSet<String>,
}

/// Why a result file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultsError {
    #[error("Bulk result file is not readable CSV at row {row}")]
    Csv { row: usize },
    #[error("Bulk result file has no {0} column")]
    MissingColumn(String),
}

/// Which result file a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFile {
    Successful,
    Failed,
    Unprocessed,
}

impl JobResults {
    /// Adds one result file (comma-delimited; the adapter's jobs are created so).
    pub fn read(
        &mut self,
        file: ResultFile,
        body: &[u8],
        external_id_field: &str,
    ) -> Result<(), ResultsError> {
        let mut reader = csv::ReaderBuilder::new().from_reader(body);
        let header = reader.headers().map_err(|_| ResultsError::Csv { row: 1 })?.clone();
        let column = |name: &str| {
            header
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
                .ok_or_else(|| ResultsError::MissingColumn(name.to_owned()))
        };
        let key = column(external_id_field)?;
        let (id, error) = match file {
            ResultFile::Successful => (Some(column("sf__Id")?), None),
            ResultFile::Failed => (None, Some(column("sf__Error")?)),
            ResultFile::Unprocessed => (None, None),
        };
        for (index, row) in reader.records().enumerate() {
            let row = row.map_err(|_| ResultsError::Csv { row: index + 2 })?;
            let mut record = Map::new();
            record.insert(
                external_id_field.to_owned(),
                Value::String(row.get(key).unwrap_or_default().to_owned()),
            );
            let Some(value) = external_id_key(&record, external_id_field) else {
                continue; // a row without its key cannot be matched; its item retries
            };
            match file {
                ResultFile::Successful => {
                    let sf_id = id.and_then(|i| row.get(i)).unwrap_or_default().to_owned();
                    self.succeeded.insert(value, sf_id);
                }
                ResultFile::Failed => {
                    let text = error.and_then(|i| row.get(i)).unwrap_or_default();
                    self.failed.insert(value, parse_error_column(text));
                }
                ResultFile::Unprocessed => {
                    self.unprocessed.insert(value);
                }
            }
        }
        Ok(())
    }
}

/// `sf__Error`: one or more `CODE:message:fields --`.
pub fn parse_error_column(text: &str) -> Vec<RecordError> {
    text.split(" --")
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let part = part.strip_suffix("--").unwrap_or(part).trim_end();
            let (code, rest) = part.split_once(':').unwrap_or((part, ""));
            let (message, fields) = match rest.rsplit_once(':') {
                Some((message, fields)) => (message, fields),
                None => (rest, ""),
            };
            RecordError {
                status_code: code.trim().to_owned(),
                message: message.trim().to_owned(),
                fields: fields
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn records_become_one_csv_with_lookups_flattened_and_values_escaped() {
        let records = [
            map(json!({"attributes": {"type": "Enrollment__c"}, "Legacy_Id__c": "e1",
                "Contact__c": {"Platform_User_Id__c": "u-1"}, "Course_Code__c": "A, \"B\"", "Price__c": 49.5})),
            map(json!({"Legacy_Id__c": 7, "Contact__r": {"Legacy_Id__c": "c2"}, "Partner_Code__c": null,
                "Bundle_Code__c": "", "Active__c": true})),
            map(json!({"Legacy_Id__c": "e3", "Tags__c": ["a"]})),
        ];
        let upload = build_upload(&[4, 5, 6], &records, "Legacy_Id__c");
        assert_eq!(upload.items, [4, 5]);
        assert_eq!(upload.refused.len(), 1);
        assert_eq!(upload.refused[0].0, 6);
        assert!(upload.refused[0].1.reason().unwrap().starts_with("Tags__c"));
        let mut reader = csv::Reader::from_reader(upload.csv.as_slice());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header[0], "Legacy_Id__c");
        let rows: Vec<HashMap<String, String>> = reader
            .records()
            .map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect())
            .collect();
        assert_eq!(rows[0]["Contact__r.Platform_User_Id__c"], "u-1");
        assert_eq!(rows[0]["Course_Code__c"], "A, \"B\"");
        assert_eq!(rows[0]["Price__c"], "49.5");
        assert_eq!(rows[0]["Partner_Code__c"], "", "a column a record does not set stays empty");
        assert_eq!(rows[1]["Legacy_Id__c"], "7");
        assert_eq!(rows[1]["Contact__r.Legacy_Id__c"], "c2");
        assert_eq!(
            (rows[1]["Partner_Code__c"].as_str(), rows[1]["Bundle_Code__c"].as_str()),
            (NULL_CELL, NULL_CELL)
        );
        assert_eq!(rows[1]["Active__c"], "true");
    }

    #[test]
    fn result_files_are_keyed_by_external_id() {
        let mut results = JobResults::default();
        results
            .read(
                ResultFile::Successful,
                b"sf__Id,sf__Created,Legacy_Id__c,LastName\n003A,true,c1,Doe\n",
                "Legacy_Id__c",
            )
            .unwrap();
        results
            .read(
                ResultFile::Failed,
                b"sf__Id,sf__Error,Legacy_Id__c\n,\"REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --\",c2\n",
                "Legacy_Id__c",
            )
            .unwrap();
        results.read(ResultFile::Unprocessed, b"Legacy_Id__c\nc3\n", "Legacy_Id__c").unwrap();
        assert_eq!(results.succeeded["c1"], "003A");
        assert_eq!(results.failed["c2"][0].status_code, "REQUIRED_FIELD_MISSING");
        assert_eq!(results.failed["c2"][0].fields, ["LastName"]);
        assert!(results.unprocessed.contains("c3"));
        let err = results.read(ResultFile::Successful, b"sf__Id,Name\n1,x\n", "Legacy_Id__c").unwrap_err();
        assert_eq!(err, ResultsError::MissingColumn("Legacy_Id__c".into()));
    }

    #[test]
    fn error_columns_hold_one_or_more_errors() {
        let errors = parse_error_column(
            "FIELD_CUSTOM_VALIDATION_EXCEPTION:Price: cannot be negative.:Price__c -- UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record: --",
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].status_code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
        assert_eq!(errors[0].message, "Price: cannot be negative.");
        assert_eq!(errors[0].fields, ["Price__c"]);
        assert_eq!(errors[1].status_code, "UNABLE_TO_LOCK_ROW");
        assert!(errors[1].fields.is_empty());
        assert_eq!(
            parse_error_column("DUPLICATES_DETECTED:Use one of these records?:--")[0].message,
            "Use one of these records?"
        );
    }
}
