//! Integration tests of the dependency map: loading bad input, every validation rule, the
//! shipped map against the shipped catalog, impact queries and rendering (golden files, and
//! Graphviz and Mermaid themselves when installed).

mod fixture;
mod load;
mod render;
mod rules;
mod shipped;
