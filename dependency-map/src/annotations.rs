//! Switchyard's own facts on Backstage entities: the `switchyard.io/...` annotations and
//! their parsers. Every other annotation is left alone.

use switchyard_contracts::EventRef;

use crate::entity::Kind;

pub const PREFIX: &str = "switchyard.io/";
/// On a System, Component, API or Resource: the event contract versions the hub delivers to
/// it, comma- or newline-separated (`enrollment.created@v2, user.migrated@v1`).
pub const CONSUMES: &str = "switchyard.io/consumes";
/// With `consumes`: the adapter kind that delivers (`salesforce`, `webhook`).
pub const ADAPTER: &str = "switchyard.io/adapter";
/// With `consumes`, optional: the catalog mappings used, by name.
pub const MAPPINGS: &str = "switchyard.io/mappings";
/// Categories of personal data the entity receives (`email, name, date_of_birth`) or `none`.
pub const PERSONAL_DATA: &str = "switchyard.io/personal-data";
/// On a Group: a team e-mail address.
pub const CONTACT_EMAIL: &str = "switchyard.io/contact-email";
/// On a Group: a chat channel (`#crm-team`) or its URL.
pub const CHAT: &str = "switchyard.io/chat";
/// On a Group: how to page the team (`pagerduty:crm-primary`, a rota URL).
pub const ONCALL: &str = "switchyard.io/oncall";

/// Which kinds each annotation belongs on.
pub fn applies_to(annotation: &str, kind: Kind) -> Option<bool> {
    match annotation {
        CONSUMES | ADAPTER | MAPPINGS | PERSONAL_DATA => Some(kind.is_node()),
        CONTACT_EMAIL | CHAT | ONCALL => Some(kind == Kind::Group),
        _ => None,
    }
}

/// Every annotation name Switchyard reads, for "did you mean" hints.
pub const KNOWN: [&str; 7] = [CONSUMES, ADAPTER, MAPPINGS, PERSONAL_DATA, CONTACT_EMAIL, CHAT, ONCALL];

/// Splits a list written with commas, newlines or both; empty items are dropped.
fn items(value: &str) -> Vec<&str> {
    value.split([',', '\n']).map(str::trim).filter(|item| !item.is_empty()).collect()
}

fn no_duplicates(items: &[String]) -> Result<(), String> {
    for (index, item) in items.iter().enumerate() {
        if items[..index].contains(item) {
            return Err(format!("`{item}` is listed twice"));
        }
    }
    Ok(())
}

/// `switchyard.io/consumes`: at least one `type@version`, each once.
pub fn parse_consumes(value: &str) -> Result<Vec<EventRef>, String> {
    let refs = items(value)
        .into_iter()
        .map(|item| EventRef::parse(item).map_err(|err| err.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    if refs.is_empty() {
        return Err("list at least one event contract, e.g. `enrollment.created@v2`".to_owned());
    }
    no_duplicates(&refs.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    Ok(refs)
}

fn is_token(item: &str, extra: &[char]) -> bool {
    let mut chars = item.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(&c))
}

/// `switchyard.io/adapter`: one adapter kind, lowercase letters, digits and `-`.
pub fn parse_adapter(value: &str) -> Result<String, String> {
    let value = value.trim();
    if is_token(value, &['-']) {
        Ok(value.to_owned())
    } else {
        Err(format!("`{value}` is not an adapter kind (lowercase letters, digits and `-`)"))
    }
}

/// `switchyard.io/mappings`: mapping names as in the catalog (file stems).
pub fn parse_mappings(value: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = items(value).into_iter().map(str::to_owned).collect();
    if let Some(bad) = names.iter().find(|name| !is_token(name, &['-', '_'])) {
        return Err(format!("`{bad}` is not a mapping name (lowercase letters, digits, `-` and `_`)"));
    }
    if names.is_empty() {
        return Err("list at least one mapping, or leave the annotation out".to_owned());
    }
    no_duplicates(&names)?;
    Ok(names)
}

/// `switchyard.io/personal-data`: snake_case categories, or `none`.
pub fn parse_personal_data(value: &str) -> Result<Vec<String>, String> {
    let categories: Vec<String> = items(value).into_iter().map(str::to_owned).collect();
    if categories == ["none"] {
        return Ok(Vec::new());
    }
    if categories.is_empty() {
        return Err("list the categories (e.g. `email, name`) or write `none`".to_owned());
    }
    if let Some(bad) = categories.iter().find(|item| !is_token(item, &['_']) || *item == "none") {
        return Err(format!(
            "`{bad}` is not a category: snake_case words such as `email` or `date_of_birth`, \
             or `none` alone"
        ));
    }
    no_duplicates(&categories)?;
    Ok(categories)
}

/// `switchyard.io/contact-email`: one address (only its shape is checked).
pub fn parse_email(value: &str) -> Result<String, String> {
    let value = value.trim();
    let shape_ok = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.starts_with('.')
    });
    if shape_ok && !value.contains(char::is_whitespace) {
        Ok(value.to_owned())
    } else {
        Err(format!("`{value}` is not an e-mail address"))
    }
}

/// `switchyard.io/chat` and `switchyard.io/oncall`: free text, but not blank.
pub fn parse_contact(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() { Err("must not be blank".to_owned()) } else { Ok(value.to_owned()) }
}

/// The known annotation closest to an unknown `switchyard.io/...` one, if any is close.
pub fn suggestion(unknown: &str) -> Option<&'static str> {
    KNOWN.into_iter().min_by_key(|known| edit_distance(unknown, known)).filter(|known| {
        let distance = edit_distance(unknown, known);
        distance <= 3
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumes_accepts_commas_and_newlines_and_rejects_bad_items() {
        let refs = parse_consumes("enrollment.created@v2,\n user.migrated@1\n").unwrap();
        assert_eq!(
            refs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["enrollment.created@v2", "user.migrated@v1"]
        );
        assert!(parse_consumes("enrollment.created").unwrap_err().contains("enrollment.created"));
        assert!(parse_consumes(" , ").is_err());
        assert!(parse_consumes("a.b@v1, a.b@1").unwrap_err().contains("twice"));
    }

    #[test]
    fn personal_data_is_categories_or_none() {
        assert_eq!(parse_personal_data("email, date_of_birth").unwrap(), ["email", "date_of_birth"]);
        assert!(parse_personal_data("none").unwrap().is_empty());
        assert!(parse_personal_data("email, none").is_err());
        assert!(parse_personal_data("E-Mail").is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(parse_email("crm-team@elearning.example").is_ok());
        for bad in ["crm-team", "a@b", "@x.org", "a b@x.org", "a@@x.org"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggests_close_annotation_names_only() {
        assert_eq!(suggestion("switchyard.io/consume"), Some(CONSUMES));
        assert_eq!(suggestion("switchyard.io/oncal"), Some(ONCALL));
        assert_eq!(suggestion("switchyard.io/something-else"), None);
    }
}
