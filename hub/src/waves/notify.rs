//! Telling the owners of a system that a wave paused because of it: a warning in the log (the
//! owning group's name, never its contacts, which may be personal data) and, when
//! `waves.ops_webhook` is set, a JSON POST carrying the group and its contacts for the
//! paging or chat integration on the other side.

use std::time::Duration;

use serde::Serialize;
use switchyard_contracts::SystemId;
use switchyard_dependency_map::DependencyMap;

use super::rules::Firing;

/// How long the ops webhook gets to answer; a notification never holds up the wave's pause.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// Who owns a system, as the notification names them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnerNotice {
    pub group: String,
    /// Email, chat and on-call as on the map (only sent to the ops webhook).
    pub contacts: Vec<String>,
}

/// The body POSTed to the ops webhook when a wave pauses itself.
#[derive(Debug, Clone, Serialize)]
pub struct PauseNotice<'a> {
    pub kind: &'static str,
    pub wave: &'a str,
    pub system: &'a str,
    pub rule: &'a str,
    pub evidence: &'a str,
    pub owners: Vec<OwnerNotice>,
    /// Deliveries of the wave held by the pause.
    pub held: u64,
}

/// Sends pause notifications.
#[derive(Debug, Clone)]
pub struct Notifier {
    webhook: Option<url::Url>,
    client: reqwest::Client,
}

impl Notifier {
    pub fn new(webhook: Option<url::Url>) -> Self {
        switchyard_adapters::tls::ensure_crypto_provider();
        Self { webhook, client: reqwest::Client::new() }
    }

    /// The owners of `system` on the map: the owning group of its delivery target.
    pub fn owners(map: &DependencyMap, system: &str) -> Vec<OwnerNotice> {
        let Ok(id) = SystemId::parse(system) else { return Vec::new() };
        map.delivery_target(&id)
            .and_then(|target| map.owner_of(target))
            .map(|group| OwnerNotice { group: group.name.clone(), contacts: group.contacts.summary() })
            .into_iter()
            .collect()
    }

    /// Logs the pause and posts it to the ops webhook, if there is one; a webhook that fails
    /// is logged, never retried past its timeout (the pause is recorded in the ledger anyway).
    pub async fn paused(&self, wave: &str, firing: &Firing, owners: Vec<OwnerNotice>, held: u64) {
        let groups: Vec<&str> = owners.iter().map(|owner| owner.group.as_str()).collect();
        tracing::warn!(
            %wave,
            system = %firing.system,
            rule = firing.rule,
            evidence = %firing.evidence,
            owners = %groups.join(", "),
            held,
            "wave auto-paused: the owners of the system are notified"
        );
        let Some(url) = &self.webhook else { return };
        let notice = PauseNotice {
            kind: "wave.auto-paused",
            wave,
            system: &firing.system,
            rule: firing.rule,
            evidence: &firing.evidence,
            owners,
            held,
        };
        let sent = self.client.post(url.clone()).timeout(WEBHOOK_TIMEOUT).json(&notice).send().await;
        match sent.map(|response| response.status()) {
            Ok(status) if status.is_success() => {}
            Ok(status) => tracing::warn!(%wave, %status, "the ops webhook refused the pause notice"),
            Err(err) => tracing::warn!(%wave, error = %err, "the ops webhook could not be reached"),
        }
    }
}
