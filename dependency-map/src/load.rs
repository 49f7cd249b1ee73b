//! Reads the map's YAML files (several entities per file) into a `DependencyMap`, collecting
//! every unusable file, document and entity as a finding rather than stopping at the first.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_norway::Value;
use switchyard_contracts::{Finding, SystemId};

use crate::entity::{Entity, EntityRef};
use crate::map::DependencyMap;
use crate::parse::DocumentReader;
use crate::rules;

/// Reads every `*.yaml` / `*.yml` file under `root` (or `root` itself when it is a file).
pub(crate) fn load(root: &Path) -> Result<DependencyMap, Vec<Finding>> {
    let mut findings = Vec::new();
    let files = if root.is_file() {
        vec![root.to_path_buf()]
    } else if root.is_dir() {
        let mut files = Vec::new();
        collect_yaml_files(root, &mut files, &mut findings);
        files.sort();
        files
    } else {
        return Err(vec![Finding::error(root, "", rules::IO, "the map directory does not exist")]);
    };
    if files.is_empty() && findings.is_empty() {
        findings.push(Finding::error(root, "", rules::IO, "no .yaml or .yml files here"));
    }
    let base = if root.is_file() { root.parent().unwrap_or(root) } else { root };
    let mut sources = Vec::new();
    for file in files {
        let relative = file.strip_prefix(base).unwrap_or(&file).to_path_buf();
        match fs::read(&file).map(String::from_utf8) {
            Ok(Ok(text)) => sources.push((relative, text)),
            Ok(Err(err)) => findings.push(Finding::error(
                relative,
                "",
                rules::IO,
                format!("not UTF-8 (byte {})", err.utf8_error().valid_up_to()),
            )),
            Err(err) => findings.push(Finding::error(relative, "", rules::IO, format!("cannot read: {err}"))),
        }
    }
    match from_sources(root, sources) {
        Ok(map) if findings.is_empty() => Ok(map),
        Ok(_) => Err(findings),
        Err(more) => {
            findings.extend(more);
            Err(findings)
        }
    }
}

fn collect_yaml_files(dir: &Path, files: &mut Vec<PathBuf>, findings: &mut Vec<Finding>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            findings.push(Finding::error(dir, "", rules::IO, format!("cannot list: {err}")));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml_files(&path, files, findings);
        } else if path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml") {
            files.push(path);
        }
    }
}

/// Builds a map from file contents (`(path relative to root, text)`), without IO.
pub(crate) fn from_sources(
    root: &Path,
    sources: impl IntoIterator<Item = (PathBuf, String)>,
) -> Result<DependencyMap, Vec<Finding>> {
    let mut findings = Vec::new();
    let mut entities: BTreeMap<EntityRef, Entity> = BTreeMap::new();
    for (file, text) in sources {
        for entity in read_file(&file, &text, &mut findings) {
            if let Some(first) = entities.get(&entity.entity_ref) {
                let message =
                    format!("`{}` is already defined in {}", entity.entity_ref, first.file.display());
                findings.push(Finding::error(
                    &file,
                    entity.place("metadata.name"),
                    rules::DUPLICATE_ENTITY,
                    message,
                ));
                continue;
            }
            entities.insert(entity.entity_ref.clone(), entity);
        }
    }
    check_delivery_names(&entities, &mut findings);
    if findings.iter().any(Finding::is_error) {
        return Err(findings);
    }
    Ok(DependencyMap::new(root.to_path_buf(), entities, findings))
}

/// The catalog joins on a delivery target's name, so two of them may not share it.
fn check_delivery_names(entities: &BTreeMap<EntityRef, Entity>, findings: &mut Vec<Finding>) {
    let mut by_system: BTreeMap<&SystemId, &Entity> = BTreeMap::new();
    for entity in entities.values() {
        let Some(delivery) = &entity.delivery else { continue };
        if let Some(first) = by_system.insert(&delivery.system, entity) {
            let message = format!(
                "`{}` and `{}` ({}) are both delivery targets named `{}`; the catalog's system \
                 id must name exactly one",
                entity.entity_ref,
                first.entity_ref,
                first.file.display(),
                delivery.system
            );
            findings.push(Finding::error(
                &entity.file,
                entity.place("metadata.name"),
                rules::DUPLICATE_ENTITY,
                message,
            ));
        }
    }
}

/// Every document of one file; syntax errors end the file (the parser cannot resynchronise).
fn read_file(file: &Path, text: &str, findings: &mut Vec<Finding>) -> Vec<Entity> {
    let mut entities = Vec::new();
    for (index, document) in serde_norway::Deserializer::from_str(text).enumerate() {
        let mut value = match Value::deserialize(document) {
            Ok(value) => value,
            Err(err) => {
                findings.push(yaml_finding(file, index + 1, &err));
                break;
            }
        };
        if let Err(err) = value.apply_merge() {
            findings.push(yaml_finding(file, index + 1, &err));
            continue;
        }
        if value.is_null() {
            continue; // an empty document, e.g. after a trailing `---`
        }
        entities.extend(DocumentReader::new(file, index + 1, findings).read(&value));
    }
    entities
}

fn yaml_finding(file: &Path, document: usize, err: &serde_norway::Error) -> Finding {
    let place = match err.location() {
        Some(location) => {
            format!("document {document}, line {}, column {}", location.line(), location.column())
        }
        None => format!("document {document}"),
    };
    Finding::error(file, place, rules::YAML, format!("not valid YAML: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
        files.iter().map(|(name, text)| (PathBuf::from(name), (*text).to_owned())).collect()
    }

    #[test]
    fn every_broken_file_is_reported_not_just_the_first() {
        let err = from_sources(
            Path::new("map"),
            sources(&[
                ("a.yaml", "kind: [unclosed\n"),
                ("b.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Sytem\nmetadata: {name: x}\n"),
            ]),
        )
        .unwrap_err();
        let rules: Vec<(&str, &str)> =
            err.iter().map(|f| (f.file.to_str().unwrap_or_default(), f.rule)).collect();
        assert_eq!(rules, [("a.yaml", rules::YAML), ("b.yaml", rules::UNKNOWN_KIND)]);
        assert_eq!(err[0].place, "document 1, line 2, column 1");
        assert!(err[0].message.starts_with("not valid YAML"), "{}", err[0].message);
    }

    #[test]
    fn empty_documents_are_skipped() {
        let map = from_sources(
            Path::new("map"),
            sources(&[(
                "a.yaml",
                "---\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\n---\n",
            )]),
        )
        .unwrap();
        assert_eq!(map.entities().count(), 1);
    }
}
