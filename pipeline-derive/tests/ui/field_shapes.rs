use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(skip, environment = "production", needs(build))]
    region: String,
    #[construct(flatten, rename = "checks")]
    lint: Job,
    #[construct(rename = "")]
    empty: Job,
    #[construct(rename = "deploy to prod")]
    spaces: Job,
    build: Job,
    #[construct(rename = "build")]
    compile: Job,
    build_: Job,
}

fn main() {}
