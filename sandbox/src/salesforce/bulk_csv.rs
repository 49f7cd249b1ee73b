//! The CSV of Bulk API 2.0 ingest jobs: reading an upload with the job's delimiter and line
//! ending, checking its header against the object, turning a row into the same record body a
//! JSON client sends (`Contact__r.Legacy_Id__c` becomes `{"Contact__r":{"Legacy_Id__c":..}}`,
//! `#N/A` clears a field, an empty cell leaves it alone), and writing the result CSVs.

use serde_json::{Map, Value};

use super::bulk_job::{ColumnDelimiter, LineEnding, Operation, RowResult};
use super::org_config::{FieldType, ObjectConfig};

/// The cell value that sets a field to null (an empty cell leaves the field unchanged).
pub const NULL_VALUE: &str = "#N/A";

/// An upload's header and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads an upload. Errors are the job's `errorMessage`, worded as Salesforce words them.
pub fn read_upload(
    data: &[u8],
    delimiter: ColumnDelimiter,
    line_ending: LineEnding,
) -> Result<Upload, String> {
    if let Some(first_end) = data.iter().position(|b| *b == b'\n') {
        let crlf = first_end > 0 && data[first_end - 1] == b'\r';
        if crlf != (line_ending == LineEnding::Crlf) {
            let setting = if line_ending == LineEnding::Crlf { "CRLF" } else { "LF" };
            return Err(format!(
                "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {setting}"
            ));
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.byte())
        .terminator(match line_ending {
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
            LineEnding::Crlf => csv::Terminator::CRLF,
        })
        .has_headers(true)
        .from_reader(data);
    let header: Vec<String> = reader
        .headers()
        .map_err(|err| format!("InvalidBatch : Failed to parse CSV header: {err}"))?
        .iter()
        .map(|name| name.trim().to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("InvalidBatch : The CSV has no header row".into());
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        // Row 1 is the header, so data row `index` is line `index + 2`.
        let record =
            record.map_err(|err| format!("InvalidBatch : Failed to parse CSV row {}: {err}", index + 2))?;
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(Upload { header, rows })
}

/// Checks every header column names a field of `object` (or a lookup's relationship with its
/// target's field), and that the operation's key column is there.
pub fn check_header(
    header: &[String],
    object: &ObjectConfig,
    operation: Operation,
    external_id_field: Option<&str>,
) -> Result<(), String> {
    for column in header {
        let known = match column.split_once('.') {
            None => column.eq_ignore_ascii_case("Id") || object.field(column).is_some(),
            Some((relationship, _)) => relationship_field(object, relationship).is_some(),
        };
        if !known {
            return Err(format!("InvalidBatch : Field name not found : {column}"));
        }
    }
    let key = match operation {
        Operation::Update => Some("Id"),
        Operation::Upsert => external_id_field,
        Operation::Insert => None,
    };
    if let Some(key) = key
        && !header.iter().any(|column| column.eq_ignore_ascii_case(key))
    {
        return Err(format!("InvalidBatch : Field name not found : {key} (the {operation:?} key column)"));
    }
    Ok(())
}

/// The lookup a relationship name (`Contact__r`) stands for.
fn relationship_field<'a>(
    object: &'a ObjectConfig,
    relationship: &str,
) -> Option<&'a super::org_config::FieldConfig> {
    let stem = relationship.strip_suffix("__r").or_else(|| relationship.strip_suffix("__R"))?;
    object.field(&format!("{stem}__c")).filter(|field| field.field_type == FieldType::Reference)
}

/// The JSON record body of one row: what a Collections client would send for it.
pub fn row_to_record(header: &[String], row: &[String]) -> Map<String, Value> {
    let mut record = Map::new();
    for (column, cell) in header.iter().zip(row) {
        if cell.is_empty() {
            continue;
        }
        let value = if cell == NULL_VALUE { Value::Null } else { Value::String(cell.clone()) };
        match column.split_once('.') {
            Some((relationship, field)) => {
                let mut lookup = Map::new();
                lookup.insert(field.to_owned(), value);
                record.insert(relationship.to_owned(), Value::Object(lookup));
            }
            None => {
                record.insert(column.clone(), value);
            }
        }
    }
    record
}

