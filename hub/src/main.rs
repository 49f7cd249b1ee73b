//! `switchyard`: the command line of the Switchyard integration hub.

/// mimalloc: jq mapping evaluation is allocation-heavy, and mimalloc makes it about 1.5x
/// faster than the system allocator (see contracts/README.md, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    switchyard::cli::run()
}
