//! Typed GitHub settings a job carries with `.extend(..)`: what the portable model does not say.

use pipeline_core::{Access, Expr, Permission};

/// GitHub specifics of one job.
///
/// ```
/// use pipeline_backends::github::{Github, GithubJob};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let job = Job::new("build")
///     .extend(GithubJob::default().runs_on(["ubuntu-24.04-16core"]).permission(Permission::Packages, Access::Write))
///     .step(Step::script("make"));
/// let p = Pipeline::new("ci").on(Trigger::push()).job(job);
/// let yaml = Github::new().render(&p, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("runs-on: ubuntu-24.04-16core"));
/// assert!(yaml.contains("packages: write"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GithubJob {
    /// `runs-on` labels replacing the ones derived from the runner (larger runners, runner groups).
    pub runs_on: Vec<String>,
    /// Token permissions granted on top of those derived from the steps.
    pub permissions: Vec<(Permission, Access)>,
}

impl GithubJob {
    /// Runs on these labels.
    #[must_use]
    pub fn runs_on<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.runs_on = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Grants a token permission.
    #[must_use]
    pub fn permission(mut self, permission: Permission, access: Access) -> Self {
        self.permissions.push((permission, access));
        self
    }
}

/// Makes the pipeline's workflow reusable: `on: workflow_call` beside its other triggers.
///
/// ```
/// use pipeline_backends::github::{Github, Reusable};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let deploy = Pipeline::new("deploy")
///     .on(Trigger::manual().input(Input::string("environment", "Where to deploy").required()))
///     .extend(Reusable::new())
///     .job(Job::new("deploy").env("TOKEN", Expr::secret("DEPLOY_TOKEN")).env("ENV", Expr::input("environment")).step(Step::script("./deploy.sh \"$ENV\"")));
/// let yaml = Github::new().render(&deploy, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("  workflow_call:\n    inputs:\n      environment:"));
/// assert!(yaml.contains("    secrets:\n      DEPLOY_TOKEN:\n        description: "));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reusable {}

impl Reusable {
    /// The setting.
    pub fn new() -> Self {
        Self::default()
    }
}

/// On GitHub, the job runs a reusable workflow (`jobs.<id>.uses`) instead of its steps; the
/// other platforms run the steps (warning `github-workflow-call`). The workflow is a file of this
/// repository (`./.github/workflows/x.yml`, written in GitHub's self-repository form
/// `$/.github/workflows/x.yml`) or of another one pinned by commit SHA
/// (`owner/repo/.github/workflows/x.yml@<sha>`); inputs and secrets are typed values; the
/// permissions are the most the called workflow's jobs may use (GitHub lets a called job only
/// lower them).
///
/// ```
/// use pipeline_backends::github::{CallWorkflow, Github};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let deploy = Job::new("deploy")
///     .extend(
///         CallWorkflow::new("./.github/workflows/deploy-service.yml")
///             .with("environment", "production")
///             .secret("DEPLOY_TOKEN", Expr::secret("DEPLOY_TOKEN"))
///             .permission(Permission::Contents, Access::Read),
///     )
///     .step(Step::checkout())
///     .step(Step::script("./deploy.sh production"));
/// let p = Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(deploy);
/// let yaml = Github::new().render(&p, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("    uses: $/.github/workflows/deploy-service.yml\n    with:\n      environment: production\n    secrets:\n      DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n"));
/// assert!(!yaml.contains("runs-on"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallWorkflow {
    /// `./.github/workflows/x.yml` or `owner/repo/.github/workflows/x.yml@<sha>`.
    pub workflow: String,
    /// Inputs, by name: typed literals or expressions.
    pub with: Vec<(String, CallInput)>,
    /// Secrets passed, by the name the called workflow declares.
    pub secrets: Vec<(String, Expr)>,
    /// Token permissions the called workflow's jobs may use.
    pub permissions: Vec<(Permission, Access)>,
}

impl CallWorkflow {
    /// Calls `workflow`.
    pub fn new(workflow: impl Into<String>) -> Self {
        Self {
            workflow: workflow.into(),
            with: Vec::new(),
            secrets: Vec::new(),
            permissions: Vec::new(),
        }
    }

