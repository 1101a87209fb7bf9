//! Regenerates this repository's CI workflow: `cargo run -p ci [-- --check]`.

fn main() {
    pipeline_core::generator!()
        .backend(pipeline_backends::Github::new())
        .pipelines(ci::pipelines())
        .main()
}
