use pipeline_core::prelude::*;

#[derive(Construct)]
#[construct(timeout = 30)]
struct Release {
    #[construct]
    build: Job,
    #[construct = "skip"]
    test: Job,
    #[construct("skip")]
    lint: Job,
}

fn main() {}
