use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(timeout = "x")]
    build: Job,
    #[construct(timeout = 0)]
    test: Job,
    #[construct(timeout = -5)]
    lint: Job,
    #[construct(environment = production)]
    deploy: Job,
    #[construct(rename = 3)]
    audit: Job,
    #[construct(skip = true)]
    region: String,
    #[construct(timeout)]
    publish: Job,
    #[construct(when = "main")]
    docs: Job,
    #[construct(timeout = 30 minutes)]
    bench: Job,
}

fn main() {}
