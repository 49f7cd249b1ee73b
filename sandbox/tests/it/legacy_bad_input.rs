//! Bad legacy input: each row that cannot be read is reported with file, line and reason and
//! counted, the rest of the file is read, and a file that is not an export is named, not fatal.

use std::io::Write;

use switchyard_sandbox::legacy::columns::customer_columns;

use super::legacy_helpers::profiled;

fn customer_line(email: &str, firstname: &str, extra_fields: usize) -> Vec<u8> {
    let columns = customer_columns();
    let mut fields: Vec<String> = columns
        .iter()
        .map(|c| match *c {
            "email" => email.to_owned(),
            "firstname" => firstname.to_owned(),
            "lastname" => "Lee".to_owned(),
            "entity_id" => email.split('@').next().unwrap_or_default().to_owned(),
            _ => String::new(),
        })
        .collect();
    fields.extend((0..extra_fields).map(|i| format!("x{i}")));
    let mut line = fields.join(",").into_bytes();
    line.push(b'\n');
    line
}

#[test]
fn bad_rows_are_reported_with_file_line_and_reason_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut header = customer_columns().join(",");
    header.push_str(",loyalty_tier\n"); // a custom attribute the format does not know
    file.write_all(header.as_bytes()).unwrap();
    file.write_all(&customer_line("ann1@gmail.com", "<i>Ann</i>", 1)).unwrap(); // line 2: fine
    file.write_all(b"short@gmail.com,base,default\n").unwrap(); // line 3: missing fields
    file.write_all(&customer_line("long@gmail.com", "Bo", 2)).unwrap(); // line 4: an extra field
    // Line 5: "José" saved in Latin-1 (é is the single byte 0xE9).
    let latin1: Vec<u8> = customer_line("jose@gmail.com", "Jos#", 1)
        .into_iter()
        .map(|b| if b == b'#' { 0xE9 } else { b })
        .collect();
    file.write_all(&latin1).unwrap();
    file.write_all(&customer_line("ann2@gmail.com", "<b>Ann</b>", 1)).unwrap(); // line 6: fine
    file.write_all(b"cut@gmail.com,base,\"unterminated").unwrap(); // line 7: cut off
    drop(file);
    let not_an_export = dir.path().join("orders.csv");
    std::fs::write(&not_an_export, "increment_id,grand_total\n1,2\n").unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();

    let report = profiled(&[path.clone(), not_an_export, empty], None);
    let lines: Vec<(u64, &str)> = report.bad_rows.iter().map(|b| (b.line, b.reason.as_str())).collect();
    assert_eq!(lines.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![3, 4, 5, 7], "{lines:?}");
    assert!(report.bad_rows.iter().all(|b| b.file == path.display().to_string()));
    assert!(lines[0].1.contains("missing fields"), "{}", lines[0].1);
    assert!(lines[1].1.contains("extra fields"), "{}", lines[1].1);
    assert!(lines[2].1.contains("`firstname` is not UTF-8"), "{}", lines[2].1);
    // The good rows on either side of the bad ones were read and profiled.
    assert_eq!(report.classes["name-html"], 2);
    let customers = &report.files[0];
    assert_eq!((customers.rows, customers.bad_rows), (6, 4));
    assert_eq!(customers.unknown_columns, vec!["loyalty_tier".to_owned()]);
    assert!(
        report.files[1].error.as_deref().is_some_and(|e| e.contains("matches none")),
        "{:?}",
        report.files[1]
    );
    assert!(report.files[2].error.as_deref().is_some_and(|e| e.contains("empty")), "{:?}", report.files[2]);
}

#[test]
fn a_missing_file_is_reported_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    let mut text = customer_columns().join(",");
    text.push('\n');
    text.push_str(&String::from_utf8(customer_line("ann1@gmail.com", "", 0)).unwrap());
    std::fs::write(&path, text).unwrap();
    let report = profiled(&[dir.path().join("nope.csv"), path], None);
    assert!(
        report.files[0].error.as_deref().is_some_and(|e| e.contains("cannot open")),
        "{:?}",
        report.files[0]
    );
    assert_eq!(report.classes["name-first-missing"], 1);
}
