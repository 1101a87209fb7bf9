//! Regenerates the service's pipeline files: `cargo run -p example-service [-- --check]`.

fn main() {
    example_service::generator().main()
}
