//! The org's records: one indexed table per object (`table`), upsert by external id (the rules from `validation`, then lookups and uniqueness against
//! what is stored), and an undo log so an all-or-none request can roll back.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::ids;
use super::org_config::{FieldConfig, ObjectConfig, OrgConfig};
use super::org_rules;
pub use super::table::StoredRecord;
use super::table::{ObjectTable, duplicate_key, exact_key};
use super::validation::{PendingReference, ReferenceKey, WriteMode, check_record, is_id_shaped};
use super::wire_errors::RecordError;

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created { id: String },
    Updated { id: String },
}

/// Why an upsert changed nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum UpsertFailure {
    /// The record broke the org's rules.
    Rejected(Vec<RecordError>),
    /// Several records share the external id value (HTTP 300 for a single upsert).
    MultipleMatches(Vec<String>),
}

/// Which record a write targets.
#[derive(Debug, Clone, Copy)]
pub enum WriteKey<'a> {
    /// Upsert: the record whose external id field holds `value`, or a new one.
    ExternalId { field: &'a FieldConfig, value: &'a str },
    /// Insert: always a new record.
    New,
    /// Update: the record with this id, which must exist.
    Id(&'a str),
}

/// How to take one applied upsert back.
#[derive(Debug, Clone)]
pub struct Undo {
    object: String,
    position: usize,
    /// The record before an update; `None` for an insert.
    previous: Option<StoredRecord>,
}

/// All records of one org.
#[derive(Debug)]
pub struct OrgStore {
    org: Arc<OrgConfig>,
    tables: HashMap<String, ObjectTable>,
    next_serial: u64,
}

impl OrgStore {
    pub fn new(org: Arc<OrgConfig>) -> Self {
        let mut store = Self { org, tables: HashMap::new(), next_serial: 1 };
        store.clear();
        store
    }

    /// Drops every record.
    pub fn clear(&mut self) {
        let org = Arc::clone(&self.org);
        self.tables =
            org.objects.iter().map(|object| (object.name.clone(), ObjectTable::new(&org, object))).collect();
    }

    /// Drops every record of one object (a log object cleared, say); returns how many.
    pub fn clear_object(&mut self, object: &str) -> usize {
        let org = Arc::clone(&self.org);
        let Some(config) = org.object(object) else { return 0 };
        let table = ObjectTable::new(&org, config);
        self.tables.insert(config.name.clone(), table).map_or(0, |old| old.records.len())
    }

    /// The records of an object, oldest first (empty for an unknown object).
    pub fn records(&self, object: &str) -> &[StoredRecord] {
        self.org
            .object(object)
            .and_then(|o| self.tables.get(&o.name))
            .map(|t| t.records.as_slice())
            .unwrap_or_default()
    }

    /// Record counts per object.
    pub fn counts(&self) -> HashMap<String, usize> {
        self.tables.iter().map(|(name, table)| (name.clone(), table.records.len())).collect()
    }

    /// The table of an object.
    pub fn table(&self, object: &str) -> Option<&ObjectTable> {
        self.tables.get(&self.org.object(object)?.name)
    }

    /// Ids of the records whose `field` equals `value` exactly.
    pub fn find_ids(&self, object: &ObjectConfig, field: &FieldConfig, value: &str) -> Vec<String> {
        let Some(table) = self.tables.get(&object.name) else {
            return Vec::new();
        };
        let exact =
            |r: &&StoredRecord| r.values.get(&field.name).and_then(exact_key).as_deref() == Some(value);
        match table.candidates(&field.name, value) {
            Some(positions) => {
                positions.iter().map(|p| &table.records[*p]).filter(exact).map(|r| r.id.clone()).collect()
            }
            None => table.records.iter().filter(exact).map(|r| r.id.clone()).collect(),
        }
    }

    /// Whether a record other than `own_id` matches duplicate rule `rule` of `object` on
    /// `values`; `None` when the rule has no index on the object.
    pub fn duplicate_exists(
        &self,
        object: &ObjectConfig,
        rule: &str,
        values: &Map<String, Value>,
        own_id: Option<&str>,
    ) -> Option<bool> {
        let table = self.tables.get(&object.name)?;
        let fields = table.duplicate_fields(rule)?;
        let field_of = |f: &String| values.iter().find(|(k, _)| k.eq_ignore_ascii_case(f)).map(|(_, v)| v);
        let Some(key) = duplicate_key(fields.iter().map(field_of)) else {
            return Some(false);
        };
        let positions = table.duplicate_candidates(rule, &key)?;
        Some(positions.iter().any(|p| Some(table.records[*p].id.as_str()) != own_id))
    }

