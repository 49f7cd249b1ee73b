//! `switchyard serve` as a process of its own, as scripts run it: started on a free port,
//! stopped with SIGTERM, or killed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running hub; killed if the test fails before stopping it.
pub struct Hub {
    child: Child,
    pub url: String,
}

impl Hub {
    pub fn start(data_dir: &Path, extra: &[&str]) -> Result<Hub, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .stdout(Stdio::piped())
            // A file, not a pipe: nobody reads a pipe while the hub runs, and a full one would
            // block its logging.
            .stderr(std::fs::File::create(data_dir.join("hub.log")).expect("log file"))
            .spawn()
            .expect("spawn switchyard serve");
        // The first stdout line says where it listens; no line means it refused to start.
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read stdout");
        match line.trim().strip_prefix("switchyard listening on ") {
            Some(url) => Ok(Hub { url: url.to_owned(), child }),
            None => {
                let output = child.wait_with_output().expect("wait");
                let logs = std::fs::read_to_string(data_dir.join("hub.log")).unwrap_or_default();
                Err(format!("exit {:?}: {logs}", output.status.code()))
            }
        }
    }

    /// The process id, to look at the running hub in `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait: a graceful stop exits 0.
    pub fn stop(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        self.child.wait().expect("wait").code()
    }
}

impl Hub {
    /// SIGKILL: a crash, nothing handed back.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// `switchyard sandbox salesforce` on a free port, and its stdout's lines (the banner first).
pub fn standalone_salesforce_simulator() -> (Child, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["sandbox", "salesforce", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn switchyard sandbox salesforce");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    (child, lines)
}
