//! Where `sandbox replay` runs: the system's adapter kind (`--adapter`, else the dependency
//! map) and, from the flags, the simulator or the partner's sandbox to replay against.

use switchyard_adapters::webhook::SigningSecret;
use switchyard_contracts::SystemId;
use switchyard_sandbox::OrgConfig;

use super::map_adapter::adapter_on_map;
use super::output::print_error_chain;
use super::replay::ReplayArgs;
use crate::config::AdapterKind;
use crate::replay::ReplayTarget;

/// `--adapter`, else the map's `switchyard.io/adapter`; `None`, said on stderr, when neither
/// names a kind replay knows.
pub(super) fn adapter_kind(args: &ReplayArgs, system: &SystemId) -> Option<AdapterKind> {
    if let Some(kind) = args.adapter {
        return Some(kind);
    }
    let Some(adapter) = adapter_on_map(args.map.as_deref(), system) else {
        eprintln!("  (pass --adapter salesforce|webhook to say how {system} is reached)");
        return None;
    };
    let kind = AdapterKind::parse(&adapter);
    if kind.is_none() {
        eprintln!(
            "error: {system}: the dependency map's switchyard.io/adapter is `{adapter}`; replay knows \
             salesforce and webhook"
        );
    }
    kind
}

/// The target the flags name for a system of `kind`; `None`, said on stderr, when the flags
/// do not fit it.
pub(super) fn target(args: &ReplayArgs, kind: AdapterKind, system: &SystemId) -> Option<ReplayTarget> {
    match kind {
        AdapterKind::Salesforce => salesforce(args),
        AdapterKind::Webhook => webhook(args, system),
    }
}

fn salesforce(args: &ReplayArgs) -> Option<ReplayTarget> {
    let Some(token_url) = args.against.clone() else {
        let org = match &args.org {
            None => OrgConfig::e_learning(),
            Some(path) => match OrgConfig::load(path) {
                Ok(org) => org,
                Err(err) => {
                    print_error_chain(&err);
                    return None;
                }
            },
        };
        let org = match args.silent_failures {
            Some(on) => org.with_silent_failures(on),
            None => org,
        };
        return Some(ReplayTarget::Simulate { org: Box::new(org) });
    };
    let Some(client_id) = args.client_id.clone() else {
        eprintln!("error: --against needs --client-id");
        return None;
    };
    let Some(client_secret) = args.client_secret.clone() else {
        eprintln!("error: --against needs the connected app's secret in SWITCHYARD_REPLAY_CLIENT_SECRET");
        return None;
    };
    Some(ReplayTarget::Against { token_url, client_id, client_secret, allow_list: args.allow_list.clone() })
}

fn webhook(args: &ReplayArgs, system: &SystemId) -> Option<ReplayTarget> {
    let salesforce_only = [("--org", args.org.is_some()), ("--client-id", args.client_id.is_some())];
    if let Some((flag, _)) = salesforce_only.iter().find(|(_, given)| *given) {
        eprintln!("error: {flag}: only for Salesforce systems; {system} is reached by webhook");
        return None;
    }
    let Some(url) = args.against.clone() else {
        return Some(ReplayTarget::SimulateWebhook { answers: Vec::new() });
    };
    let Some(secret) = args.webhook_secret.clone() else {
        eprintln!(
            "error: --against needs the endpoint's signing secret (whsec_...) in SWITCHYARD_REPLAY_WEBHOOK_SECRET"
        );
        return None;
    };
    if let Err(err) = SigningSecret::parse(&secret) {
        eprintln!("error: SWITCHYARD_REPLAY_WEBHOOK_SECRET: {err}");
        return None;
    }
    Some(ReplayTarget::AgainstWebhook { url, secret, allow_list: args.allow_list.clone() })
}
