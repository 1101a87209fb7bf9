use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(environment = "production", tier = "prod")]
    production: Job,
    #[construct(environment = "staging", tier = "stagign")]
    staging: Job,
    #[construct(when(event = "pul_request"))]
    check: Job,
    #[construct(when(event = "merge"))]
    merge: Job,
    #[construct(role = DEPLYO)]
    deploy: Job,
    #[construct(role = "")]
    empty: Job,
}

fn main() {}
