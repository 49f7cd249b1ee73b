//! The `switchyard` process's allocator as it is built: mimalloc without transparent huge
//! pages (`no_thp`). With them, mimalloc advised its arenas for 2 MiB pages, the kernel's
//! zeroing of pages took 11% of all CPU in `bench salesforce`, and the hub peaked ~50 MiB
//! higher in the migration (README, "Build settings").

/// Every mapping of a running `switchyard` process in `/proc/<pid>/smaps` is free of the `hg`
/// flag (`MADV_HUGEPAGE`), which mimalloc sets on its arenas unless built with `no_thp`.
#[cfg(target_os = "linux")]
#[test]
fn a_running_switchyard_asks_the_kernel_for_no_huge_pages() {
    let (mut child, mut lines) = crate::support::process::standalone_salesforce_simulator();
    // The banner is printed once the simulator is up, its org loaded: the allocator has
    // reserved its arenas by then.
    let banner = lines.next().expect("a banner line").expect("utf-8");
    let smaps = std::fs::read_to_string(format!("/proc/{}/smaps", child.id()));
    let _ = child.kill();
    let _ = child.wait();
    assert!(banner.contains("listening on"), "{banner}");
    let smaps = smaps.expect("smaps of the running process");
    let advised: Vec<&str> = smaps
        .lines()
        .filter(|line| line.starts_with("VmFlags:") && line.split_whitespace().any(|flag| flag == "hg"))
        .collect();
    assert!(advised.is_empty(), "mappings advised for huge pages: {advised:?}");
}
