use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    build: Job,
    region: String,
}

fn main() {}
