//! The org a simulator plays: its connected apps, limits and objects with their fields,
//! loadable from TOML (`sandbox/orgs/e-learning.toml` is the shipped org).

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use super::describe_import;
use super::faults::FaultConfig;
use super::jwt_bearer::AppCertificate;
use super::rules_config::{self, AutomationConfig, DuplicateRuleConfig, ValidationRuleConfig};

/// One Salesforce org: what the simulator accepts and how it limits clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgConfig {
    /// A label for logs and the inspection API.
    pub name: String,
    /// Seconds an access token stays valid (Salesforce's session timeout; default 2 h).
    #[serde(default = "default_token_lifetime_secs")]
    pub token_lifetime_secs: u64,
    /// API requests allowed per rolling window (default 15,000, a Developer Edition org).
    #[serde(default = "default_daily_api_limit")]
    pub daily_api_limit: u64,
    /// The rolling window of the allowance, in seconds (default 24 h).
    #[serde(default = "default_api_window_secs")]
    pub api_window_secs: u64,
    /// Data calls that may have run `long_request_threshold_ms` or longer at once before new
    /// calls get `ConcurrentPerOrgLongTxn` (Salesforce: 25; Developer Edition: 5).
    #[serde(default = "default_max_long_requests")]
    pub max_long_requests: usize,
    /// When a running call counts as long (Salesforce: 20 s; tests use a few ms).
    #[serde(default = "default_long_request_threshold_ms")]
    pub long_request_threshold_ms: u64,
    /// Records per query page before `nextRecordsUrl` (Salesforce's default is 2,000).
    #[serde(default = "default_query_page_size")]
    pub query_page_size: usize,
    /// Connected apps allowed to use the client credentials flow (and, with a certificate,
    /// the JWT bearer flow).
    #[serde(default)]
    pub connected_apps: Vec<ConnectedApp>,
    /// Who the JWT bearer flow may log in, and the audiences and clock skew it accepts.
    #[serde(default)]
    pub jwt: JwtConfig,
    /// The org's objects.
    pub objects: Vec<ObjectConfig>,
    /// The CRM team's record-triggered flows (none by default).
    #[serde(default)]
    pub automations: Vec<AutomationConfig>,
    /// Duplicate rules (`DUPLICATES_DETECTED`; none by default).
    #[serde(default)]
    pub duplicate_rules: Vec<DuplicateRuleConfig>,
    /// Custom validation rules (`FIELD_CUSTOM_VALIDATION_EXCEPTION`; none by default).
    #[serde(default)]
    pub validation_rules: Vec<ValidationRuleConfig>,
    /// Injected faults and latency, seeded (all off by default).
    #[serde(default)]
    pub faults: FaultConfig,
}

fn default_token_lifetime_secs() -> u64 {
    7200
}
fn default_daily_api_limit() -> u64 {
    15_000
}
fn default_api_window_secs() -> u64 {
    86_400
}
fn default_max_long_requests() -> usize {
    25
}
fn default_long_request_threshold_ms() -> u64 {
    20_000
}
fn default_query_page_size() -> usize {
    2000
}

/// A connected app's client credentials, and the certificate its JWT assertions are
/// verified with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectedApp {
    /// The consumer key (the JWT's `iss`).
    pub client_id: String,
    /// The consumer secret; never logged.
    pub client_secret: SecretString,
    /// The X.509 certificate (PEM) uploaded to the app, relative to the org config file;
    /// without one the app cannot use the JWT bearer flow.
    pub certificate_file: Option<String>,
    /// The certificate's public key, read from `certificate_file` when the org loads.
    #[serde(skip)]
    pub certificate: Option<AppCertificate>,
}

/// The `[jwt]` table: what the JWT bearer flow accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// The org's users an assertion's `sub` may name (pre-authorized for every app).
    #[serde(default)]
    pub usernames: Vec<String>,
    /// Accepted `aud` values (default the production and sandbox login URLs); the
    /// simulator's own base URL (its My Domain) is always accepted too.
    #[serde(default = "default_jwt_audiences")]
    pub audiences: Vec<String>,
    /// Seconds an assertion is still accepted after its `exp` (clocks differ; default 30).
    #[serde(default = "default_jwt_clock_skew_secs")]
    pub clock_skew_secs: u64,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            usernames: Vec::new(),
            audiences: default_jwt_audiences(),
            clock_skew_secs: default_jwt_clock_skew_secs(),
        }
    }
}

fn default_jwt_audiences() -> Vec<String> {
    vec!["https://login.salesforce.com".into(), "https://test.salesforce.com".into()]
}
fn default_jwt_clock_skew_secs() -> u64 {
    30
}

