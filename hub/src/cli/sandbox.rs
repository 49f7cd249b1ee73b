//! `switchyard sandbox salesforce | webhook`: a partner simulator on its own, so a person or a
//! script can point any Salesforce client or webhook sender at it within seconds.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use switchyard_sandbox::{OrgConfig, SalesforceSimulator, WebhookReceiver};

use super::Outcome;
use super::output::{print_error_chain, runtime};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    #[command(subcommand)]
    command: SandboxCommand,
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// A Salesforce org simulator (the shipped e-learning org unless `--org` names another).
    Salesforce {
        /// Where to listen; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
        listen: SocketAddr,
        /// The org config (TOML; see sandbox/orgs/e-learning.toml).
        #[arg(long, value_name = "FILE")]
        org: Option<PathBuf>,
    },
    /// Replay the system's cases through the real mapping and adapter against the simulator
    /// (`--simulate`) or an org (`--against`), read back the expectations, and report.
    Replay(Box<super::replay::ReplayArgs>),
    /// A Standard Webhooks receiver that verifies signatures and dedupes on `webhook-id`.
    Webhook {
        /// Where to listen; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR:PORT")]
        listen: SocketAddr,
        /// The signing secret (`whsec_<base64>`) senders sign with.
        #[arg(long, env = "SWITCHYARD_SANDBOX_WEBHOOK_SECRET", value_name = "SECRET")]
        secret: SecretString,
    },
}

pub fn run(args: SandboxArgs) -> Outcome {
    // The replay runs its own runtime; the simulators run until stopped.
    let on_runtime = |serve: &dyn Fn(&tokio::runtime::Runtime) -> Outcome| match runtime() {
        Some(runtime) => serve(&runtime),
        None => Outcome::Unusable,
    };
    match args.command {
        SandboxCommand::Replay(replay) => super::replay::run(*replay),
        SandboxCommand::Salesforce { listen, org } => {
            on_runtime(&|runtime| runtime.block_on(salesforce(listen, org.clone())))
        }
        SandboxCommand::Webhook { listen, secret } => {
            on_runtime(&|runtime| runtime.block_on(webhook(listen, secret.clone())))
        }
    }
}

async fn salesforce(listen: SocketAddr, org: Option<PathBuf>) -> Outcome {
    let org = match org {
        Some(path) => match OrgConfig::load(&path) {
            Ok(org) => org,
            Err(err) => {
                print_error_chain(&err);
                return Outcome::Unusable;
            }
        },
        None => OrgConfig::e_learning(),
    };
    let app = org.connected_apps.first().map(|app| (app.client_id.clone(), app.client_secret.clone()));
    // The JWT bearer flow needs a certificate on the app and a pre-authorized user.
    let jwt = org
        .connected_apps
        .first()
        .filter(|app| app.certificate.is_some())
        .and(org.jwt.usernames.first().cloned());
    let simulator = match SalesforceSimulator::start(listen, org).await {
        Ok(simulator) => simulator,
        Err(err) => {
            print_error_chain(&err);
            return Outcome::Unusable;
        }
    };
    let base = simulator.base_url().to_owned();
    // The banner is for a person at a terminal (and scripts that read the first line): the
    // sandbox's own throwaway credentials, never a real org's.
    println!("switchyard sandbox salesforce listening on {base}");
    if let Some((client_id, secret)) = app {
        println!("connected app: client_id={client_id} client_secret={}", secret.expose_secret());
        println!(
            "get a token: curl -s -X POST {base}/services/oauth2/token -d grant_type=client_credentials \
             -d client_id={client_id} -d client_secret={}",
            secret.expose_secret()
        );
    }
    if let Some(username) = jwt {
        println!(
            "JWT bearer flow: sub={username}, aud={base} (or https://login.salesforce.com), signed by the \
             sandbox-only key sandbox/orgs/keys/sandbox-test-only.key.pem"
        );
    }
    let _ = std::io::stdout().flush();
    crate::serve::shutdown_signal().await;
    simulator.shutdown().await;
    Outcome::Clean
}

async fn webhook(listen: SocketAddr, secret: SecretString) -> Outcome {
    let receiver = match WebhookReceiver::start(listen, &secret).await {
        Ok(receiver) => receiver,
        Err(err) => {
            print_error_chain(&err);
            return Outcome::Unusable;
        }
    };
    println!("switchyard sandbox webhook listening on {}", receiver.url());
    let _ = std::io::stdout().flush();
    crate::serve::shutdown_signal().await;
    let stats = receiver.stats();
    println!(
        "received {} request(s): {} unique message(s), {} duplicate(s), {} refused",
        stats.requests, stats.unique_messages, stats.duplicate_messages, stats.refused
    );
    Outcome::Clean
}
