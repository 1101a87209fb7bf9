//! Regenerates this repository's CI workflow: `cargo run -p ci [-- --check]`.

fn main() {
    ci::generator().main()
}