/// One sObject type: listed field by field, or read from a describe JSON file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectConfig {
    /// API name, e.g. `Contact` or `Enrollment__c` (taken from the file with `describe`).
    #[serde(default)]
    pub name: String,
    /// The three-character id prefix (`003` for Contact, `a0X`-style for custom objects).
    #[serde(default)]
    pub key_prefix: String,
    /// The fields clients may read and write (`Id` is implicit).
    #[serde(default)]
    pub fields: Vec<FieldConfig>,
    /// A file holding what `GET /sobjects/{Object}/describe` returns, relative to the org
    /// config file: the object's name, key prefix and fields come from it instead.
    #[serde(default, skip_serializing)]
    pub describe: Option<String>,
}

impl ObjectConfig {
    /// The field with this API name, compared case-insensitively as Salesforce does.
    pub fn field(&self, name: &str) -> Option<&FieldConfig> {
        self.fields.iter().find(|field| field.name.eq_ignore_ascii_case(name))
    }
}

/// A field's data type, spelled as describe spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Email,
    Picklist,
    Reference,
    Date,
    Datetime,
    Boolean,
    Double,
    Currency,
    Percent,
    Int,
    Textarea,
    Phone,
    Url,
}

impl FieldType {
    /// The describe `type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Email => "email",
            FieldType::Picklist => "picklist",
            FieldType::Reference => "reference",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Boolean => "boolean",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Int => "int",
            FieldType::Textarea => "textarea",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
        }
    }

    /// Whether values are text (and so have a length).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::Email
                | FieldType::Picklist
                | FieldType::Textarea
                | FieldType::Phone
                | FieldType::Url
        )
    }
}

/// One field of an object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldConfig {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Maximum length in characters for text types (0 when not text).
    #[serde(default)]
    pub length: u32,
    /// Whether the field may be null (describe `nillable`; default true).
    #[serde(default = "yes")]
    pub nillable: bool,
    /// Whether clients may set it on insert (default true; false for flow-owned fields).
    #[serde(default = "yes")]
    pub createable: bool,
    /// Whether clients may set it on update (default true).
    #[serde(default = "yes")]
    pub updateable: bool,
    /// Whether the org fills it when a client leaves it out.
    #[serde(default)]
    pub defaulted_on_create: bool,
    /// Whether it is an external id (usable for upsert and lookups).
    #[serde(default)]
    pub external_id: bool,
    /// Whether two records may share a value (`DUPLICATE_VALUE` otherwise).
    #[serde(default)]
    pub unique: bool,
    /// Picklist values, in display order.
    #[serde(default)]
    pub picklist_values: Vec<String>,
    /// Whether values outside `picklist_values` are refused.
    #[serde(default)]
    pub restricted_picklist: bool,
    /// For references: the objects it may point at.
    #[serde(default)]
    pub reference_to: Vec<String>,
}

fn yes() -> bool {
    true
}

impl FieldConfig {
    /// Required as Salesforce derives it: not nillable, createable and not defaulted.
    pub fn is_required(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }
}

/// Why an org config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OrgConfigError {
    #[error("cannot read org config {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("org config {path} is not valid TOML for an org")]
    Parse {
        path: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("org config is inconsistent: {0}")]
    Inconsistent(String),
    #[error("cannot read {path}, named by the org config")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Describe { path: String, message: String },
    #[error("connected_apps[{index}].certificate_file {path}: {message}")]
    Certificate { index: usize, path: String, message: String },
}

/// The files the shipped org names, built in so that `e_learning()` needs no files at run time.
const SHIPPED_FILES: &[(&str, &str)] =
    &[("keys/sandbox-test-only.cert.pem", include_str!("../../orgs/keys/sandbox-test-only.cert.pem"))];

/// Where the files an org config names (certificates, describe JSON) are read from.
#[derive(Debug, Clone)]
enum OrgFiles {
    /// Relative to the org config file's folder.
    Dir(PathBuf),
    /// The shipped org's files, else relative to the current directory.
    Shipped,
}

impl OrgFiles {
    fn read(&self, relative: &str) -> Result<(String, String), OrgConfigError> {
        let path = match self {
            OrgFiles::Dir(dir) => dir.join(relative),
            OrgFiles::Shipped => {
                if let Some((_, text)) = SHIPPED_FILES.iter().find(|(name, _)| *name == relative) {
                    return Ok((format!("orgs/{relative}"), (*text).to_owned()));
                }
                PathBuf::from(relative)
            }
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|source| OrgConfigError::File { path: shown.clone(), source })?;
        Ok((shown, text))
    }
}

