use pipeline_core::prelude::*;

#[derive(Construct)]
struct Release {
    #[construct(when())]
    a: Job,
    #[construct(when(branch = "main", tag))]
    b: Job,
    #[construct(when(all()))]
    c: Job,
    #[construct(when(not(tag, failure)))]
    d: Job,
    #[construct(when(any(brnach = "main", tag)))]
    e: Job,
    #[construct(when(tag = "v1"))]
    f: Job,
    #[construct(when(branch))]
    g: Job,
    #[construct(when(input(target = "production", dry_run = "false")))]
    h: Job,
    #[construct(when(all(branch = main, not(event = "cron"))))]
    i: Job,
}

fn main() {}
