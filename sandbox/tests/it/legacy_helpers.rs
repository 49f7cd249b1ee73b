//! Generating and profiling legacy exports in a temporary directory, as the CLI does.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use switchyard_sandbox::legacy::{
    FileKind, GenerateOptions, Manifest, ProfileOptions, ProfileReport, generate_into_dir, profile,
};

/// The fixed pseudonym key of these tests (a profile normally draws a random one).
pub const KEY: &[u8] = b"legacy-test-key";

pub fn export_files(dir: &Path) -> Vec<PathBuf> {
    [FileKind::Customers, FileKind::Addresses, FileKind::Enrollments]
        .iter()
        .map(|k| dir.join(k.file_name()))
        .collect()
}

pub fn generated(dir: &Path, options: &GenerateOptions) -> Manifest {
    generate_into_dir(options, dir).expect("generate")
}

pub fn profiled(files: &[PathBuf], out: Option<&Path>) -> ProfileReport {
    let options = ProfileOptions {
        key: KEY.to_vec(),
        sample_size: 50,
        out: out.map(Path::to_owned),
        today: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
    };
    profile(files, &options).expect("profile")
}

/// Every sample file's text under `out/samples`, with its name.
pub fn sample_texts(out: &Path) -> Vec<(String, String)> {
    let mut texts: Vec<_> = std::fs::read_dir(out.join("samples"))
        .expect("samples dir")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("sample is UTF-8"))
        })
        .collect();
    texts.sort();
    texts
}
