//! Regenerates the project's pipeline files: `cargo run -p oss-rust [-- --check]`.

fn main() {
    oss_rust::generator().main()
}
