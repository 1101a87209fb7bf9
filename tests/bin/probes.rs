//! A generator binary over the probe pipelines, rooted at the current directory: the runner's
//! command-line tests run `probes run PIPELINE ...` in a temporary git repository.

fn main() {
    let root = std::env::current_dir().unwrap_or_else(|_| ".".into());
    pipeline_core::Generator::new("probes", root)
        .backends(pipeline_templates::all())
        .pipelines(pipeline_tests::probes::cli::all())
        .main()
}
