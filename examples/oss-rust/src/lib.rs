//! The pipelines of `ferris-grep`, an open-source Rust command-line tool, as its maintainers
//! would write them with this library:
//!
//! - `ci`: on every push to `main` and every pull request, lint once, then test on Linux, macOS
//!   and Windows (a runner axis) with the default features and all features, plus extra cells:
//!   the MSRV on Linux and Linux on ARM; Windows skips the all-features cell (excluded). The
//!   toolchain step hands `RUSTUP_TOOLCHAIN` to the later steps (step state); which test
//!   command runs is a typed condition on the cell's `features` value. A notification job runs
//!   only on `main` when the tests failed (a condition on the need's result).
//! - `release`: on `v*` tags, read the version once (a step output that later jobs read),
//!   cross-compile a binary per target on its own runner, attest each archive's build
//!   provenance, and publish a GitHub release with every archive.
//!
//! Generated for GitHub Actions and GitLab CI (with the docs pages). CodePipeline is refused, by
//! design: CodeBuild has no macOS or Windows machines for a pipeline, and CodePipeline stops at
//! a failed stage, so the failure notification cannot run there; provenance needs a KMS key
//! there, and a CodeBuild action cannot take the five release archives at once. The generator
//! says so (`codepipeline-unsupported` naming the job and the cell, `codepipeline-limit`; see
//! `tests/oss_rust.rs`).

use pipeline_backends::Github;
use pipeline_backends::gitlab::{Gitlab, GitlabRunners};
use pipeline_core::prelude::*;
use pipeline_templates::practices::supply_chain::Provenance;

/// The binary's name.
pub const BIN: &str = "ferris-grep";
/// The minimum supported Rust version.
pub const MSRV: &str = "1.85";

/// The release targets: the target triple, the runner that builds it, and whether it is
/// cross-compiled there (a macOS ARM runner builds the Intel binary).
///
/// ```
/// let macos: Vec<&str> = oss_rust::targets().iter().filter(|(_, r)| r.os == pipeline_core::Os::Macos).map(|(t, _)| *t).collect();
/// assert_eq!(macos, ["aarch64-apple-darwin", "x86_64-apple-darwin"]);
/// ```
pub fn targets() -> Vec<(&'static str, Runner)> {
    vec![
        ("x86_64-unknown-linux-gnu", Runner::linux()),
        ("aarch64-unknown-linux-gnu", Runner::linux_arm64()),
        ("aarch64-apple-darwin", Runner::macos()),
        ("x86_64-apple-darwin", Runner::macos()),
        ("x86_64-pc-windows-msvc", Runner::windows()),
    ]
}

/// The CI pipeline.
///
/// ```
/// let ci = oss_rust::ci();
/// let test = ci.jobs.iter().find(|j| j.id == "test").expect("test job");
/// // Linux, macOS and Windows with two feature sets, minus Windows/all, plus the MSRV and ARM cells.
/// assert_eq!(test.matrix.as_ref().map(|m| m.cells().len()), Some(7));
/// pipeline_core::validate::assert_valid(&ci);
/// ```
pub fn ci() -> Pipeline {
    let rust = Axis::new("rust");
    let features = Axis::new("features");
    let lint = Job::new("lint")
        .name("Format and clippy")
        .step(Step::checkout())
        .step(Step::script("rustup component add rustfmt clippy\ncargo fmt --all --check").name("Format"))
        .step(Step::script("cargo clippy --workspace --all-targets --locked -- -D warnings").name("Clippy"));
    let matrix = Matrix::new()
        .runners([Runner::linux(), Runner::macos(), Runner::windows()])
        .axis(&rust, ["stable"])
        .axis(&features, ["default", "all"])
        .exclude([("runner", Runner::windows().key().as_str()), ("features", "all")])
        .include_runner(Runner::linux(), [("rust", MSRV), ("features", "default")])
        .include_runner(Runner::linux_arm64(), [("rust", "stable"), ("features", "default")]);
    let test = Job::new("test")
        .name("Test")
        .needs(&lint)
        .matrix(matrix)
        .env("RUST", rust.value())
        .step(Step::checkout())
        .step(
            Step::script(
                "rustup toolchain install \"$RUST\" --profile minimal\necho \"RUSTUP_TOOLCHAIN=$RUST\" >> \"$PIPELINE_ENV\"",
            )
            .name("Toolchain")
            .exports_env("RUSTUP_TOOLCHAIN"),
        )
        .step(
            Step::script("cargo test --workspace --locked")
                .name("Test")
                .when(Subject::matrix("features").equals("default")),
        )
        .step(
            Step::script("cargo test --workspace --locked --all-features")
                .name("Test all features")
                .when(Subject::matrix("features").equals("all")),
        )
        .timeout_minutes(45);
    let notify = Job::new("notify-failure")
        .name("Report a failed main build")
        .needs(&test)
        .when(Condition::need(&test, JobResult::Failure) & Subject::Branch.equals("main"))
        .step(Step::script(
            "echo \"the tests of main failed; see the run for the failing cells\" >&2",
        ));
    Pipeline::new("ci")
        .name("CI")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .env("CARGO_TERM_COLOR", "always")
        .jobs([lint, test, notify])
}

