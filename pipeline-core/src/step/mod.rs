//! Steps: the units of work inside a job, and the state they hand to later steps
//! ([`state`]).

pub mod checkout;
pub mod shell;
pub mod state;

pub use checkout::Checkout;
pub use shell::Shell;
pub use state::StepState;

use crate::action::ActionStep;
use crate::artifact::{Download, Upload};
use crate::cache::Cache;
use crate::cloud::{AwsRole, CloudRole};
use crate::condition::Condition;
use crate::env::Env;
use crate::expr::{Expr, StepOutput};
use crate::extension::{Extension, Extensions};
use crate::id::{ArtifactName, OutputName, StepId, VarName};
use crate::platform::Platforms;

/// Sets a job output to what `command` prints (trailing newlines removed). The command runs as
/// its own `bash -eo pipefail` process; any value survives the trip to the consuming job, up to
/// [`OUTPUT_MAX_ENCODED_BYTES`](crate::semantics::OUTPUT_MAX_ENCODED_BYTES) bytes encoded
/// (docs/SEMANTICS.md, section 8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetOutput {
    /// The output's name.
    pub name: OutputName,
    /// A shell command whose standard output is the value.
    pub command: String,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A shell script (bash; multi-line allowed). Values reach it through `env` only.
    Script(String),
    /// A checkout of the repository.
    Checkout(Checkout),
    /// A platform action pinned by SHA.
    Action(ActionStep),
    /// Uploads an artifact.
    Upload(Upload),
    /// Downloads an artifact.
    Download(Download),
    /// Restores and saves a cache.
    Cache(Cache),
    /// Assumes a cloud role with the platform's OIDC token.
    AssumeRole(CloudRole),
    /// Sets a job output.
    SetOutput(SetOutput),
}

impl StepKind {
    /// A short name of the kind for messages (`script`, `checkout`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Script(_) => "script",
            StepKind::Checkout(_) => "checkout",
            StepKind::Action(_) => "action",
            StepKind::Upload(_) => "artifact upload",
            StepKind::Download(_) => "artifact download",
            StepKind::Cache(_) => "cache",
            StepKind::AssumeRole(_) => "cloud role",
            StepKind::SetOutput(_) => "set output",
        }
    }
}

/// A step of a job.
///
/// ```
/// use pipeline_core::prelude::*;
/// let step = Step::script("cargo test --workspace --locked")
///     .id("test")
///     .name("Unit tests")
///     .env("RUST_BACKTRACE", "1");
/// assert_eq!(step.id.as_ref().map(StepId::as_str), Some("test"));
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("test").step(step)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// An id, unique in the job, so constructs can insert steps around it.
    pub id: Option<StepId>,
    /// A display name.
    pub name: Option<String>,
    /// What it does.
    pub kind: StepKind,
    /// Environment variables of this step.
    pub env: Env,
    /// Run only when this holds.
    pub condition: Option<Condition>,
    /// A failure of this step does not fail the job.
    pub continue_on_error: bool,
    /// Directory the step runs in, relative to the workspace.
    pub working_directory: Option<String>,
    /// Typed platform-specific settings (see [`crate::extension`]).
    pub extensions: Extensions,
    /// The platforms the step exists on (every platform by default; see [`Step::only_on`]).
    pub platforms: Platforms,
    /// What the step exports to the later steps of its job ([`StepState`]).
    pub state: StepState,
    /// The shell of a script step ([`Shell::Bash`] unless set; see [`Step::shell`]).
    pub shell: Shell,
}

impl Step {
    fn of(kind: StepKind) -> Self {
        Self {
            id: None,
            name: None,
            kind,
            env: Env::new(),
            condition: None,
            continue_on_error: false,
            working_directory: None,
            extensions: Extensions::new(),
            platforms: Platforms::all(),
            state: StepState::default(),
            shell: Shell::Bash,
        }
    }

