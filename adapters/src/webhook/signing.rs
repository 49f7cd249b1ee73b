//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, plus
//! the receiver-side `verify` that tests (and the sandbox receiver) check them with.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Receivers reject timestamps further than this from their clock (replay protection).
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// A decoded `whsec_<base64>` signing key. Its bytes never reach logs or `Debug`.
#[derive(Debug, Clone)]
pub struct SigningSecret(SecretSlice<u8>);

/// A secret that is not `whsec_<base64>`. Holds no part of the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("must start with `whsec_`")]
    MissingPrefix,
    #[error("is not valid base64 after `whsec_`")]
    NotBase64,
    #[error("is empty after `whsec_`")]
    Empty,
}

impl SigningSecret {
    /// Parses `whsec_<base64>`.
    pub fn parse(raw: &SecretString) -> Result<Self, SecretError> {
        let encoded = raw.expose_secret().trim().strip_prefix(PREFIX).ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD.decode(encoded).map_err(|_| SecretError::NotBase64)?;
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self(SecretSlice::from(key)))
    }

    /// The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes())
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.expose_secret()).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The `webhook-signature` header value: one `v1,<sig>` per secret, space-separated, so
/// receivers holding either the old or the new secret accept it during rotation.
pub fn signature_header(secrets: &[SigningSecret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| format!("v1,{}", secret.sign(id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a receiver refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("webhook-timestamp is not a number")]
    BadTimestamp,
    #[error("webhook-timestamp is more than five minutes from now")]
    TimestampOutOfTolerance,
    #[error("no signature matches")]
    NoMatchingSignature,
}

/// Verifies a request as a Standard Webhooks receiver does: timestamp within tolerance of
/// `now` (unix seconds), and any `v1` signature in the header matching `secret`.
pub fn verify(
    secret: &SigningSecret,
    id: &str,
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(VerifyError::TimestampOutOfTolerance);
    }
    let matches = signature_header
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|sig| STANDARD.decode(sig).ok())
        // verify_slice compares in constant time.
        .any(|sig| secret.mac(id, timestamp, body).verify_slice(&sig).is_ok());
    matches.then_some(()).ok_or(VerifyError::NoMatchingSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    // base64 of "second-secret-for-rotation".
    const SECOND: &str = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    fn secret(raw: &str) -> SigningSecret {
        SigningSecret::parse(&raw.into()).unwrap()
    }

    // Both vectors were computed independently with Python's standard library:
    //   key = base64.b64decode("<secret after whsec_>")
    //   msg = b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}'
    //   base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest())
    // The first also matches the example in the Standard Webhooks specification.
    const SIG_FIRST: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const SIG_SECOND: &str = "v1,H1dghkiigkIfP2+S0A4rDaNYD9ZpZynI1PDk3tSUiqY=";

    #[test]
    fn signature_matches_an_independent_vector() {
        assert_eq!(signature_header(&[secret(SECRET)], ID, TS, BODY), SIG_FIRST);
    }

    #[test]
    fn rotation_sends_both_signatures() {
        let header = signature_header(&[secret(SECRET), secret(SECOND)], ID, TS, BODY);
        assert_eq!(header, format!("{SIG_FIRST} {SIG_SECOND}"));
        // A receiver holding either secret accepts the request.
        assert_eq!(verify(&secret(SECRET), ID, "1614265330", &header, BODY, TS), Ok(()));
        assert_eq!(verify(&secret(SECOND), ID, "1614265330", &header, BODY, TS), Ok(()));
    }

    #[test]
    fn verify_refuses_tampering_and_stale_timestamps() {
        let s = secret(SECRET);
        assert_eq!(verify(&s, ID, "1614265330", SIG_FIRST, b"{}", TS), Err(VerifyError::NoMatchingSignature));
        assert_eq!(
            verify(&s, "msg_other", "1614265330", SIG_FIRST, BODY, TS),
            Err(VerifyError::NoMatchingSignature)
        );
        assert_eq!(
            verify(&s, ID, "1614265330", SIG_FIRST, BODY, TS + 301),
            Err(VerifyError::TimestampOutOfTolerance)
        );
        assert_eq!(verify(&s, ID, "soon", SIG_FIRST, BODY, TS), Err(VerifyError::BadTimestamp));
        assert_eq!(
            verify(&secret(SECOND), ID, "1614265330", SIG_FIRST, BODY, TS),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn secrets_must_be_whsec_base64() {
        let parse = |raw: &str| SigningSecret::parse(&raw.into()).map(|_| ());
        assert_eq!(parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Err(SecretError::MissingPrefix));
        assert_eq!(parse("whsec_not base64!"), Err(SecretError::NotBase64));
        assert_eq!(parse("whsec_"), Err(SecretError::Empty));
    }

    #[test]
    fn debug_does_not_show_the_key() {
        assert!(!format!("{:?}", secret(SECRET)).contains("MfKQ"));
    }
}
