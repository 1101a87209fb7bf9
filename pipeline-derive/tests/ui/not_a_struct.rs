use pipeline_core::prelude::*;

#[derive(Construct)]
enum Stage {
    Build(Job),
    Deploy(Job),
}

#[derive(Construct)]
struct Tuple(Job, Job);

#[derive(Pipeline)]
#[pipeline(id = "unit")]
struct Unit;

#[derive(Params)]
enum Choice {
    A,
}

fn main() {
    // No "`Construct` is not implemented" follows the errors above.
    let _ = Pipeline::new("p").with(&Tuple(Job::new("a"), Job::new("b")));
}