    /// A shell script step.
    pub fn script(body: impl Into<String>) -> Self {
        Self::of(StepKind::Script(body.into()))
    }

    /// A checkout with the platform's defaults.
    pub fn checkout() -> Self {
        Self::of(StepKind::Checkout(Checkout::default()))
    }

    /// A checkout with explicit settings: history depth, submodules, LFS, or another
    /// repository, ref or directory (see [`Checkout`]).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let job = Job::new("build")
    ///     .step(Step::checkout())
    ///     .step(Step::checkout_with(Checkout::repository("acme/build-tools").git_ref("v2.1.0").path("tools")));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job.step(Step::script("make"))));
    /// ```
    pub fn checkout_with(checkout: Checkout) -> Self {
        Self::of(StepKind::Checkout(checkout))
    }

    /// A pinned platform action; pass an [`ActionStep`] to set inputs and permissions.
    pub fn action(action: impl Into<ActionStep>) -> Self {
        Self::of(StepKind::Action(action.into()))
    }

    /// Uploads `paths` as artifact `name`.
    pub fn upload<S: Into<String>>(name: impl Into<ArtifactName>, paths: impl IntoIterator<Item = S>) -> Self {
        Self::of(StepKind::Upload(Upload::new(name, paths)))
    }

    /// Downloads artifact `name`: its files arrive at the paths they were uploaded from,
    /// relative to the workspace (docs/SEMANTICS.md, section 7).
    pub fn download(name: impl Into<ArtifactName>) -> Self {
        Self::download_to(name, ".")
    }

    /// Downloads artifact `name`, whose files all lie under directory `path` of the workspace
    /// (validation checks the uploaded paths: error `download-path` otherwise). The files arrive
    /// at the paths they were uploaded from, as with [`Step::download`].
    pub fn download_to(name: impl Into<ArtifactName>, path: impl Into<String>) -> Self {
        Self::of(StepKind::Download(Download {
            artifact: name.into(),
            path: path.into(),
        }))
    }

    /// Restores and saves a cache.
    pub fn cache(cache: Cache) -> Self {
        Self::of(StepKind::Cache(cache))
    }

    /// Assumes an AWS role with the platform's OIDC token.
    pub fn assume_aws_role(role: AwsRole) -> Self {
        Self::of(StepKind::AssumeRole(CloudRole::Aws(role)))
    }

    /// Sets job output `name` to what `command` prints.
    pub fn set_output(name: impl Into<OutputName>, command: impl Into<String>) -> Self {
        Self::of(StepKind::SetOutput(SetOutput {
            name: name.into(),
            command: command.into(),
        }))
    }

