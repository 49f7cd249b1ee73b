//! Reading a legacy CSV that may be broken: every row that cannot be read as the header says
//! (missing or extra fields, bytes that are not UTF-8, a cut-off file) is reported with file,
//! line and reason and counted; the reading goes on with the next row.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use csv::{ByteRecord, StringRecord};
use serde::Serialize;

/// One row that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    pub file: String,
    /// The line the row starts on (1 is the header).
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot open {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: no header line (empty file)", path.display())]
    Empty { path: PathBuf },
    #[error("{}: the header is not readable CSV", path.display())]
    Header {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("{}: the header is not UTF-8 (a legacy encoding such as Latin-1?)", path.display())]
    HeaderEncoding { path: PathBuf },
}

/// An open legacy CSV, positioned after its header.
#[derive(Debug)]
pub struct LegacyCsv {
    pub path: PathBuf,
    pub header: Vec<String>,
    reader: csv::Reader<BufReader<File>>,
}

impl LegacyCsv {
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|source| ReadError::Open { path: path.to_owned(), source })?;
        // Flexible: rows with too few or too many fields are ours to report, not a stop.
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(BufReader::new(file));
        let header =
            reader.byte_headers().map_err(|source| ReadError::Header { path: path.to_owned(), source })?;
        if header.is_empty() {
            return Err(ReadError::Empty { path: path.to_owned() });
        }
        let header = StringRecord::from_byte_record(header.clone())
            .map_err(|_| ReadError::HeaderEncoding { path: path.to_owned() })?;
        // Spreadsheet tools save a UTF-8 byte order mark before the first column's name.
        let header =
            header.iter().map(|name| name.trim_start_matches('\u{feff}').trim().to_owned()).collect();
        Ok(Self { path: path.to_owned(), header, reader })
    }

    /// Calls `row` with each readable row and its line; pushes every other row to `bad`.
    pub fn for_each_row(mut self, bad: &mut Vec<BadRow>, mut row: impl FnMut(u64, &StringRecord)) -> u64 {
        let file = self.path.display().to_string();
        let expected = self.header.len();
        let mut record = ByteRecord::new();
        let mut rows = 0;
        loop {
            match self.reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(err) => {
                    let line = err.position().map(|p| p.line()).unwrap_or(0);
                    bad.push(BadRow { file: file.clone(), line, reason: format!("unreadable CSV: {err}") });
                    // An I/O error will not go away on the next read.
                    if matches!(err.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            rows += 1;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.len() != expected {
                let why = if record.len() < expected {
                    "missing fields (a truncated row?)"
                } else {
                    "extra fields (an unquoted comma?)"
                };
                bad.push(BadRow {
                    file: file.clone(),
                    line,
                    reason: format!(
                        "expected {expected} fields as the header has, found {}: {why}",
                        record.len()
                    ),
                });
                continue;
            }
            match StringRecord::from_byte_record(record.clone()) {
                Ok(text) => row(line, &text),
                Err(err) => {
                    let column = err.utf8_error().field();
                    let name = self.header.get(column).map(String::as_str).unwrap_or("?");
                    bad.push(BadRow {
                        file: file.clone(),
                        line,
                        reason: format!(
                            "column `{name}` is not UTF-8 (byte {} of the field; a legacy encoding such as Latin-1?)",
                            err.utf8_error().valid_up_to()
                        ),
                    });
                }
            }
        }
        rows
    }
}

/// Where each named column is in a header (`None` when the file lacks it).
pub fn column_indices<const N: usize>(header: &[String], names: [&str; N]) -> [Option<usize>; N] {
    names.map(|name| header.iter().position(|column| column == name))
}

/// The field at `index`, or "" when the file has no such column.
pub fn field(record: &StringRecord, index: Option<usize>) -> &str {
    index.and_then(|i| record.get(i)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn short_long_and_latin1_rows_are_reported_and_the_rest_is_read() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n\"x\xe9\",y,z\n10,11,12\n").unwrap();
        let csv = LegacyCsv::open(file.path()).unwrap();
        let mut bad = Vec::new();
        let mut good = Vec::new();
        let rows =
            csv.for_each_row(&mut bad, |line, record| good.push((line, record.get(0).unwrap().to_owned())));
        assert_eq!(rows, 5);
        assert_eq!(good, vec![(2, "1".to_owned()), (6, "10".to_owned())]);
        let lines: Vec<u64> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(bad[2].reason.contains("column `a` is not UTF-8"), "{}", bad[2].reason);
    }
}
