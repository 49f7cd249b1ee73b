//! Malformed catalog files are refused with the file, the place and the rule, never a panic,
//! and every malformed file is reported in one go.

use switchyard_contracts::Catalog;

use crate::support::CatalogCopy;

fn load_errors(copy: &CatalogCopy) -> Vec<String> {
    match Catalog::load(copy.root()) {
        Ok(_) => Vec::new(),
        Err(findings) => findings.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_malformed_file_is_named_with_its_place() {
    let copy = CatalogCopy::new();
    copy.write("systems/salesforce/mappings/broken-toml.toml", "source = \"user.migrated@v1\"\ntarget = [\n");
    copy.write(
        "systems/salesforce/mappings/bad-jq.toml",
        "source = \"user.migrated@v1\"\ntarget = \"Contact@v1\"\n[fields]\nLastName = '.last_name | nosuch'\n",
    );
    copy.write(
        "systems/salesforce/mappings/bad-ref.toml",
        "source = \"user.migrated\"\ntarget = \"Contact@v1\"\n[fields]\n",
    );
    copy.write(
        "systems/salesforce/targets/Lead/v1.toml",
        "fields = [{ name = \"X\", type = \"varchar\" }]\n",
    );
    copy.write("systems/salesforce/fixtures/contact-from-user-migrated.json", "[{\"name\": \"x\",");
    copy.write("events/user.migrated/v2.schema.json", "{\"type\": \"objekt\"}");
    copy.write("systems/salesforce/expectations.toml", "[[expectations]]\nname = \"x\"\n");
    let errors = load_errors(&copy);
    let expect = [
        ("mappings/broken-toml.toml", "load.toml"),
        ("mappings/bad-jq.toml at fields.LastName", "mapping.jq-syntax"),
        ("mappings/bad-ref.toml", "load.toml"),
        ("targets/Lead/v1.toml", "load.toml"),
        ("fixtures/contact-from-user-migrated.json at line 1", "load.json"),
        ("events/user.migrated/v2.schema.json", "load.schema"),
        ("expectations.toml", "load.toml"),
    ];
    for (place, rule) in expect {
        assert!(
            errors.iter().any(|e| e.contains(place) && e.contains(rule)),
            "no `{rule}` error naming `{place}` in:\n{}",
            errors.join("\n")
        );
    }
    assert_eq!(errors.len(), expect.len(), "{}", errors.join("\n"));
}

#[test]
fn errors_say_which_rule_was_broken() {
    let copy = CatalogCopy::new();
    copy.write(
        "systems/salesforce/mappings/bad-ref.toml",
        "source = \"user.migrated\"\ntarget = \"Contact@v1\"\n[fields]\n",
    );
    copy.write(
        "systems/salesforce/targets/Lead/v1.toml",
        "external_id = \"Nope\"\n[[fields]]\nname = \"Status\"\ntype = \"picklist\"\n",
    );
    let errors = load_errors(&copy).join("\n");
    assert!(errors.contains("enrollment.created@v2"), "the reference rule is explained: {errors}");
    assert!(errors.contains("line 1"), "the place is a line: {errors}");
    assert!(errors.contains("target.picklist-without-values"), "{errors}");
    assert!(errors.contains("target.unknown-external-id"), "{errors}");
}

#[test]
fn a_missing_catalog_directory_is_a_clear_error() {
    let errors = Catalog::load("/nonexistent/switchyard-catalog").unwrap_err();
    assert_eq!(errors[0].rule, "load.io");
}
