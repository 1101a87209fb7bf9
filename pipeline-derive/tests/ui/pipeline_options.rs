use pipeline_core::prelude::*;

#[derive(Pipeline)]
#[pipeline(name = "Delivery", on(push(branches("main"))))]
struct MissingId {
    test: Job,
}

#[derive(Pipeline)]
#[pipeline(
    id = "triggers",
    on(
        schedule("0 3 * *"),
        schedule("0 3 * * 1", "0 4 * * 1"),
        pull_request(tags("v*")),
        push(branch("main")),
        push(branches()),
        push(branches(main)),
        cron("0 3 * * *"),
        manual(inputs)
    ),
    timeout = "30",
    title = "Triggers"
)]
struct Triggers {
    test: Job,
}

#[derive(Pipeline)]
#[pipeline(id = "", on())]
struct Empty {
    test: Job,
}

fn main() {}
