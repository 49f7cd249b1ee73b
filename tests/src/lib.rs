//! Whole-system tests of Switchyard (hub + sandbox partners + real stores). Empty until the
//! hub exists; the tests will live in this crate's `tests/` folder.