    /// Sets the id.
    #[must_use]
    pub fn id(mut self, id: impl Into<StepId>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Keeps the step on these platforms only: the job's other platforms do not run it (see
    /// [`crate::platform`]).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// use pipeline_core::Platform;
    /// let job = Job::new("test")
    ///     .step(Step::script("cargo test"))
    ///     .step(Step::script("./upload-coverage.sh").only_on(Platform::Gitlab));
    /// let pipeline = Pipeline::new("ci").on(Trigger::push()).job(job);
    /// assert_eq!(pipeline.for_platform(Platform::Github).jobs[0].steps.len(), 1);
    /// # pipeline_core::validate::assert_valid(&pipeline);
    /// ```
    #[must_use]
    pub fn only_on(mut self, platforms: impl Into<Platforms>) -> Self {
        self.platforms = platforms.into();
        self
    }

    /// Runs the script step in `shell` instead of bash (see [`Shell`]; only script steps, and
    /// step state needs bash).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let step = Step::script("Write-Output $env:GREETING").shell(Shell::Pwsh).env("GREETING", "hi");
    /// assert_eq!(step.shell, Shell::Pwsh);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("b").step(step)));
    /// ```
    #[must_use]
    pub fn shell(mut self, shell: Shell) -> Self {
        self.shell = shell;
        self
    }

    /// Sets the display name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets an environment variable.
    #[must_use]
    pub fn env(mut self, name: impl Into<VarName>, value: impl Into<Expr>) -> Self {
        self.env.insert(name, value);
        self
    }

    /// Runs only when `condition` holds.
    #[must_use]
    pub fn when(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// A failure of this step does not fail the job.
    #[must_use]
    pub fn continue_on_error(mut self) -> Self {
        self.continue_on_error = true;
        self
    }

    /// Runs in `dir`.
    #[must_use]
    pub fn working_directory(mut self, dir: impl Into<String>) -> Self {
        self.working_directory = Some(dir.into());
        self
    }

    /// Attaches typed platform-specific settings (replacing settings of the same type).
    #[must_use]
    pub fn extend<T: Extension + Clone + PartialEq>(mut self, settings: T) -> Self {
        self.extensions.insert(settings);
        self
    }

    /// Exports environment variable `name` to the later steps of the job: the step writes
    /// `NAME=value` to the file `$PIPELINE_ENV` (see [`state`]).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let job = Job::new("build")
    ///     .step(Step::script("echo \"CC=clang\" >> \"$PIPELINE_ENV\"").exports_env("CC"))
    ///     .step(Step::script("\"$CC\" --version"));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
    /// ```
    #[must_use]
    pub fn exports_env(mut self, name: impl Into<VarName>) -> Self {
        self.state.env.push(name.into());
        self
    }

    /// Lets the step add directories to `PATH` for the later steps of the job: it writes one
    /// directory per line to the file `$PIPELINE_PATH` (see [`state`]).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let job = Job::new("build")
    ///     .step(Step::script("mkdir -p bin && echo bin >> \"$PIPELINE_PATH\"").adds_path())
    ///     .step(Step::script("echo \"$PATH\""));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
    /// ```
    #[must_use]
    pub fn adds_path(mut self) -> Self {
        self.state.path = true;
        self
    }

    /// Exports output `name` to the later steps of the job: the step writes `name=value` to the
    /// file `$PIPELINE_OUTPUT`; later steps read it with [`Step::output`] (the step needs an id).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let meta = Step::script("echo \"sha=$(git rev-parse HEAD)\" >> \"$PIPELINE_OUTPUT\"")
    ///     .id("meta")
    ///     .exports_output("sha");
    /// assert_eq!(meta.state.outputs[0], "sha");
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("b").step(meta)));
    /// ```
    #[must_use]
    pub fn exports_output(mut self, name: impl Into<OutputName>) -> Self {
        self.state.outputs.push(name.into());
        self
    }

    /// A handle on output `name` of this step, for the `env` of a later step of the same job.
    /// Validation checks that the step has an id and exports the output (`unknown-step-output`).
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let meta = Step::script("echo \"n=1\" >> \"$PIPELINE_OUTPUT\"").id("meta").exports_output("n");
    /// assert_eq!(meta.output("n"), StepOutput::new("meta", "n"));
    /// # let read = Step::script("echo \"$N\"").env("N", meta.output("n"));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("b").step(meta).step(read)));
    /// ```
    pub fn output(&self, name: impl Into<OutputName>) -> StepOutput {
        StepOutput::new(self.id.clone().unwrap_or_else(|| StepId::new("")), name)
    }

    /// The id as a string, if any.
    pub fn id_str(&self) -> Option<&str> {
        self.id.as_ref().map(StepId::as_str)
    }
}

macro_rules! step_from {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for Step {
            fn from(value: $ty) -> Self {
                Step::of(StepKind::$variant(value))
            }
        }
    )*};
}

step_from!(
    Checkout => Checkout,
    ActionStep => Action,
    Upload => Upload,
    Download => Download,
    Cache => Cache,
    CloudRole => AssumeRole,
    SetOutput => SetOutput,
);

impl From<AwsRole> for Step {
    fn from(value: AwsRole) -> Self {
        Step::assume_aws_role(value)
    }
}
