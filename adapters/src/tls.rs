//! Installs the process-wide rustls crypto provider (ring) that reqwest's
//! `rustls-no-provider` build needs before any client is built.

/// Installs ring as the default provider unless one is already installed. Safe to call
/// many times and from tests; the hub also calls rustls directly at start-up.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
