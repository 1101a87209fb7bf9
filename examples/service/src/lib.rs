//! The pipelines of a Rust service (`payments-api`), built from the platform team's constructs
//! (`acme-platform`): a delivery pipeline (tests, a security scan, one artifact promoted from
//! staging to production behind an approval, automatic rollback) and a nightly audit.
//!
//! Two entry points generate the files under `examples/service/`:
//! - `cargo run -p example-service` (`--check`, `--list`, `--out DIR`, `--backend NAME`);
//! - `cargo build -p example-service`: the build script regenerates them whenever
//!   `src/pipelines.rs` changes, and only checks them under `CI=true`.

pub mod access;
pub mod components;
pub mod governance;
mod pipelines;
pub mod strategies;
pub mod supply_chain;

pub use pipelines::{Delivery, ci, delivery, generator, nightly, pipelines};