    /// Upserts one record of `object` by `ext_field` = `ext_value`.
    pub fn upsert(
        &mut self,
        object: &ObjectConfig,
        ext_field: &FieldConfig,
        ext_value: &str,
        body: &Map<String, Value>,
    ) -> Result<(UpsertOutcome, Undo), UpsertFailure> {
        self.write(object, WriteKey::ExternalId { field: ext_field, value: ext_value }, body)
    }

    /// Creates one record of `object` (`POST /sobjects/{Object}`), with every rule an upsert has.
    pub fn insert(
        &mut self,
        object: &ObjectConfig,
        body: &Map<String, Value>,
    ) -> Result<(UpsertOutcome, Undo), UpsertFailure> {
        self.write(object, WriteKey::New, body)
    }

    /// Writes one record of `object`: the one `key` names (upsert, update) or a new one (insert).
    pub fn write(
        &mut self,
        object: &ObjectConfig,
        key: WriteKey<'_>,
        body: &Map<String, Value>,
    ) -> Result<(UpsertOutcome, Undo), UpsertFailure> {
        let existing = match key {
            WriteKey::ExternalId { field, value } => {
                let matches = self.find_ids(object, field, value);
                if matches.len() > 1 {
                    return Err(UpsertFailure::MultipleMatches(matches));
                }
                matches.into_iter().next()
            }
            WriteKey::New => None,
            WriteKey::Id(id) => Some(self.existing_id(object, id)?),
        };
        let mode = if existing.is_some() { WriteMode::Update } else { WriteMode::Insert };
        let mut body = body.clone();
        if let (WriteMode::Insert, WriteKey::ExternalId { field, value }) = (mode, key) {
            body.retain(|k, _| !k.eq_ignore_ascii_case(&field.name));
            body.insert(field.name.clone(), Value::String(value.to_owned()));
        }
        let mut checked = check_record(object, &body, mode).map_err(UpsertFailure::Rejected)?;
        let mut errors = Vec::new();
        for reference in &checked.references {
            match self.resolve(reference) {
                Ok(id) => {
                    checked.values.insert(reference.field.clone(), Value::String(id));
                }
                Err(err) => errors.push(err),
            }
        }
        errors.extend(self.duplicate_values(object, &checked.values, existing.as_deref()));
        if !errors.is_empty() {
            return Err(UpsertFailure::Rejected(errors));
        }
        // Validation rules, then duplicate rules, see the record as it would be saved.
        let own_id = existing.as_deref();
        // A new record is saved as it was checked: no copy of it to look at.
        let stored = own_id.and_then(|id| self.record_by_id(&object.name, id)).map(|record| {
            let mut merged = record.values.clone();
            merged.extend(checked.values.clone());
            merged
        });
        let merged = stored.as_ref().unwrap_or(&checked.values);
        let org = Arc::clone(&self.org);
        let mut errors = org_rules::validation_errors(self, &org, object, merged, own_id);
        if errors.is_empty() {
            errors = org_rules::duplicate_errors(self, &org, object, merged, own_id);
        }
        if !errors.is_empty() {
            return Err(UpsertFailure::Rejected(errors));
        }
        Ok(self.apply(object, existing, checked.values))
    }

