use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    build: Job,
    #[construct(skip)]
    region: String,
    #[construct(needs(biuld))]
    test: Job,
    #[construct(needs(region))]
    package: Job,
    #[construct(needs(deploy))]
    deploy: Job,
    #[construct(needs(build, test, build))]
    publish: Job,
    #[construct(needs(zzz))]
    docs: Job,
    #[construct(needs())]
    notify: Job,
    #[construct(needs("build"))]
    audit: Job,
}

fn main() {}
