//! `SWITCHYARD_*` environment overrides, applied to the file's TOML table before it is read,
//! so an override is checked by exactly the same rules as the file.
//!
//! | variable | sets |
//! | --- | --- |
//! | `SWITCHYARD_LISTEN` | `listen` |
//! | `SWITCHYARD_DATA_DIR` | `data_dir` |
//! | `SWITCHYARD_DATABASE_URL` | `database.url` |
//! | `SWITCHYARD_CATALOG`, `SWITCHYARD_MAP` | `catalog`, `map` |
//! | `SWITCHYARD_API_TOKENS` | `api.tokens`, replacing the file's: `name:token:role+role,...` |
//! | `SWITCHYARD_<A>__<B>__<C>` | the key `a.b.c` (any key; `__` separates levels) |
//!
//! The named variables above take their value as a string. In the general form, each level is
//! lowercased, and the level after `SYSTEMS` is a system id with `_` read as `-`
//! (`SWITCHYARD_SYSTEMS__LMS__WEBHOOK__URL` sets `systems.lms.webhook.url`). Its value is read
//! as a TOML value when it is one (`200`, `0.5`, `true`, `["5s", "1m"]`, `"quoted"`) and as a
//! string otherwise (`https://lms.example.com/hooks`, `5s`).
//!
//! `SWITCHYARD_CONFIG`, `SWITCHYARD_LOG` and the secrets commands take from the environment
//! (`SWITCHYARD_REPLAY_CLIENT_SECRET`, `SWITCHYARD_REPLAY_WEBHOOK_SECRET`,
//! `SWITCHYARD_SANDBOX_WEBHOOK_SECRET`, `SWITCHYARD_PROFILE_KEY`) belong to the command line and
//! are not read here.
//! Any other `SWITCHYARD_*` variable must name a key: a typo is refused, as in the file.

use toml::{Table, Value};

use super::error::ConfigError;

const PREFIX: &str = "SWITCHYARD_";
/// Variables the command line and the test and CI tooling read themselves (`SWITCHYARD_TEST_*`
/// and `SWITCHYARD_REQUIRE_*` are whole families): not configuration keys. The secrets are
/// named one by one, so a typo of them is still refused. (`sandbox replay` loads the hub's
/// configuration to record its run while its secret is in the environment.)
const NOT_CONFIG: [&str; 6] = [
    "CONFIG",
    "LOG",
    "REPLAY_CLIENT_SECRET",
    "REPLAY_WEBHOOK_SECRET",
    "SANDBOX_WEBHOOK_SECRET",
    "PROFILE_KEY",
];
const NOT_CONFIG_PREFIXES: [&str; 2] = ["TEST_", "REQUIRE_"];

