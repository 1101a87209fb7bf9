use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(enviroment = "production")]
    deploy: Job,
    #[construct(depends_on(deploy))]
    smoke_test: Job,
    #[construct(approval(instruction = "check"), environment = "production")]
    gate: Job,
}

fn main() {}
