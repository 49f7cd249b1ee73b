//! A real Salesforce client library against the simulator: `simple-salesforce` (pinned in
//! `tests/clients/python/requirements.txt`) upserts, runs Bulk API 2.0 jobs and queries. The
//! test makes its own virtualenv under the cargo target dir and installs the pins, so it needs
//! nothing but `python3`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::{CLIENT_ID, CLIENT_SECRET, start_sim};
use switchyard_sandbox::salesforce::OrgConfig;

const CLIENT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/python");

fn run(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|err| panic!("{what}: could not start: {err}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The virtualenv with the pinned requirements, made once per target dir and requirements.
fn venv() -> PathBuf {
    let requirements = Path::new(CLIENT_DIR).join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt is shipped");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-client-venv");
    let stamp = dir.join("installed-requirements.txt");
    let python = dir.join("bin").join("python");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return python;
    }
    run(Command::new("python3").args(["-m", "venv", "--clear"]).arg(&dir), "python3 -m venv");
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
        "pip install -r requirements.txt",
    );
    std::fs::write(&stamp, wanted).expect("stamp the installed requirements");
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_upserts_runs_bulk_jobs_and_queries() {
    let sim = start_sim(OrgConfig::e_learning()).await;
    let base_url = sim.base_url().to_owned();
    // The client blocks while it polls; the simulator keeps serving on the runtime's threads.
    let output = tokio::task::spawn_blocking(move || {
        let python = venv();
        run(
            Command::new(python)
                .arg(Path::new(CLIENT_DIR).join("bulk_client.py"))
                .env("SIM_BASE_URL", base_url)
                .env("SIM_CLIENT_ID", CLIENT_ID)
                .env("SIM_CLIENT_SECRET", CLIENT_SECRET),
            "bulk_client.py",
        )
    })
    .await
    .expect("the client ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("python client: upsert, two Bulk jobs and queries ok"), "{stdout}");
    let jobs = sim.bulk_jobs();
    assert_eq!(jobs.len(), 2, "the client's two jobs: {jobs:?}");
    assert_eq!(sim.stats().records["Contact"], 1 + 300 - 3);
}
