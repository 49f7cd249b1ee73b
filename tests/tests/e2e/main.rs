//! Whole-system tests: the real `switchyard` binary with the sandbox's webhook receiver and
//! real stores (SQLite, and PostgreSQL when `SWITCHYARD_TEST_POSTGRES_URL` is set).

mod crash;
mod support;
