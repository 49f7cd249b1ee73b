//! `switchyard sandbox salesforce | webhook`: a partner simulator on its own, so a person or a
//! script can point any Salesforce client or webhook sender at it within seconds; and
//! `sandbox generate | profile | cases`: production-shaped legacy exports and their edge cases.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use switchyard_sandbox::{OrgConfig, SalesforceSimulator, WebhookReceiver};

use switchyard_sandbox::legacy::{self, CaseClass, GenerateOptions, ProfileOptions, ProfileReport};

use super::Outcome;
use super::output::{Format, print_error_chain, print_json, runtime};

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
    /// Replay the system's cases through the real mapping and adapter against a simulator
    /// (`--simulate`) or the partner's sandbox (`--against`), read back what happened, and
    /// report; with several `--contracts` sets, side by side.
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
    /// Write a synthetic legacy export (customers.csv, addresses.csv, enrollments.csv and
    /// manifest.json): seeded, so the same seed gives byte-identical files.
    Generate {
        /// How many users (customer accounts).
        #[arg(long)]
        users: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The share of users shaped as an edge case, 0 to 1.
        #[arg(long, default_value_t = 0.05)]
        edge_share: f64,
        /// Put in only these classes (repeatable; see `sandbox cases`).
        #[arg(long, value_name = "CLASS")]
        only: Vec<String>,
        /// A class's relative weight among edge cases (repeatable; every class is 1 by default).
        #[arg(long = "weight", value_name = "CLASS=WEIGHT")]
        weights: Vec<String>,
    },
    /// Count the edge-case classes in legacy export files (recognised by their headers) and
    /// write an anonymized sample per class.
    Profile {
        /// The export's files: customers, addresses and enrollments CSVs, in any order.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Where to write samples/<class>.csv and profile.json.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// The pseudonyms' key; the same key gives the same pseudonyms across runs. A random
        /// key is used when absent.
        #[arg(long, env = "SWITCHYARD_PROFILE_KEY", value_name = "KEY")]
        key: Option<SecretString>,
        /// Rows per class in each sample.
        #[arg(long, default_value_t = 20)]
        sample_size: usize,
    },
    /// The edge-case catalog: every class, the fields it touches and the expected outcome.
    Cases {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(args: SandboxArgs) -> Outcome {
    // The replay and the legacy-data commands run on their own; the simulators run on a
    // runtime until stopped.
    let on_runtime = |serve: &dyn Fn(&tokio::runtime::Runtime) -> Outcome| match runtime() {
        Some(runtime) => serve(&runtime),
        None => Outcome::Unusable,
    };
    match args.command {
        SandboxCommand::Replay(replay) => super::replay::run(*replay),
        SandboxCommand::Generate { users, seed, out, edge_share, only, weights } => {
            generate(users, seed, &out, edge_share, &only, &weights)
        }
        SandboxCommand::Profile { files, out, format, key, sample_size } => {
            profile(&files, out, format, key, sample_size)
        }
        SandboxCommand::Cases { format } => cases(format),
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

fn generate(
    users: u64,
    seed: u64,
    out: &std::path::Path,
    edge_share: f64,
    only: &[String],
    weights: &[String],
) -> Outcome {
    let mut options = GenerateOptions::new(users, seed, edge_share);
    if !only.is_empty() {
        let Some(classes) = only.iter().map(|name| known_class(name)).collect::<Option<Vec<_>>>() else {
            return Outcome::Unusable;
        };
        options = options.only(&classes);
    }
    for weight in weights {
        let parsed = weight
            .split_once('=')
            .and_then(|(name, w)| Some((known_class(name)?, w.trim().parse::<f64>().ok()?)));
        match parsed {
            Some((class, w)) if w >= 0.0 => {
                options.weights.insert(class, w);
            }
            _ => {
                eprintln!(
                    "error: --weight {weight}: expected CLASS=WEIGHT with a known class and a weight >= 0"
                );
                return Outcome::Unusable;
            }
        }
    }
    if let Err(err) = legacy::generate::validate(&options) {
        print_error_chain(&err);
        return Outcome::Unusable;
    }
    let started = std::time::Instant::now();
    match legacy::generate_into_dir(&options, out) {
        Ok(manifest) => {
            let put_in: u64 = manifest.classes.values().sum();
            println!(
                "wrote {} customers, {} addresses, {} enrollments to {} in {:.2}s; {put_in} edge-case occurrences \
                 (counts per class in manifest.json)",
                manifest.rows.customers,
                manifest.rows.addresses,
                manifest.rows.enrollments,
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Outcome::Clean
        }
        Err(err) => {
            print_error_chain(&err);
            Outcome::Unusable
        }
    }
}

fn known_class(name: &str) -> Option<CaseClass> {
    let class = CaseClass::parse(name.trim());
    if class.is_none() {
        eprintln!("error: no edge-case class named `{name}` (see `switchyard sandbox cases`)");
    }
    class
}

fn profile(
    files: &[PathBuf],
    out: Option<PathBuf>,
    format: Format,
    key: Option<SecretString>,
    sample_size: usize,
) -> Outcome {
    let key = match key {
        Some(key) => key.expose_secret().as_bytes().to_vec(),
        None => {
            use rand::Rng;
            let mut key = vec![0u8; 32];
            rand::rng().fill(&mut key[..]);
            key
        }
    };
    let today = chrono::Utc::now().date_naive();
    let options = ProfileOptions { key, sample_size, out, today };
    let report = match legacy::profile(files, &options) {
        Ok(report) => report,
        Err(err) => {
            print_error_chain(&err);
            return Outcome::Unusable;
        }
    };
    match format {
        Format::Json => print_json(&report),
        Format::Text => print_profile(&report),
    }
    if report.files.iter().all(|file| file.error.is_some()) {
        Outcome::Unusable
    } else if !report.bad_rows.is_empty() || report.files.iter().any(|file| file.error.is_some()) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// Bad rows shown on a terminal before pointing at the full list.
const BAD_ROWS_SHOWN: usize = 50;

fn print_profile(report: &ProfileReport) {
    for file in &report.files {
        match (&file.kind, &file.error) {
            (_, Some(error)) => println!("{}: not used: {error}", file.path),
            (Some(kind), None) => {
                println!("{}: {kind:?}, {} rows, {} bad", file.path, file.rows, file.bad_rows);
                if !file.unknown_columns.is_empty() {
                    println!(
                        "  unknown columns (pseudonymized in samples): {}",
                        file.unknown_columns.join(", ")
                    );
                }
                if !file.missing_columns.is_empty() {
                    println!("  missing columns: {}", file.missing_columns.join(", "));
                }
            }
            (None, None) => {}
        }
    }
    println!();
    for (name, count) in &report.classes {
        println!("{count:>10}  {name}");
    }
    if !report.bad_rows.is_empty() {
        println!();
        println!("{} bad row(s):", report.bad_rows.len());
        for bad in report.bad_rows.iter().take(BAD_ROWS_SHOWN) {
            println!("  {bad}");
        }
        if report.bad_rows.len() > BAD_ROWS_SHOWN {
            println!(
                "  ... and {} more (all of them in profile.json, or with --format json)",
                report.bad_rows.len() - BAD_ROWS_SHOWN
            );
        }
    }
    if let Some(dir) = &report.samples {
        println!();
        println!("anonymized samples in {}", dir.display());
    }
}

fn cases(format: Format) -> Outcome {
    match format {
        Format::Json => print_json(&legacy::CATALOG.as_slice()),
        Format::Text => {
            for case in &legacy::CATALOG {
                let expected = serde_json::to_value(case.expected).unwrap_or_default();
                println!("{:<32} {}", case.name, case.description);
                println!("{:<32} fields: {}; expected: {expected}", "", case.fields.join(", "));
            }
        }
    }
    Outcome::Clean
}
