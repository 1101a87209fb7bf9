//! Regenerates the pipeline files when the pipeline code changes; under CI=true, only checks
//! that they are up to date (and fails the build with the diff when they are not).

#[path = "src/access.rs"]
#[allow(dead_code, unreachable_pub)]
mod access;
#[path = "src/components.rs"]
#[allow(dead_code, unreachable_pub)]
mod components;
#[path = "src/governance.rs"]
#[allow(dead_code, unreachable_pub)]
mod governance;
#[path = "src/pipelines.rs"]
#[allow(dead_code, unreachable_pub)]
mod pipelines;
#[path = "src/strategies.rs"]
#[allow(dead_code, unreachable_pub)]
mod strategies;
#[path = "src/supply_chain.rs"]
#[allow(dead_code, unreachable_pub)]
mod supply_chain;

fn main() {
    pipelines::generator()
        .watch("src/pipelines.rs")
        .watch("src/access.rs")
        .watch("src/components.rs")
        .watch("src/governance.rs")
        .watch("src/strategies.rs")
        .watch("src/supply_chain.rs")
        .build_script();
}