/// The value of `column` in `row`, when it is set.
pub fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> Option<&'a str> {
    let position = header.iter().position(|name| name.eq_ignore_ascii_case(column))?;
    row.get(position).map(String::as_str).filter(|value| !value.is_empty() && *value != NULL_VALUE)
}

/// Which result file a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Successful,
    Failed,
    Unprocessed,
}

/// One result file, in the job's delimiter and line ending.
pub fn write_results(
    kind: ResultKind,
    header: &[String],
    rows: &[RowResult],
    unprocessed: &[Vec<String>],
    delimiter: ColumnDelimiter,
    line_ending: LineEnding,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter.byte())
        .terminator(match line_ending {
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
            LineEnding::Crlf => csv::Terminator::CRLF,
        })
        .from_writer(Vec::new());
    let prefix: &[&str] = match kind {
        ResultKind::Successful => &["sf__Id", "sf__Created"],
        ResultKind::Failed => &["sf__Id", "sf__Error"],
        ResultKind::Unprocessed => &[],
    };
    writer.write_record(prefix.iter().copied().chain(header.iter().map(String::as_str)))?;
    match kind {
        ResultKind::Successful => {
            for row in rows {
                if let RowResult::Succeeded { id, created, row } = row {
                    let created = if *created { "true" } else { "false" };
                    writer.write_record(
                        [id.as_str(), created].into_iter().chain(row.iter().map(String::as_str)),
                    )?;
                }
            }
        }
        ResultKind::Failed => {
            for row in rows {
                if let RowResult::Failed { id, error, row } = row {
                    writer.write_record(
                        [id.as_str(), error.as_str()].into_iter().chain(row.iter().map(String::as_str)),
                    )?;
                }
            }
        }
        ResultKind::Unprocessed => {
            for row in unprocessed {
                writer.write_record(row)?;
            }
        }
    }
    writer.into_inner().map_err(|err| err.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn uploads_are_read_with_the_jobs_delimiter_and_line_ending() {
        let upload = read_upload(b"A|B\r\n1|\"x|y\"\r\n", ColumnDelimiter::Pipe, LineEnding::Crlf).unwrap();
        assert_eq!(upload.header, strings(&["A", "B"]));
        assert_eq!(upload.rows, vec![strings(&["1", "x|y"])]);
        let err = read_upload(b"A,B\r\n1,2\r\n", ColumnDelimiter::Comma, LineEnding::Lf).unwrap_err();
        assert!(err.contains("LineEnding is invalid"), "{err}");
        let err = read_upload(b"A,B\n1,2,3\n", ColumnDelimiter::Comma, LineEnding::Lf).unwrap_err();
        assert!(err.contains("row 2"), "{err}");
    }

    #[test]
    fn rows_become_record_bodies_with_lookups_and_nulls() {
        let header =
            strings(&["Legacy_Id__c", "Contact__r.Legacy_Id__c", "Partner_Code__c", "Bundle_Code__c"]);
        let record = row_to_record(&header, &strings(&["e1", "c1", "#N/A", ""]));
        assert_eq!(
            Value::Object(record),
            serde_json::json!({"Legacy_Id__c": "e1", "Contact__r": {"Legacy_Id__c": "c1"}, "Partner_Code__c": null})
        );
    }

    #[test]
    fn results_start_with_their_sf_columns() {
        let header = strings(&["Legacy_Id__c", "LastName"]);
        let rows = vec![
            RowResult::Succeeded { id: "003A".into(), created: true, row: strings(&["1", "Doe, Jo"]) },
            RowResult::Failed { id: String::new(), error: "X:y: --".into(), row: strings(&["2", ""]) },
        ];
        let ok = write_results(
            ResultKind::Successful,
            &header,
            &rows,
            &[],
            ColumnDelimiter::Comma,
            LineEnding::Lf,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(ok).unwrap(),
            "sf__Id,sf__Created,Legacy_Id__c,LastName\n003A,true,1,\"Doe, Jo\"\n"
        );
        let failed =
            write_results(ResultKind::Failed, &header, &rows, &[], ColumnDelimiter::Comma, LineEnding::Lf)
                .unwrap();
        assert_eq!(
            String::from_utf8(failed).unwrap(),
            "sf__Id,sf__Error,Legacy_Id__c,LastName\n,X:y: --,2,\n"
        );
    }
}
