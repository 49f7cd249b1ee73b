//! Loading, defaults, overrides, errors and secrecy of `HubConfig`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::ExposeSecret;
use switchyard_contracts::SystemId;

use super::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("switchyard.example.toml")
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

fn lms() -> SystemId {
    SystemId::parse("lms").unwrap()
}

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("switchyard.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn defaults_are_the_documented_ones() {
    let config = HubConfig::load(None, no_env()).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, PathBuf::from("./switchyard-data"));
    assert!(config.database.url.is_none() && !config.uses_postgres());
    assert_eq!(config.database_url().expose_secret(), "sqlite://./switchyard-data/switchyard.db?mode=rwc");
    assert_eq!(config.catalog_root(), switchyard_contracts::Catalog::shipped_root());
    assert_eq!(config.map_root(), switchyard_dependency_map::DependencyMap::shipped_root());
    assert_eq!(config.http.body_limit_bytes, 1024 * 1024);
    assert!(config.api.tokens.is_empty() && config.systems.is_empty());
    assert_eq!(config.delivery.batch_size, 200);
    assert_eq!(config.delivery.linger(), Duration::from_millis(50));
    assert_eq!(config.delivery.effective_max_attempts(), 9);
    let schedule: Vec<String> = config.delivery.retry_schedule.iter().map(ToString::to_string).collect();
    assert_eq!(schedule, ["0s", "5s", "5m", "30m", "2h", "5h", "10h", "10h"]);
    assert_eq!(config.delivery.retry_schedule().unwrap(), crate::policy::RetrySchedule::default());
    assert_eq!(config.circuit.rules().unwrap(), crate::policy::CircuitRules::default());
}

#[test]
fn example_file_parses_and_equals_the_defaults() {
    let config = HubConfig::load(Some(&example_path()), no_env()).unwrap();
    assert_eq!(format!("{config:?}"), format!("{:?}", HubConfig::default()));
}

#[test]
fn example_system_block_parses_when_uncommented() {
    let text = std::fs::read_to_string(example_path()).unwrap();
    let start = text.find("# --- example system ---").unwrap();
    let end = text.find("# --- end example system ---").unwrap();
    let block: String =
        text[start..end].lines().skip(1).map(|line| format!("{}\n", line.trim_start_matches("# "))).collect();
    let config = HubConfig::from_toml(&format!("{text}\n{block}")).unwrap();
    let lms = config.systems.get(&lms()).unwrap();
    assert_eq!(lms.adapter, Some(AdapterKind::Webhook));
    assert_eq!(lms.webhook.as_ref().unwrap().url, "https://lms.example.com/hooks/switchyard");
    assert_eq!(config.delivery_for(&self::lms()).batch_size, 50);
    assert_eq!(config.delivery_for(&self::lms()).effective_max_attempts(), 4);
    assert_eq!(config.circuit_for(&self::lms()).open_for, HumanDuration::from_secs(60));
    assert_eq!(config.circuit_for(&self::lms()).window, 20);
}

#[test]
fn environment_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "listen = \"0.0.0.0:9000\"\n[delivery]\nbatch_size = 10\nlinger_ms = 5\n");
    let config = HubConfig::load(
        Some(&path),
        env(&[
            ("SWITCHYARD_LISTEN", "127.0.0.1:7000"),
            ("SWITCHYARD_DELIVERY__BATCH_SIZE", "20"),
            ("SWITCHYARD_DATABASE_URL", "postgres://hub:pw@127.0.0.1/test"),
            ("SWITCHYARD_API_TOKENS", "console:0123456789abcdef:ops+viewer"),
            ("SWITCHYARD_SYSTEMS__LMS__WEBHOOK__URL", "https://lms.example.com/hooks"),
            ("SWITCHYARD_SYSTEMS__LMS__WEBHOOK__SECRETS", &format!("[\"{SECRET}\"]")),
        ]),
    )
    .unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
    assert_eq!(config.delivery.batch_size, 20);
    assert_eq!(config.delivery.linger_ms, 5, "keys the environment does not set stay as in the file");
    assert!(config.uses_postgres());
    assert_eq!(config.api.tokens[0].name, "console");
    assert_eq!(config.api.tokens[0].roles, [Role::Ops, Role::Viewer]);
    assert_eq!(config.systems[&lms()].webhook.as_ref().unwrap().secrets.len(), 1);
}

#[test]
fn debug_never_prints_secrets() {
    let text = format!(
        r#"
        [database]
        url = "postgres://hub:hunter2-password@db/switchyard"
        [[api.tokens]]
        name = "console"
        token = "tok-0123456789-very-secret"
        roles = ["ops"]
        [systems.lms.webhook]
        url = "https://lms.example.com/hooks"
        secrets = ["{SECRET}"]
        "#
    );
    let config = HubConfig::from_toml(&text).unwrap();
    let debug = format!("{config:?} {config:#?}");
    for secret in
        ["hunter2-password", "tok-0123456789-very-secret", SECRET, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
    {
        assert!(!debug.contains(secret), "Debug shows {secret}");
    }
    assert!(debug.contains("console"), "names are not secret");
}

#[test]
fn unknown_keys_are_refused_with_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "[delivery]\nbatch_sise = 10\n");
    let error = HubConfig::load(Some(&path), no_env()).unwrap_err().to_string();
    assert!(error.contains("switchyard.toml: `delivery.batch_sise`"), "{error}");
    assert!(error.contains("unknown field `batch_sise`"), "{error}");
}