impl OrgConfig {
    /// Parses and checks an org config from TOML text (`origin` names it in errors). Files it
    /// names are the shipped org's (`keys/...`) or relative to the current directory.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, OrgConfigError> {
        Self::parse(text, origin, &OrgFiles::Shipped)
    }

    /// Reads an org config file; files it names are relative to its folder.
    pub fn load(path: &Path) -> Result<Self, OrgConfigError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| OrgConfigError::Read { path: origin.clone(), source })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &origin, &OrgFiles::Dir(dir))
    }

    fn parse(text: &str, origin: &str, files: &OrgFiles) -> Result<Self, OrgConfigError> {
        let mut org: OrgConfig = toml::from_str(text)
            .map_err(|source| OrgConfigError::Parse { path: origin.to_owned(), source })?;
        for object in &mut org.objects {
            if let Some(relative) = object.describe.clone() {
                let (path, json) = files.read(&relative)?;
                describe_import::fill_from_describe(object, &json)
                    .map_err(|message| OrgConfigError::Describe { path, message })?;
            }
        }
        for (index, app) in org.connected_apps.iter_mut().enumerate() {
            if let Some(relative) = &app.certificate_file {
                let (path, pem) = files.read(relative)?;
                let certificate = AppCertificate::from_pem(&pem)
                    .map_err(|message| OrgConfigError::Certificate { index, path, message })?;
                app.certificate = Some(certificate);
            }
        }
        org.check()?;
        Ok(org)
    }

    /// The shipped e-learning org (Contact, Enrollment__c, Payment__c, Flow_Error__c).
    /// This org with every automation's silent failure switched on (or off) at start: the
    /// CRM team's faulty flow change, deployed or rolled back.
    pub fn with_silent_failures(mut self, on: bool) -> Self {
        for failure in self.automations.iter_mut().filter_map(|flow| flow.fail_silently.as_mut()) {
            failure.enabled = on;
        }
        self
    }

    pub fn e_learning() -> Self {
        const SHIPPED: &str = include_str!("../../orgs/e-learning.toml");
        // The shipped file is checked by a unit test, so this cannot fail in a build that passed.
        Self::from_toml(SHIPPED, "orgs/e-learning.toml")
            .unwrap_or_else(|err| panic!("the shipped e-learning org config is broken: {err}"))
    }

    /// The object with this API name (case-insensitive).
    pub fn object(&self, name: &str) -> Option<&ObjectConfig> {
        self.objects.iter().find(|object| object.name.eq_ignore_ascii_case(name))
    }

    fn check(&self) -> Result<(), OrgConfigError> {
        let bad = |msg: String| Err(OrgConfigError::Inconsistent(msg));
        for object in &self.objects {
            if object.name.is_empty() {
                return bad("objects: every object needs a name (or a describe file)".to_owned());
            }
            if object.key_prefix.len() != 3 || !object.key_prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
                return bad(format!("{}: key_prefix must be 3 letters or digits", object.name));
            }
            for field in &object.fields {
                if field.field_type.is_text() && field.length == 0 {
                    return bad(format!("{}.{}: text fields need a length", object.name, field.name));
                }
                if field.field_type == FieldType::Reference {
                    if field.reference_to.is_empty() {
                        return bad(format!("{}.{}: references need reference_to", object.name, field.name));
                    }
                    for target in &field.reference_to {
                        if self.object(target).is_none() {
                            return bad(format!("{}.{}: unknown object {target}", object.name, field.name));
                        }
                    }
                }
            }
        }
        if self.max_long_requests == 0 {
            return bad("max_long_requests must be at least 1".to_owned());
        }
        if self.query_page_size == 0 {
            return bad("query_page_size must be at least 1".to_owned());
        }
        rules_config::check(self).map_err(OrgConfigError::Inconsistent)?;
        self.faults.check().map_err(OrgConfigError::Inconsistent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_org_loads() {
        let org = OrgConfig::e_learning();
        assert_eq!(org.daily_api_limit, 15_000);
        assert!(org.object("contact").is_some_and(|c| c.key_prefix == "003"));
    }

    #[test]
    fn inconsistent_orgs_are_refused() {
        let dangling = r#"
            name = "x"
            [[objects]]
            name = "A__c"
            key_prefix = "a0A"
            [[objects.fields]]
            name = "B__c"
            type = "reference"
            reference_to = ["Missing__c"]
        "#;
        assert!(matches!(OrgConfig::from_toml(dangling, "test"), Err(OrgConfigError::Inconsistent(_))));
        let unknown_key = "name = \"x\"\nobjects = []\nshoe_size = 3\n";
        assert!(matches!(OrgConfig::from_toml(unknown_key, "test"), Err(OrgConfigError::Parse { .. })));
    }
}
