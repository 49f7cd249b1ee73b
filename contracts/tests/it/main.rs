//! Integration tests of the contracts crate: one binary, one module per area.

mod golden;