    /// The stored id of the record an update names, or the error Salesforce gives.
    fn existing_id(&self, object: &ObjectConfig, id: &str) -> Result<String, UpsertFailure> {
        let fields = vec!["Id".to_owned()];
        if !is_id_shaped(id) {
            return Err(UpsertFailure::Rejected(vec![RecordError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {id}", object.name),
                fields,
            )]));
        }
        match self.record_by_id(&object.name, id) {
            Some(record) => Ok(record.id.clone()),
            None => Err(UpsertFailure::Rejected(vec![RecordError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                fields,
            )])),
        }
    }

    /// The record of `object` with this id (15 or 18 characters).
    pub fn record_by_id(&self, object: &str, id: &str) -> Option<&StoredRecord> {
        let table = self.tables.get(&self.org.object(object)?.name)?;
        let position = table.by_id.get(id.get(..15)?)?;
        table.records.get(*position)
    }

    /// Creates a record as an automation does (system mode: no field rules; the caller's
    /// values come from the checked org config).
    pub fn insert_system(&mut self, object: &ObjectConfig, values: Map<String, Value>) -> (String, Undo) {
        let (outcome, undo) = self.apply(object, None, values);
        let (UpsertOutcome::Created { id } | UpsertOutcome::Updated { id }) = outcome;
        (id, undo)
    }

    /// Sets fields on an existing record as an automation does; `None` if there is no such record.
    pub fn update_system(
        &mut self,
        object: &ObjectConfig,
        id: &str,
        values: Map<String, Value>,
    ) -> Option<Undo> {
        self.record_by_id(&object.name, id)?;
        Some(self.apply(object, Some(id.to_owned()), values).1)
    }

    fn apply(
        &mut self,
        object: &ObjectConfig,
        existing: Option<String>,
        values: Map<String, Value>,
    ) -> (UpsertOutcome, Undo) {
        let serial = self.next_serial;
        let table = self.tables.entry(object.name.clone()).or_default();
        let found = existing.as_ref().and_then(|id| table.by_id.get(&id[..15]).copied());
        match found {
            Some(position) => {
                let previous = table.records[position].clone();
                let id = previous.id.clone();
                table.index_record(position, false);
                table.records[position].values.extend(values);
                table.index_record(position, true);
                let undo = Undo { object: object.name.clone(), position, previous: Some(previous) };
                (UpsertOutcome::Updated { id }, undo)
            }
            None => {
                self.next_serial += 1;
                let id = ids::record_id(&object.key_prefix, serial);
                let position = table.records.len();
                table.by_id.insert(id[..15].to_owned(), position);
                table.records.push(StoredRecord { id: id.clone(), values });
                table.index_record(position, true);
                let undo = Undo { object: object.name.clone(), position, previous: None };
                (UpsertOutcome::Created { id }, undo)
            }
        }
    }

    /// Takes back upserts, most recent first.
    pub fn undo(&mut self, undos: Vec<Undo>) {
        for undo in undos.into_iter().rev() {
            let Some(table) = self.tables.get_mut(&undo.object) else {
                continue;
            };
            table.index_record(undo.position, false);
            match undo.previous {
                Some(previous) => {
                    table.records[undo.position] = previous;
                    table.index_record(undo.position, true);
                }
                None => {
                    // Inserts are undone newest first, so this is always the last record.
                    if let Some(record) = table.records.pop() {
                        table.by_id.remove(&record.id[..15]);
                    }
                }
            }
        }
    }

    fn resolve(&self, reference: &PendingReference) -> Result<String, RecordError> {
        let fields = vec![reference.field.clone()];
        let targets = reference.reference_to.iter().filter_map(|name| self.org.object(name));
        match &reference.key {
            ReferenceKey::Id(id) => {
                let found = targets
                    .filter(|t| is_id_shaped(id) && id.starts_with(&t.key_prefix))
                    .filter_map(|t| self.tables.get(&t.name))
                    .find_map(|table| table.by_id.get(&id[..15]).map(|p| table.records[*p].id.clone()));
                found.ok_or_else(|| {
                    RecordError::new(
                        "INVALID_CROSS_REFERENCE_KEY",
                        format!("invalid cross reference id: {id}"),
                        fields,
                    )
                })
            }
            ReferenceKey::ExternalId { field, value } => {
                let mut last_error = None;
                for target in targets {
                    let Some(ext) = target.field(field).filter(|f| f.external_id) else {
                        last_error = Some(RecordError::new(
                            "INVALID_FIELD",
                            format!("Field {field} is not an external id field of {}", target.name),
                            fields.clone(),
                        ));
                        continue;
                    };
                    let ids = self.find_ids(target, ext, value);
                    match ids.as_slice() {
                        [id] => return Ok(id.clone()),
                        [] => {
                            last_error = Some(RecordError::new(
                                "INVALID_CROSS_REFERENCE_KEY",
                                format!(
                                    "Foreign key external ID: {value} not found for field {} in entity {}",
                                    ext.name, target.name
                                ),
                                fields.clone(),
                            ))
                        }
                        _ => {
                            last_error = Some(RecordError::new(
                                "DUPLICATE_EXTERNAL_ID",
                                format!(
                                    "Foreign key external ID: {value} matched more than one record for field {} in entity {}",
                                    ext.name, target.name
                                ),
                                fields.clone(),
                            ))
                        }
                    }
                }
                Err(last_error.unwrap_or_else(|| {
                    RecordError::new("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", fields)
                }))
            }
        }
    }

    fn duplicate_values(
        &self,
        object: &ObjectConfig,
        values: &Map<String, Value>,
        own_id: Option<&str>,
    ) -> Vec<RecordError> {
        object
            .fields
            .iter()
            .filter(|f| f.unique)
            .filter_map(|field| {
                let value = values.get(&field.name).and_then(exact_key)?;
                let other = self
                    .find_ids(object, field, &value)
                    .into_iter()
                    .find(|id| Some(id.as_str()) != own_id)?;
                Some(RecordError::new(
                    "DUPLICATE_VALUE",
                    format!(
                        "duplicate value found: {} duplicates value on record with id: {other}",
                        field.name
                    ),
                    vec![field.name.clone()],
                ))
            })
            .collect()
    }
}
