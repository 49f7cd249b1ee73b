//! Test support: a writable copy of the shipped catalog that a test can break on purpose.

use std::fs;
use std::path::{Path, PathBuf};

use switchyard_contracts::Catalog;
use tempfile::TempDir;

/// A copy of the shipped catalog in a temporary directory.
pub struct CatalogCopy {
    dir: TempDir,
}

impl CatalogCopy {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&Catalog::shipped_root(), dir.path());
        Self { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, contents).expect("write");
    }

    /// Sets one field of a mapping's `[fields]` table (replacing its expression, even a
    /// multi-line one, or appending the field).
    pub fn set_mapping_field(&self, mapping: &str, field: &str, expression: &str) {
        self.rewrite_mapping_field(mapping, field, Some(expression));
    }

    pub fn remove_mapping_field(&self, mapping: &str, field: &str) {
        self.rewrite_mapping_field(mapping, field, None);
    }

    fn rewrite_mapping_field(&self, mapping: &str, field: &str, expression: Option<&str>) {
        const QUOTES: &str = "'''";
        let path = self.path(mapping);
        let text = fs::read_to_string(&path).expect("read mapping");
        let assignment = |e: &str| format!("{field} = {QUOTES}{e}{QUOTES}");
        let mut lines: Vec<String> = Vec::new();
        let mut skipping = false;
        let mut replaced = false;
        for line in text.lines() {
            if skipping {
                // A multi-line value continues until its closing quotes.
                skipping = !line.contains(QUOTES);
                continue;
            }
            if line.starts_with(&format!("{field} = ")) {
                lines.extend(expression.map(assignment));
                replaced = true;
                skipping = line.matches(QUOTES).count() == 1;
                continue;
            }
            lines.push(line.to_owned());
        }
        if !replaced {
            lines.extend(expression.map(assignment));
        }
        fs::write(path, lines.join("\n") + "\n").expect("write mapping");
    }

    pub fn load(&self) -> Catalog {
        Catalog::load(self.root())
            .unwrap_or_else(|findings| panic!("catalog copy should load: {findings:#?}"))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}