    /// Passes input `name` as a string or an expression (written quoted as YAML needs; for a
    /// `type: boolean` or `type: number` input use [`Self::with_bool`] or [`Self::with_number`]).
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.with.push((name.into(), CallInput::Expr(value.into())));
        self
    }

    /// Passes input `name` as a YAML boolean (`true`/`false`, unquoted), for a `type: boolean`
    /// input of the called workflow.
    #[must_use]
    pub fn with_bool(mut self, name: impl Into<String>, value: bool) -> Self {
        self.with.push((name.into(), CallInput::Bool(value)));
        self
    }

    /// Passes input `name` as a YAML number (unquoted), for a `type: number` input of the called
    /// workflow.
    #[must_use]
    pub fn with_number(mut self, name: impl Into<String>, value: i64) -> Self {
        self.with.push((name.into(), CallInput::Number(value)));
        self
    }

    /// Passes secret `name` (a secret or the platform token).
    #[must_use]
    pub fn secret(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.secrets.push((name.into(), value.into()));
        self
    }

    /// Lets the called workflow's jobs use `permission`.
    #[must_use]
    pub fn permission(mut self, permission: Permission, access: Access) -> Self {
        self.permissions.push((permission, access));
        self
    }

    /// What is wrong with the call, if anything: the workflow reference, the input and secret
    /// names, secrets that are not secrets.
    pub(crate) fn problem(&self) -> Option<String> {
        let w = &self.workflow;
        let file_ok = |f: &str| {
            f.strip_prefix(".github/workflows/").is_some_and(|name| {
                (name.ends_with(".yml") || name.ends_with(".yaml"))
                    && !name.contains('/')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            })
        };
        let reference_ok = match w.strip_prefix("./").or_else(|| w.strip_prefix("$/")) {
            Some(local) => file_ok(local),
            None => match w.split_once('@') {
                Some((path, sha)) => {
                    let parts: Vec<&str> = path.splitn(3, '/').collect();
                    sha.len() == 40
                        && sha.chars().all(|c| c.is_ascii_hexdigit())
                        && parts.len() == 3
                        && parts[..2]
                            .iter()
                            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
                        && file_ok(parts[2])
                }
                None => false,
            },
        };
        if !reference_ok {
            return Some("not a workflow file of this repository or one pinned by a full commit SHA".to_owned());
        }
        let is_name = |n: &str| {
            let mut c = n.chars();
            c.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && c.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if let Some(n) = self
            .with
            .iter()
            .map(|(n, _)| n)
            .chain(self.secrets.iter().map(|(n, _)| n))
            .find(|n| !is_name(n))
        {
            return Some(format!("{n:?} is not an input or secret name"));
        }
        if let Some((n, _)) = self
            .secrets
            .iter()
            .find(|(_, v)| !matches!(v, Expr::Secret(_) | Expr::Token(_)))
        {
            return Some(format!("secret {n:?} is not a secret or the platform token"));
        }
        None
    }
}

/// One input value passed by a [`CallWorkflow`]: a typed literal, or a string or expression.
///
/// ```
/// use pipeline_backends::github::{CallWorkflow, Github};
/// use pipeline_core::prelude::*;
/// use pipeline_core::diagnostic::Diagnostics;
///
/// let call = CallWorkflow::new("./.github/workflows/deploy.yml")
///     .with("environment", "production")
///     .with_bool("dry-run", false)
///     .with_number("replicas", 3);
/// let p = Pipeline::new("release")
///     .on(Trigger::push())
///     .job(Job::new("deploy").extend(call).step(Step::script("./deploy.sh")));
/// let yaml = Github::new().render(&p, &mut Diagnostics::new()).expect("renders");
/// assert!(yaml.contains("    with:\n      environment: production\n      dry-run: false\n      replicas: 3\n"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallInput {
    /// A string or an expression (`type: string`, or whatever the expression yields).
    Expr(Expr),
    /// A boolean literal (`type: boolean`).
    Bool(bool),
    /// A whole-number literal (`type: number`).
    Number(i64),
}

impl CallInput {
    /// The `type:` of a `workflow_call` input this value is a literal of, when it is a literal
    /// of a known type (`None` for an expression, whose type is known only when it runs).
    pub fn literal_type(&self) -> Option<&'static str> {
        match self {
            CallInput::Expr(Expr::Literal(_)) => Some("string"),
            CallInput::Expr(_) => None,
            CallInput::Bool(_) => Some("boolean"),
            CallInput::Number(_) => Some("number"),
        }
    }
}
