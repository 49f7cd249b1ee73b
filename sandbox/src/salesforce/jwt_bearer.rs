//! The JWT bearer flow's checks, as Salesforce makes them: the assertion names a connected app
//! (`iss`), is signed RS256 with the key of the certificate uploaded to that app, is meant for
//! this login server (`aud`), has not expired (`exp`, with a small clock skew) and names a user
//! of the org (`sub`). Pure: the endpoint in `auth` turns a refusal into the OAuth error.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use x509_cert::Certificate;
use x509_cert::der::DecodePem;
use x509_cert::der::oid::ObjectIdentifier;

use super::org_config::{ConnectedApp, OrgConfig};

/// `rsaEncryption` (RFC 8017): the only key type RS256 can verify with.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The public key of a connected app's X.509 certificate, ready to verify signatures.
#[derive(Clone)]
pub struct AppCertificate {
    key: DecodingKey,
}

impl std::fmt::Debug for AppCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppCertificate(RSA public key)")
    }
}

impl AppCertificate {
    /// Reads a PEM `CERTIFICATE` and keeps its RSA public key.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let certificate = Certificate::from_pem(pem.as_bytes())
            .map_err(|err| format!("not a PEM X.509 certificate ({err})"))?;
        let spki = certificate.tbs_certificate().subject_public_key_info();
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(format!(
                "the certificate's key is {}, not RSA (RS256 needs RSA)",
                spki.algorithm.oid
            ));
        }
        // For rsaEncryption the bit string holds the PKCS#1 RSAPublicKey DER.
        let pkcs1 = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| "the certificate's public key is not a whole number of bytes".to_owned())?;
        Ok(Self { key: DecodingKey::from_rsa_der(pkcs1) })
    }
}

/// Why Salesforce refuses an assertion: the OAuth `error` and its `error_description`,
/// worded as Salesforce words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtRefusal {
    /// Not a JWT, not RS256, or the signature does not verify.
    InvalidAssertion,
    /// `iss` names no connected app of the org (or one without a certificate).
    UnknownClient,
    AudienceInvalid,
    Expired,
    /// `sub` is not a user of the org allowed to use the app.
    UserNotApproved,
}

impl JwtRefusal {
    pub fn error(self) -> &'static str {
        match self {
            JwtRefusal::UnknownClient => "invalid_client_id",
            _ => "invalid_grant",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            JwtRefusal::InvalidAssertion => "invalid assertion",
            JwtRefusal::UnknownClient => "client identifier invalid",
            JwtRefusal::AudienceInvalid => "audience is invalid",
            JwtRefusal::Expired => "expired access/refresh token",
            JwtRefusal::UserNotApproved => "user hasn't approved this consumer",
        }
    }
}

/// The claims Salesforce reads. `aud` may be a string or a one-element array (RFC 7519).
#[derive(Debug, Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, accepted: impl Fn(&str) -> bool) -> bool {
        match self {
            Audience::One(aud) => accepted(aud),
            Audience::Many(auds) => auds.iter().any(|a| accepted(a)),
        }
    }
}

/// An accepted assertion: the app it was issued for and the user the session runs as.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    pub app: &'a ConnectedApp,
    pub username: String,
}

/// Checks `assertion` at `now` (the org's wall clock). `own_url` (the simulator's base URL,
/// its "My Domain") is accepted as `aud` beside the org's configured audiences.
pub fn verify<'a>(
    org: &'a OrgConfig,
    assertion: &str,
    own_url: &str,
    now: SystemTime,
) -> Result<Grant<'a>, JwtRefusal> {
    // The issuer says whose certificate to verify with, so it is read before the signature.
    let unverified: Claims = jsonwebtoken::dangerous::insecure_decode_claims(assertion)
        .map_err(|_| JwtRefusal::InvalidAssertion)?;
    let iss = unverified.iss.ok_or(JwtRefusal::UnknownClient)?;
    let app = org.connected_apps.iter().find(|app| app.client_id == iss).ok_or(JwtRefusal::UnknownClient)?;
    let certificate = app.certificate.as_ref().ok_or(JwtRefusal::UnknownClient)?;

    // The signature only: the claims are checked below, each with Salesforce's own message.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(assertion, &certificate.key, &validation)
        .map_err(|_| JwtRefusal::InvalidAssertion)?
        .claims;

    let audience_ok = |aud: &str| {
        let aud = aud.trim_end_matches('/');
        aud == own_url.trim_end_matches('/')
            || org.jwt.audiences.iter().any(|a| a.trim_end_matches('/') == aud)
    };
    if !claims.aud.is_some_and(|aud| aud.contains(audience_ok)) {
        return Err(JwtRefusal::AudienceInvalid);
    }
    let now_secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default() as i64;
    let skew = i64::try_from(org.jwt.clock_skew_secs).unwrap_or(i64::MAX);
    match claims.exp {
        Some(exp) if exp.saturating_add(skew) > now_secs => {}
        _ => return Err(JwtRefusal::Expired),
    }
    let username = claims.sub.ok_or(JwtRefusal::UserNotApproved)?;
    // Salesforce usernames are email-shaped and compared case-insensitively.
    if !org.jwt.usernames.iter().any(|u| u.eq_ignore_ascii_case(&username)) {
        return Err(JwtRefusal::UserNotApproved);
    }
    Ok(Grant { app, username })
}
