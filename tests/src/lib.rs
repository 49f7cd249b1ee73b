//! Whole-system tests of Switchyard: the real `switchyard` binary, sandbox partners on
//! loopback and real stores. The tests are in `tests/e2e/`; run them with
//! `cargo test -p switchyard-tests` (they start the hub binary that `cargo test` builds).