/// The release pipeline.
///
/// ```
/// let release = oss_rust::release();
/// assert_eq!(release.jobs.len(), 2 + oss_rust::targets().len());
/// pipeline_core::validate::assert_valid(&release);
/// ```
pub fn release() -> Pipeline {
    let version = Job::new("version")
        .name("Read the version")
        .step(Step::checkout())
        .step(Step::set_output(
            "version",
            "cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"packages\"][0][\"version\"])'",
        ));
    let mut jobs = Vec::new();
    let mut builds = Vec::new();
    for (target, runner) in targets() {
        let id = format!("build-{target}");
        let archive = format!("dist/{BIN}-{target}.tar.gz");
        let build = Job::new(id.as_str())
            .name(format!("Build {target}"))
            .needs(&version)
            .runner(runner)
            .env("TARGET", target)
            .env("VERSION", version.output("version"))
            .step(Step::checkout())
            .step(Step::script("rustup target add \"$TARGET\"").name("Add the target"))
            .step(Step::script("cargo build --release --locked --target \"$TARGET\"").name("Build"))
            .step(
                Step::script(format!(
                    "mkdir -p dist\ncp README.md \"target/$TARGET/release/\"\ntar -czf \"{archive}\" -C \"target/$TARGET/release\" {BIN}* README.md\necho \"{BIN} $VERSION for $TARGET\""
                ))
                .name("Package"),
            )
            .step(Step::upload(format!("bin-{target}").as_str(), [archive.as_str()]))
            .timeout_minutes(60);
        let build = Provenance::new(archive.as_str()).apply(build);
        builds.push(build.id.clone());
        jobs.push(build);
    }
    let mut publish = Job::new("publish")
        .name("Publish the GitHub release")
        .needs_all(builds.clone())
        .needs(&version)
        .env("VERSION", version.output("version"))
        .env("GH_TOKEN", Expr::secret("RELEASE_TOKEN"));
    for (target, _) in targets() {
        publish = publish.step(Step::download_to(format!("bin-{target}").as_str(), "dist"));
    }
    let publish = publish.step(
        Step::script(
            "gh release create \"v$VERSION\" dist/*.tar.gz --verify-tag --title \"v$VERSION\" --generate-notes",
        )
        .name("Create the release"),
    );
    Pipeline::new("release")
        .name("Release")
        .on(Trigger::push().tags(["v*"]))
        .env("CARGO_TERM_COLOR", "always")
        .job(version)
        .jobs(jobs)
        .job(publish)
}

/// Every pipeline of the project.
///
/// ```
/// let ids: Vec<String> = oss_rust::pipelines().iter().map(|p| p.id.to_string()).collect();
/// assert_eq!(ids, ["ci", "release"]);
/// ```
pub fn pipelines() -> Vec<Pipeline> {
    vec![ci(), release()]
}

/// The GitLab backend: GitLab.com's hosted runners, and the project's own Windows runners
/// (registered with a bash shell under the tag `windows-git-bash`: GitLab's hosted Windows
/// runners run PowerShell, which the steps are not written for).
///
/// ```
/// use pipeline_core::diagnostic::Diagnostics;
/// let yaml = oss_rust::gitlab().render(&oss_rust::ci(), &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("- windows-git-bash"));
/// ```
pub fn gitlab() -> Gitlab {
    Gitlab::new().runners(GitlabRunners::hosted().map(&Runner::windows(), ["windows-git-bash"]))
}

/// The generator `cargo run -p oss-rust` runs: GitHub, GitLab and the docs pages, written under
/// `examples/oss-rust/`. CodePipeline is left out: it refuses the macOS and Windows cells.
///
/// ```
/// let rendered = oss_rust::generator().render(&[]).expect("renders");
/// assert!(rendered.files.iter().any(|(_, f)| f.path.as_str() == ".github/workflows/release.yml"));
/// ```
pub fn generator() -> pipeline_core::Generator {
    pipeline_core::generator!()
        .output_root(env!("CARGO_MANIFEST_DIR"))
        .backend(Github::new())
        .backend(gitlab())
        .backend(pipeline_templates::Docs::new())
        .pipelines(pipelines())
}
