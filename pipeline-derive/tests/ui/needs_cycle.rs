use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(needs(deploy))]
    build: Job,
    #[construct(needs(build))]
    test: Job,
    #[construct(needs(test))]
    deploy: Job,
}

fn main() {}
