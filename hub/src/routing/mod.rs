//! Routes: which event contract versions go to which system through which mapping, built from
//! the dependency map and the catalog, checked against the configuration before the hub starts.

mod build;
mod deliveries;
mod error;

#[cfg(test)]
mod tests;

pub use build::{Route, Routes};
pub use error::RouteError;
