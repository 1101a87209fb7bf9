//! The build-script entry point: a service regenerates its pipeline files whenever its pipeline
//! code changes, as part of `cargo build`, and only checks them in CI.

use super::{EXIT_OK, Generator};

impl Generator {
    /// Runs the generator from a build script (`build.rs`): prints `cargo:rerun-if-changed` for
    /// each path given to [`Generator::watch`] (and `rerun-if-env-changed=CI`), then writes the
    /// files, or, under `CI=true`, only checks them. Drift in CI, an invalid pipeline or an I/O
    /// error fails the build with the diagnostics or the diff.
    ///
    /// A service keeps its pipelines in `src/pipelines.rs`, compiled both into its library and,
    /// with `#[path = "src/pipelines.rs"] mod pipelines;`, into its build script:
    ///
    /// ```no_run
    /// // build.rs
    /// # mod pipelines { pub fn generator() -> pipeline_core::Generator { pipeline_core::generator!() } }
    /// fn main() {
    ///     pipelines::generator().watch("src/pipelines.rs").build_script();
    /// }
    /// ```
    pub fn build_script(self) {
        println!("cargo:rerun-if-env-changed=CI");
        for path in &self.watch {
            println!("cargo:rerun-if-changed={path}");
        }
        let check = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let args: &[&str] = if check { &["--check"] } else { &[] };
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let code = self.run(args.iter().copied(), &mut stdout, &mut stderr);
        let stderr = String::from_utf8_lossy(&stderr);
        if code == EXIT_OK {
            let summary = stderr.lines().last().filter(|l| !l.contains(" 0 written, 0 removed"));
            if let (Some(summary), false) = (summary, check) {
                println!("cargo:warning={summary}");
            }
            return;
        }
        eprint!("{}{stderr}", String::from_utf8_lossy(&stdout));
        std::process::exit(code);
    }

    /// A file (relative to the crate) whose change should rerun the build script.
    #[must_use]
    pub fn watch(mut self, path: impl Into<String>) -> Self {
        self.watch.push(path.into());
        self
    }
}
