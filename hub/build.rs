//! Rebuilds the hub when a ledger migration is added: `sqlx::migrate!` embeds the files at
//! compile time but does not itself tell cargo to watch the directory.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
