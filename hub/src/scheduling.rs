//! How the hub's threads ask Linux to schedule them: the async workers `SCHED_BATCH`, the
//! ledger's SQLite writer `SCHED_OTHER` (the default).
//!
//! SQLite's writes all go through one connection, on a thread of its own (`store/writer.rs`),
//! and every answer it sends wakes an async worker. On Linux a woken `SCHED_OTHER` thread
//! preempts the one that woke it: mid-migration two thirds of the writer's ~2,500 context
//! switches a second came from exactly that (at the `write` of tokio's waker and the futex
//! that unparks a worker), and the writer waited on the run queue for a fifth of the time.
//! `SCHED_BATCH` threads never preempt on wake-up: the writer runs its command to its end,
//! then the workers run. Nice values are unchanged, so every thread's share of the CPU is too.
//! A thread inherits its creator's policy: the writer's connection is opened on a thread set
//! back to `SCHED_OTHER` ([`on_normal_thread`]), whatever thread opens the store. Other
//! platforms keep their defaults.

/// Sets the calling thread to `SCHED_BATCH` (the runtime's `on_thread_start`). A thread
/// whose policy cannot be set runs on as it was (logged at debug), and so does one started
/// with a nice value other than 0: setting a policy sets the nice value too, and the
/// operator's choice stands.
pub fn batch_scheduling() {
    set_policy(Policy::Batch);
}

/// Runs `work` on a new thread scheduled `SCHED_OTHER` and waits for its result without
/// blocking the caller's thread (`None` if the thread could not start or panicked). The
/// threads `work` starts are `SCHED_OTHER` too.
pub async fn on_normal_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    let thread = std::thread::Builder::new().name("switchyard-open".to_owned()).spawn(move || {
        set_policy(Policy::Normal);
        let _ = done.send(work());
    });
    thread.ok()?;
    result.await.ok()
}

#[derive(Debug, Clone, Copy)]
enum Policy {
    Batch,
    Normal,
}

#[cfg(target_os = "linux")]
fn set_policy(policy: Policy) {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy, thread_native_id,
    };
    use thread_priority::{ThreadPriority, ThreadPriorityOsValue};
    if own_nice() != Some(0) {
        tracing::debug!(?policy, "a thread with a nice value other than 0 keeps its scheduling");
        return;
    }
    let normal = match policy {
        Policy::Batch => NormalThreadSchedulePolicy::Batch,
        Policy::Normal => NormalThreadSchedulePolicy::Other,
    };
    // `ThreadPriorityOsValue::default()` is nice 0, the thread's own (checked above).
    let set = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Os(ThreadPriorityOsValue::default()),
        ThreadSchedulePolicy::Normal(normal),
    );
    if let Err(err) = set {
        tracing::debug!(?policy, error = ?err, "could not set a thread's scheduling policy");
    }
}

/// The calling thread's nice value (`/proc/thread-self/stat` field 19, after the
/// parenthesized name, which may hold spaces).
#[cfg(target_os = "linux")]
fn own_nice() -> Option<i32> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(19 - 3)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn set_policy(_policy: Policy) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use thread_priority::unix::{NormalThreadSchedulePolicy, ThreadSchedulePolicy, thread_schedule_policy};

    use super::*;

    fn own_policy() -> ThreadSchedulePolicy {
        thread_schedule_policy().expect("the calling thread's policy")
    }

    #[test]
    fn work_on_a_normal_thread_and_the_threads_it_starts_are_not_batch_when_a_batch_thread_asks() {
        let seen = std::thread::spawn(|| {
            batch_scheduling();
            let asking = own_policy();
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
            let (working, started) = runtime
                .block_on(on_normal_thread(|| (own_policy(), std::thread::spawn(own_policy).join())))
                .expect("the work ran");
            (asking, working, started.expect("the started thread ran"))
        })
        .join()
        .expect("the asking thread ran");
        let batch = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
        let other = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other);
        assert_eq!(seen, (batch, other, other));
    }
}
