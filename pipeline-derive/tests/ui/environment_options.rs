use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(approval)]
    production: Job,
    #[construct(tier = "staging", url = "https://staging.example.com")]
    staging: Job,
}

fn main() {}