#[test]
fn bad_values_name_the_key_and_the_variable() {
    let error = HubConfig::load(None, env(&[("SWITCHYARD_DELIVERY__RETRY_SCHEDULE", r#"["5s", "5 min"]"#)]))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("defaults with SWITCHYARD_DELIVERY__RETRY_SCHEDULE"), "{error}");
    assert!(error.contains("`delivery.retry_schedule[1]`") && error.contains("not a duration"), "{error}");

    let error = HubConfig::from_toml("listen = \"localhost\"").unwrap_err().to_string();
    assert!(error.contains("`listen`"), "{error}");
    let error = HubConfig::from_toml(
        "[[api.tokens]]\nname = \"x\"\ntoken = \"0123456789abcdef\"\nroles = [\"admin\"]",
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("`api.tokens[0].roles[0]`") && error.contains("admin"), "{error}");
}

#[test]
fn rules_report_every_problem() {
    let text = r#"
        http.body_limit_bytes = 0
        delivery = { batch_size = 0, retry_schedule = [] }
        circuit = { failure_rate = 1.5 }
        [[api.tokens]]
        name = "a"
        token = "short"
        roles = []
        [systems.lms]
        adapter = "webhook"
        delivery = { concurrency = 0 }
        [systems.salesforce]
        adapter = "salesforce"
        webhook = { url = "https://x.example.com", secrets = [] }
    "#;
    let ConfigError::Rules { problems, .. } = HubConfig::from_toml(text).unwrap_err() else {
        panic!("expected rule problems");
    };
    let keys: Vec<&str> = problems.iter().map(|problem| problem.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "http.body_limit_bytes",
            "api.tokens[0].token",
            "api.tokens[0].roles",
            "delivery.batch_size",
            "delivery.retry_schedule",
            "circuit.failure_rate",
            "systems.lms.delivery.batch_size",
            "systems.lms.delivery.concurrency",
            "systems.lms.delivery.retry_schedule",
            "systems.lms.webhook",
            "systems.salesforce.webhook",
        ]
    );
}

#[test]
fn salesforce_settings_go_with_the_salesforce_adapter_only() {
    let salesforce = r#"salesforce = { token_url = "https://acme.my.salesforce.com/services/oauth2/token", client_id = "id", client_secret = "secret", objects = [{ object = "Contact", external_id_field = "Legacy_Id__c" }] }"#;
    let on_webhook = format!("[systems.lms]\nadapter = \"webhook\"\n{salesforce}\n");
    let ConfigError::Rules { problems, .. } = HubConfig::from_toml(&on_webhook).unwrap_err() else {
        panic!("expected rule problems");
    };
    assert!(problems.iter().any(|problem| problem.key == "systems.lms.salesforce"), "{problems:?}");
    let on_salesforce = format!("[systems.salesforce]\nadapter = \"salesforce\"\n{salesforce}\n");
    let config = HubConfig::from_toml(&on_salesforce).unwrap();
    let settings = config.systems.values().next().and_then(|system| system.salesforce.as_ref()).unwrap();
    assert_eq!(settings.objects[0].object, "Contact");
    assert!(!format!("{config:?}").contains("secret\""), "the client secret is never printed");
}

#[test]
fn a_salesforce_system_can_use_the_jwt_bearer_flow() {
    let text = r#"
        [systems.salesforce]
        adapter = "salesforce"
        [systems.salesforce.salesforce]
        token_url = "https://login.salesforce.com/services/oauth2/token"
        client_id = "3MVG9"
        auth = "jwt_bearer"
        username = "integration@acme.example"
        private_key_env = "SALESFORCE_JWT_KEY"
        audience = "https://test.salesforce.com"
        objects = [{ object = "Contact", external_id_field = "Legacy_Id__c" }]
    "#;
    let config = HubConfig::from_toml(text).unwrap();
    let settings = config.systems.values().next().and_then(|system| system.salesforce.as_ref()).unwrap();
    assert_eq!(settings.auth, switchyard_adapters::salesforce::AuthFlow::JwtBearer);
    assert_eq!(settings.username.as_deref(), Some("integration@acme.example"));
    assert_eq!(settings.private_key_env.as_deref(), Some("SALESFORCE_JWT_KEY"));
    let typo = text.replace("auth = \"jwt_bearer\"", "auth = \"jwt\"");
    assert!(HubConfig::from_toml(&typo).is_err(), "an unknown flow is refused");
}

#[test]
fn duplicate_tokens_are_refused() {
    let text = r#"
        [[api.tokens]]
        name = "a"
        token = "0123456789abcdef"
        roles = ["ingest"]
        [[api.tokens]]
        name = "a"
        token = "0123456789abcdef"
        roles = ["viewer"]
    "#;
    let error = HubConfig::from_toml(text).unwrap_err().to_string();
    assert!(error.contains("`api.tokens[1].name`: must be unique"), "{error}");
    assert!(error.contains("`api.tokens[1].token`: must be unique"), "{error}");
    assert!(!error.contains("0123456789abcdef"), "errors never show a token: {error}");
}

#[test]
fn unreadable_and_malformed_files_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let error = HubConfig::load(Some(&missing), no_env()).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }) && error.to_string().contains("missing.toml"));
    let path = write(&dir, "listen = ");
    let error = HubConfig::load(Some(&path), no_env()).unwrap_err().to_string();
    assert!(error.contains("switchyard.toml: not valid TOML"), "{error}");
}
