//! One struct with many mistakes: every one of them is reported, in one compilation.
use pipeline_core::prelude::*;

#[derive(Pipeline)]
#[pipeline(on(schedule("every day")), timeout = 0)]
struct Delivery {
    #[construct(timout = 20)]
    build: Job,
    #[construct(needs(biuld), approval, tier = "prod")]
    deploy: Job,
    #[construct(when(all(branch = "main", evnt = "push")), role = DEPLYO, timeout = "soon")]
    publish: Job,
    #[construct(skip, needs(deploy))]
    region: String,
}

fn main() {}
