//! The hub under test as a child process — the real `switchyard serve`, so its memory is
//! measured alone — and its peak resident memory from `/proc`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A `switchyard serve` started by the benchmark; killed if dropped while running.
#[derive(Debug)]
pub struct ChildHub {
    child: Child,
    pub url: String,
}

/// Why the child hub could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("cannot start `switchyard serve`")]
    Spawn(#[source] std::io::Error),
    #[error("`switchyard serve` did not start (see {log})")]
    NotListening { log: String },
    #[error("cannot stop `switchyard serve`")]
    Stop(#[source] std::io::Error),
}

impl ChildHub {
    /// Starts this very binary as `switchyard serve --config <config>`, logs to `log`.
    pub fn start(config: &Path, data_dir: &Path, log: &Path) -> Result<ChildHub, ChildError> {
        let exe = std::env::current_exe().map_err(ChildError::Spawn)?;
        let log_file = std::fs::File::create(log).map_err(ChildError::Spawn)?;
        let mut child = Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(ChildError::Spawn)?;
        let mut lines = BufReader::new(
            child.stdout.take().ok_or_else(|| ChildError::Spawn(std::io::Error::other("no stdout")))?,
        );
        let mut line = String::new();
        let _ = lines.read_line(&mut line);
        // Keep draining stdout so the hub never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.lines() {});
        match line.trim().strip_prefix("switchyard listening on ") {
            Some(url) => Ok(ChildHub { url: url.to_owned(), child }),
            None => {
                let _ = child.kill();
                Err(ChildError::NotListening { log: log.display().to_string() })
            }
        }
    }

    /// Peak resident memory so far, in MiB (`VmHWM`); `None` where `/proc` has no such line.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        peak_rss_mib(self.child.id())
    }

    /// SIGTERM, then wait for the graceful stop.
    pub fn stop(mut self) -> Result<(), ChildError> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().map_err(ChildError::Stop)?;
        self.child.wait().map_err(ChildError::Stop)?;
        Ok(())
    }
}

impl Drop for ChildHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmHWM` of process `pid`, in MiB.
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
