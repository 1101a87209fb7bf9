//! The generated-files check: the generator's `--check` as a job.

use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;

use super::{RUST_IMAGE, script_step};

/// A job that fails, with the diff, when a generated pipeline file differs from what the
/// generator produces now: edited by hand, or not regenerated after a change to the pipeline
/// code. It runs the regenerate command with `--check` (`cargo run --locked -p ci -- --check`):
/// exit 1 prints the unified diff and fails the job; exit 2 is an invalid pipeline.
///
/// Added to one pipeline as a construct (job id `definition-check`, step id `check`), or to every
/// pipeline of a generator with [`GeneratorDriftExt::definition_check`], which takes the command
/// from the generator's header ([`Header::regenerate`](pipeline_core::Header)).
///
/// ```
/// use pipeline_templates::practices::drift::DefinitionCheck;
/// use pipeline_core::prelude::*;
///
/// let check = DefinitionCheck::new().command("cargo run -p ci");
/// assert_eq!(check.check_command(), "cargo run --locked -p ci -- --check");
/// let p = Pipeline::new("ci").on(Trigger::pull_request()).with(&check);
/// let job = p.find_job("definition-check").expect("added");
/// assert_eq!(job.runner.image.as_deref(), Some("rust:1.95-bookworm"));
/// assert!(matches!(&job.steps[1].kind, StepKind::Script(s) if s.contains("cargo run --locked -p ci -- --check || status=$?")));
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionCheck {
    /// The command that regenerates the files (`cargo run -p ci`); empty means the generator's,
    /// filled in by [`GeneratorDriftExt::definition_check`].
    pub command: String,
    /// Where it runs: an image with Rust (and the repository's toolchain) by default.
    pub runner: Runner,
    /// The job's timeout.
    pub timeout_minutes: u32,
    /// Whether the job caches `target/` (keyed on `Cargo.lock`). Off by default: GitHub refuses
    /// caches in pipelines triggered by tags or release branches.
    pub cache: bool,
}

impl Default for DefinitionCheck {
    fn default() -> Self {
        Self {
            command: String::new(),
            runner: Runner::linux().image(RUST_IMAGE),
            timeout_minutes: 20,
            cache: false,
        }
    }
}

impl DefinitionCheck {
    /// The check with the generator's command, in a Rust image, without cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the regenerate command (what the generated files' header says).
    #[must_use]
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.command = command.into();
        self
    }

    /// Sets the runner.
    #[must_use]
    pub fn runner(mut self, runner: Runner) -> Self {
        self.runner = runner;
        self
    }

    /// Runs in `image` (which needs the toolchain the generator builds with).
    #[must_use]
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.runner = self.runner.image(image);
        self
    }

    /// Sets the timeout.
    #[must_use]
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout_minutes = minutes;
        self
    }

    /// Caches `target/` between runs.
    #[must_use]
    pub fn cache(mut self) -> Self {
        self.cache = true;
        self
    }

    /// The command the job runs: the regenerate command with `--check` (after `--` for
    /// `cargo run`, which also gets `--locked`).
    ///
    /// ```
    /// use pipeline_templates::practices::drift::DefinitionCheck;
    /// let check = |c: &str| DefinitionCheck::new().command(c).check_command();
    /// assert_eq!(check("cargo run -p example-service"), "cargo run --locked -p example-service -- --check");
    /// assert_eq!(check("cargo run --locked -p ci -- --out gen"), "cargo run --locked -p ci -- --out gen --check");
    /// assert_eq!(check("./target/release/pipelines"), "./target/release/pipelines --check");
    /// ```
    pub fn check_command(&self) -> String {
        let mut command = self.command.trim().to_owned();
        if let Some(rest) = command.strip_prefix("cargo run") {
            if (rest.is_empty() || rest.starts_with(' ')) && !rest.split(' ').any(|w| w == "--locked") {
                command = format!("cargo run --locked{rest}");
            }
        }
        let cargo = command.starts_with("cargo ");
        if cargo && !command.split(' ').any(|w| w == "--") {
            command.push_str(" -- --check");
        } else {
            command.push_str(" --check");
        }
        command
    }

    /// The job (id `definition-check`).
    pub fn job(&self) -> Job {
        let mut job = Job::new("definition-check")
            .name("Generated pipeline files are up to date")
            .role(JobRole::new("definition-check"))
            .runner(self.runner.clone())
            .timeout_minutes(self.timeout_minutes)
            .step(Step::checkout());
        if self.command.trim().is_empty() {
            job.problems.push(Problem::new(
                "definition-check-command",
                "the definition check has no regenerate command",
                "set it with `DefinitionCheck::new().command(\"cargo run -p ci\")`, or add the check with `Generator::definition_check` (GeneratorDriftExt), which takes the generator's",
            ));
        }
        if self.cache {
            job = job.step(
                Step::cache(Cache::new("cargo-definition-check", ["target"]).hash_files(["Cargo.lock"])).id("cache"),
            );
        }
        let check = script_step(
            &mut job.problems,
            "definition-check.sh",
            vec![
                ("check", self.check_command().into()),
                ("regenerate", self.command.trim().into()),
            ],
        );
        job.step(check.id("check").name("Check the generated files"))
    }
}

impl Construct for DefinitionCheck {
    fn build(&self, scope: &mut Scope<'_>) {
        scope.add_job(self.job());
    }
}

/// Adds a [`DefinitionCheck`] job to every pipeline of a [`Generator`].
pub trait GeneratorDriftExt {
    /// Adds `check` (with the generator's regenerate command unless it sets its own) to every
    /// pipeline added so far: call it after the pipelines and after
    /// [`Generator::regenerate_command`].
    ///
    /// ```
    /// use pipeline_templates::practices::drift::{DefinitionCheck, GeneratorDriftExt};
    /// use pipeline_core::prelude::*;
    /// let generator = Generator::new("ci", ".")
    ///     .pipeline(Pipeline::new("a").on(Trigger::push()).job(Job::new("t").step(Step::script("true"))))
    ///     .pipeline(Pipeline::new("b").on(Trigger::schedule("0 4 * * *")).job(Job::new("t").step(Step::script("true"))))
    ///     .definition_check(DefinitionCheck::new());
    /// for p in generator.pipelines_ref() {
    ///     let job = p.find_job("definition-check").expect("in every pipeline");
    ///     assert!(matches!(&job.steps[1].kind, StepKind::Script(s) if s.contains("cargo run --locked -p ci -- --check")));
    /// }
    /// # for p in generator.pipelines_ref() { pipeline_core::validate::assert_valid(p); }
    /// ```
    #[must_use]
    fn definition_check(self, check: DefinitionCheck) -> Self;
}

impl GeneratorDriftExt for Generator {
    fn definition_check(self, mut check: DefinitionCheck) -> Self {
        if check.command.trim().is_empty() {
            check.command = self.header().regenerate.clone();
        }
        self.edit_pipelines(|p| {
            p.scope().add_here(&check);
        })
    }
}
