//! How a running `switchyard serve` asks Linux to schedule its threads: the async workers
//! `SCHED_BATCH` (they never preempt the ledger's writer thread when it wakes them), the
//! writer's thread `SCHED_OTHER` (`hub/src/scheduling.rs`).

/// `SCHED_OTHER` and `SCHED_BATCH` as `/proc/<pid>/task/<tid>/stat` reports them.
const SCHED_OTHER: u32 = 0;
const SCHED_BATCH: u32 = 3;

/// Every thread's id, name and scheduling policy (`stat` field 41, after the parenthesized
/// name, which may hold spaces), in the order of their ids.
fn thread_policies(pid: u32) -> Vec<(u32, String, u32)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the hub's threads");
    let mut policies = Vec::new();
    for task in tasks {
        let task = task.expect("a thread");
        let tid = task.file_name().to_string_lossy().parse().expect("a thread id");
        let stat = std::fs::read_to_string(task.path().join("stat")).expect("stat");
        let (head, rest) = stat.rsplit_once(')').expect("a parenthesized name");
        let name = head.split_once('(').expect("a name").1.to_owned();
        // Fields from the third on; the policy is the 41st.
        let policy = rest.split_whitespace().nth(41 - 3).expect("a policy field");
        policies.push((tid, name, policy.parse().expect("a number")));
    }
    policies.sort();
    policies
}

#[test]
fn a_running_hub_schedules_its_async_workers_as_batch_and_the_ledgers_writer_as_normal() {
    let dir = tempfile::tempdir().unwrap();
    let hub = crate::support::process::Hub::start(dir.path(), &[]).expect("the hub starts");
    let policies = thread_policies(hub.pid());
    hub.kill();
    let workers: Vec<u32> = policies
        .iter()
        .filter(|(_, name, _)| name == "tokio-rt-worker")
        .map(|(_, _, policy)| *policy)
        .collect();
    assert!(!workers.is_empty(), "no async workers among {policies:?}");
    assert!(workers.iter().all(|policy| *policy == SCHED_BATCH), "threads: {policies:?}");
    // sqlx names every SQLite connection's thread so (cut to 15 bytes). The store opens the
    // writer's connection before any other, so its thread is the first of them.
    let writer = policies.iter().find(|(_, name, _)| name == "sqlx-sqlite-wor").expect("SQLite threads");
    assert_eq!(writer.2, SCHED_OTHER, "threads: {policies:?}");
}
