//! An org object read from describe JSON (what `GET /sobjects/{Object}/describe` returns), so
//! the CRM team can point the simulator at their real org's describe output instead of
//! listing fields by hand. Errors name the field and the rule; the caller adds the file.

use serde::Deserialize;
use serde_json::Value;

use super::org_config::{FieldConfig, FieldType, ObjectConfig};

/// The parts of a describe document the simulator plays; other keys are ignored, as a
/// real describe carries dozens.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeObject {
    name: String,
    key_prefix: Option<String>,
    fields: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeField {
    name: String,
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default)]
    length: u32,
    #[serde(default = "yes")]
    nillable: bool,
    #[serde(default = "yes")]
    createable: bool,
    #[serde(default = "yes")]
    updateable: bool,
    #[serde(default)]
    defaulted_on_create: bool,
    #[serde(default)]
    external_id: bool,
    #[serde(default)]
    unique: bool,
    #[serde(default)]
    picklist_values: Vec<PicklistValue>,
    #[serde(default)]
    restricted_picklist: bool,
    #[serde(default)]
    reference_to: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PicklistValue {
    value: String,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

/// Fills `object` (an org config entry with `describe = "..."`) from the describe `json`.
pub fn fill_from_describe(object: &mut ObjectConfig, json: &str) -> Result<(), String> {
    let described: DescribeObject =
        serde_json::from_str(json).map_err(|err| format!("not a describe document: {err}"))?;
    if !object.name.is_empty() && !object.name.eq_ignore_ascii_case(&described.name) {
        return Err(format!("describes {}, but the org config names it {}", described.name, object.name));
    }
    if !object.fields.is_empty() {
        return Err(format!("{}: give either fields or a describe file, not both", described.name));
    }
    let mut fields = Vec::with_capacity(described.fields.len());
    for (index, raw) in described.fields.iter().enumerate() {
        let field: DescribeField = serde_json::from_value(raw.clone()).map_err(|err| {
            let name = raw.get("name").and_then(Value::as_str).unwrap_or("?");
            format!("fields[{index}] ({name}): {err}")
        })?;
        // `Id` is implicit in every object the simulator plays.
        if field.field_type == "id" {
            continue;
        }
        // Read-only compound and system fields (`address`, `location`, `anyType`, ...) are
        // computed by Salesforce and never written by a client; the simulator leaves them out.
        if !field.createable && !field.updateable && !SUPPORTED_TYPES.contains(&field.field_type.as_str()) {
            tracing::debug!(object = %described.name, field = %field.name, "read-only field of an unplayed type left out");
            continue;
        }
        fields.push(field_config(field)?);
    }
    object.name = described.name;
    if object.key_prefix.is_empty() {
        object.key_prefix = described.key_prefix.unwrap_or_default();
    }
    object.fields = fields;
    Ok(())
}

/// The describe types the simulator plays (`FieldType`).
const SUPPORTED_TYPES: &[&str] = &[
    "string",
    "email",
    "picklist",
    "reference",
    "date",
    "datetime",
    "boolean",
    "double",
    "currency",
    "percent",
    "int",
    "textarea",
    "phone",
    "url",
];

fn field_config(field: DescribeField) -> Result<FieldConfig, String> {
    let field_type: FieldType =
        serde_json::from_value(Value::String(field.field_type.clone())).map_err(|_| {
            format!(
                "field {}: type {:?} is not one the simulator plays ({})",
                field.name,
                field.field_type,
                SUPPORTED_TYPES.join(", ")
            )
        })?;
    if field_type.is_text() && field.length == 0 {
        return Err(format!("field {}: a {} field needs a length above 0", field.name, field.field_type));
    }
    if field_type == FieldType::Reference && field.reference_to.is_empty() {
        return Err(format!("field {}: a reference needs referenceTo", field.name));
    }
    Ok(FieldConfig {
        name: field.name,
        field_type,
        length: field.length,
        nillable: field.nillable,
        createable: field.createable,
        updateable: field.updateable,
        defaulted_on_create: field.defaulted_on_create,
        external_id: field.external_id,
        unique: field.unique,
        picklist_values: field.picklist_values.into_iter().filter(|v| v.active).map(|v| v.value).collect(),
        restricted_picklist: field.restricted_picklist,
        reference_to: field.reference_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::org_config::OrgConfig;
    use crate::salesforce::read_api::describe_object;

    #[test]
    fn the_simulators_own_describe_loads_back_to_the_same_object() {
        let org = OrgConfig::e_learning();
        for object in &org.objects {
            let json = describe_object(object).to_string();
            let mut loaded = ObjectConfig {
                name: String::new(),
                key_prefix: String::new(),
                fields: Vec::new(),
                describe: Some("x.json".into()),
            };
            fill_from_describe(&mut loaded, &json).expect("own describe loads");
            assert_eq!(loaded.name, object.name);
            assert_eq!(loaded.key_prefix, object.key_prefix);
            assert_eq!(loaded.fields, object.fields, "{}", object.name);
        }
    }

    /// An org config naming `Contact` by a describe file written from `describe`.
    fn org_with_contact_describe(describe: &Value) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("describe")).expect("mkdir");
        std::fs::write(dir.path().join("describe/Contact.json"), describe.to_string()).expect("write");
        let config = dir.path().join("org.toml");
        std::fs::write(
            &config,
            "name = \"from-describe\"\n[[objects]]\ndescribe = \"describe/Contact.json\"\n",
        )
        .expect("write");
        (dir, config)
    }

    #[test]
    fn an_org_config_loads_an_object_from_a_describe_file_with_the_same_rules() {
        let shipped = OrgConfig::e_learning();
        let contact = shipped.object("Contact").expect("shipped");
        let (_dir, config) = org_with_contact_describe(&describe_object(contact));
        let org = OrgConfig::load(&config).expect("loads");
        let loaded = org.object("Contact").expect("Contact from the file");
        assert_eq!(loaded.key_prefix, "003");
        assert_eq!(loaded.fields, contact.fields);
        let last_name = loaded.field("LastName").expect("LastName");
        assert!(last_name.is_required() && last_name.length == 80);
        assert!(loaded.field("Legacy_Id__c").is_some_and(|f| f.external_id && f.unique));
    }

    #[test]
    fn read_only_fields_of_unplayed_types_are_left_out_and_phone_int_and_url_load() {
        let json = serde_json::json!({"name": "Contact", "keyPrefix": "003", "fields": [
            {"name": "Id", "type": "id", "length": 18, "nillable": false, "createable": false, "updateable": false},
            {"name": "MailingAddress", "type": "address", "createable": false, "updateable": false},
            {"name": "LastName", "type": "string", "length": 80, "nillable": false},
            {"name": "Phone", "type": "phone", "length": 40},
            {"name": "Website__c", "type": "url", "length": 255},
            {"name": "Seats__c", "type": "int"},
            {"name": "Share__c", "type": "percent"},
        ]});
        let blank = || ObjectConfig {
            name: String::new(),
            key_prefix: String::new(),
            fields: Vec::new(),
            describe: None,
        };
        let mut object = blank();
        fill_from_describe(&mut object, &json.to_string()).expect("loads");
        let names: Vec<&str> = object.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["LastName", "Phone", "Website__c", "Seats__c", "Share__c"]);
        // A writable field of a type the simulator cannot check is refused, not dropped.
        let writable =
            serde_json::json!({"name": "Contact", "fields": [{"name": "Location__c", "type": "location"}]});
        let err = fill_from_describe(&mut blank(), &writable.to_string()).unwrap_err();
        assert!(err.starts_with("field Location__c: type \"location\""), "{err}");
    }

    #[test]
    fn a_describe_file_with_a_bad_field_names_the_file_and_the_field() {
        let contact = OrgConfig::e_learning().object("Contact").cloned().expect("shipped");
        let mut describe = describe_object(&contact);
        describe["fields"][3]["type"] = Value::from("hologram");
        let bad_field = describe["fields"][3]["name"].as_str().expect("a name").to_owned();
        let (_dir, config) = org_with_contact_describe(&describe);
        let err = OrgConfig::load(&config).expect_err("refused").to_string();
        assert!(err.contains("describe/Contact.json"), "{err}");
        assert!(err.contains(&format!("field {bad_field}")) && err.contains("hologram"), "{err}");

        let mut describe = describe_object(&contact);
        describe["fields"][3]["length"] = Value::from(0);
        let (_dir, config) = org_with_contact_describe(&describe);
        let err = OrgConfig::load(&config).expect_err("refused").to_string();
        assert!(err.contains("Contact.json") && err.contains(&bad_field) && err.contains("length"), "{err}");
    }
}
