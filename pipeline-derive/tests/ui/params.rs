use pipeline_core::prelude::*;

#[derive(Params)]
struct Deploy {
    #[param(required, default = "production")]
    environment: String,
    #[param(defualt = 20)]
    timeout: u32,
    #[param(default)]
    region: String,
    #[param(required = true)]
    tier: Tier,
}

#[derive(Params)]
struct Clash {
    #[param(required)]
    environment: String,
    new: bool,
}

#[derive(Params)]
#[param(default = 1)]
struct Tuple(u32);

fn main() {}
