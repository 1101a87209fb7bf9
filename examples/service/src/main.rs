//! Regenerates the service's pipeline files: `cargo run -p example-service [-- --check]`.

fn main() {
    pipeline_core::generator!()
        .output_root(env!("CARGO_MANIFEST_DIR"))
        .backends(pipeline_backends::all())
        .pipelines(example_service::pipelines())
        .main()
}
