use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(timeout = 10, timeout = 20)]
    build: Job,
    #[construct(environment = "staging")]
    #[construct(environment = "production")]
    deploy: Job,
    #[construct(when(branch = "main"), when(tag))]
    publish: Job,
}

#[derive(Pipeline)]
#[pipeline(id = "a", id = "b", on(push), on(manual))]
struct Twice {
    test: Job,
}

fn main() {}