/// Applies every `SWITCHYARD_*` variable of `env` to `table`, in name order. Returns the names
/// applied, for error messages.
pub fn apply_env(
    table: &mut Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<String>, ConfigError> {
    let mut vars: Vec<(String, String)> =
        env.into_iter().filter(|(name, _)| name.starts_with(PREFIX)).collect();
    vars.sort();
    let mut applied = Vec::new();
    for (name, value) in vars {
        let key = &name[PREFIX.len()..];
        if NOT_CONFIG.contains(&key) || NOT_CONFIG_PREFIXES.iter().any(|prefix| key.starts_with(prefix)) {
            continue;
        }
        let (path, value) = match key {
            "LISTEN" => (vec!["listen".to_owned()], Value::String(value)),
            "DATA_DIR" => (vec!["data_dir".to_owned()], Value::String(value)),
            "DATABASE_URL" => (vec!["database".to_owned(), "url".to_owned()], Value::String(value)),
            "CATALOG" => (vec!["catalog".to_owned()], Value::String(value)),
            "MAP" => (vec!["map".to_owned()], Value::String(value)),
            "API_TOKENS" => {
                let tokens = parse_tokens(&value)
                    .map_err(|message| ConfigError::Env { name: name.clone(), message })?;
                (vec!["api".to_owned(), "tokens".to_owned()], tokens)
            }
            _ => (
                general_path(key).map_err(|message| ConfigError::Env { name: name.clone(), message })?,
                typed(value),
            ),
        };
        set(table, &path, value).map_err(|message| ConfigError::Env { name: name.clone(), message })?;
        applied.push(name);
    }
    Ok(applied)
}

fn general_path(key: &str) -> Result<Vec<String>, String> {
    let mut path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
    if path.iter().any(String::is_empty) {
        return Err("empty key level: write `SWITCHYARD_A__B` for `a.b`".to_owned());
    }
    if path.len() == 1 && !matches!(path[0].as_str(), "listen" | "data_dir" | "catalog" | "map") {
        return Err(format!(
            "`{}` is not a configuration key; nested keys use `__`, e.g. SWITCHYARD_DELIVERY__BATCH_SIZE",
            path[0]
        ));
    }
    if path[0] == "systems" && path.len() > 1 {
        path[1] = path[1].replace('_', "-");
    }
    Ok(path)
}

/// A TOML value when the text is one, else the text as a string.
fn typed(text: String) -> Value {
    match toml::from_str::<Table>(&format!("value = {text}")) {
        Ok(mut table) => table.remove("value").unwrap_or(Value::String(text)),
        Err(_) => Value::String(text),
    }
}

/// `name:token:role+role,...` -> the array of `[[api.tokens]]` tables. The token is everything
/// between the first and the last `:`, so it may hold `:` itself (but not `,`).
fn parse_tokens(text: &str) -> Result<Value, String> {
    let mut tokens = Vec::new();
    for (index, entry) in text.split(',').map(str::trim).filter(|entry| !entry.is_empty()).enumerate() {
        let shape = || format!("entry {index}: write `name:token:role+role`");
        let (name, rest) = entry.split_once(':').ok_or_else(shape)?;
        let (token, roles) = rest.rsplit_once(':').ok_or_else(shape)?;
        let mut table = Table::new();
        table.insert("name".to_owned(), Value::String(name.to_owned()));
        table.insert("token".to_owned(), Value::String(token.to_owned()));
        let roles = roles.split('+').map(|role| Value::String(role.trim().to_owned())).collect();
        table.insert("roles".to_owned(), Value::Array(roles));
        tokens.push(Value::Table(table));
    }
    Ok(Value::Array(tokens))
}

fn set(table: &mut Table, path: &[String], value: Value) -> Result<(), String> {
    let (last, parents) = path.split_last().expect("a path has at least one level");
    let mut current = table;
    for (depth, level) in parents.iter().enumerate() {
        let entry = current.entry(level.clone()).or_insert_with(|| Value::Table(Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{}` is not a table, so it has no `{last}`", path[..=depth].join(".")))?;
    }
    current.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn general_form_types_values_and_reads_system_ids() {
        let mut table = Table::new();
        let applied = apply_env(
            &mut table,
            vars(&[
                ("SWITCHYARD_DELIVERY__BATCH_SIZE", "50"),
                ("SWITCHYARD_DELIVERY__RETRY_SCHEDULE", r#"["1s", "1m"]"#),
                ("SWITCHYARD_SYSTEMS__PARTNER_PORTAL__WEBHOOK__URL", "https://portal.example.com/hooks"),
                ("SWITCHYARD_CIRCUIT__OPEN_FOR", "1m"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(applied.len(), 4);
        let expected: Table = toml::from_str(
            r#"
            delivery = { batch_size = 50, retry_schedule = ["1s", "1m"] }
            circuit = { open_for = "1m" }
            systems.partner-portal.webhook.url = "https://portal.example.com/hooks"
            "#,
        )
        .unwrap();
        assert_eq!(table, expected);
    }

    #[test]
    fn named_variables_are_strings() {
        let mut table = Table::new();
        apply_env(
            &mut table,
            vars(&[("SWITCHYARD_DATA_DIR", "123"), ("SWITCHYARD_DATABASE_URL", "postgres://h/db")]),
        )
        .unwrap();
        assert_eq!(table["data_dir"].as_str(), Some("123"));
        assert_eq!(table["database"]["url"].as_str(), Some("postgres://h/db"));
    }

    #[test]
    fn api_tokens_are_parsed_with_colons_in_tokens() {
        let mut table = Table::new();
        apply_env(
            &mut table,
            vars(&[("SWITCHYARD_API_TOKENS", "ops-team:abc:def:ops+viewer, feed:t2:ingest")]),
        )
        .unwrap();
        let tokens = table["api"]["tokens"].as_array().unwrap();
        assert_eq!(tokens[0]["name"].as_str(), Some("ops-team"));
        assert_eq!(tokens[0]["token"].as_str(), Some("abc:def"));
        assert_eq!(tokens[0]["roles"], Value::Array(vec!["ops".into(), "viewer".into()]));
        assert_eq!(tokens[1]["roles"], Value::Array(vec!["ingest".into()]));
    }

    #[test]
    fn cli_variables_are_skipped_and_typos_refused() {
        let mut table = Table::new();
        let applied = apply_env(
            &mut table,
            vars(&[
                ("SWITCHYARD_CONFIG", "x.toml"),
                ("SWITCHYARD_LOG", "debug"),
                ("SWITCHYARD_TEST_POSTGRES_URL", "postgres://x"),
                ("SWITCHYARD_REQUIRE_RENDER_TOOLS", "1"),
                ("SWITCHYARD_REPLAY_CLIENT_SECRET", "s"),
                ("SWITCHYARD_REPLAY_WEBHOOK_SECRET", "whsec_x"),
                ("SWITCHYARD_SANDBOX_WEBHOOK_SECRET", "whsec_x"),
                ("SWITCHYARD_PROFILE_KEY", "k"),
            ]),
        )
        .unwrap();
        assert!(applied.is_empty() && table.is_empty());
        let error = apply_env(&mut table, vars(&[("SWITCHYARD_BATCHSIZE", "5")])).unwrap_err();
        assert!(error.to_string().contains("SWITCHYARD_BATCHSIZE"), "{error}");
        let error = apply_env(&mut table, vars(&[("SWITCHYARD_REPLAY_SECRET", "s")])).unwrap_err();
        assert!(error.to_string().contains("SWITCHYARD_REPLAY_SECRET"), "{error}");
        let error = apply_env(&mut table, vars(&[("SWITCHYARD_API_TOKENS", "nocolon")])).unwrap_err();
        assert!(error.to_string().contains("name:token:role"), "{error}");
    }

    #[test]
    fn a_scalar_in_the_way_is_reported() {
        let mut table: Table = toml::from_str("delivery = 5").unwrap();
        let error = apply_env(&mut table, vars(&[("SWITCHYARD_DELIVERY__BATCH_SIZE", "5")])).unwrap_err();
        assert!(error.to_string().contains("`delivery` is not a table"), "{error}");
    }
}
