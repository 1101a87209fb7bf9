//! Break-glass runs: manual, justified, approved, recorded.

use pipeline_core::diagnostic::{Diagnostics, Problem};
use pipeline_core::prelude::*;

use super::{Value, script_step};

/// Where the audit record is written in the workspace (and uploaded from).
const RECORD_DIR: &str = "break-glass-audit";
const RECORD: &str = "break-glass-audit/record.json";

/// A break-glass pipeline: started by hand with a mandatory reason, it first writes an audit
/// record, then waits for its own approval, then runs the emergency command.
///
/// - Job `audit` (no approval, no credentials): refuses an empty reason, writes
///   `break-glass-audit/record.json` (pipeline, environment, actor, reason, commit, ref,
///   repository, run id, UTC timestamp, command; values through the environment, JSON by
///   python's `json` module), prints it, and uploads it as artifact `break-glass-audit`. A run
///   that is never approved is recorded too.
/// - Job `run` (needs `audit`): deploys to environment `break-glass` behind an [`Approval`],
///   prints the audit record, assumes the AWS role if one is set, and runs the command with
///   `BREAK_GLASS_RECORD` naming the record. It never reads the reason itself.
///
/// The construct adds the reason input to the pipeline's manual trigger (and the trigger, if
/// the pipeline has none). Step ids: `record`, `upload` (audit); `checkout`, `download`,
/// `show-record`, `credentials`, `command` (run).
///
/// Who started the run is [`Builtin::Actor`]: `github.actor`, `$GITLAB_USER_LOGIN`, and on
/// CodePipeline the execution record's trigger (the IAM principal that called
/// `StartPipelineExecution`), read at build time.
///
/// ```
/// use pipeline_templates::practices::drift::BreakGlass;
/// use pipeline_core::prelude::*;
///
/// let p = BreakGlass::new("./scripts/rollback-database.sh")
///     .role(AwsRole::new(Expr::var("BREAK_GLASS_ROLE_ARN"), "eu-west-1"))
///     .pipeline("break-glass");
/// let reason = p.inputs().next().expect("the reason input");
/// assert!(reason.required && reason.name.as_str() == "reason");
/// let audit = p.find_job("audit").expect("audit job");
/// assert_eq!(audit.env.get("BREAK_GLASS_ACTOR"), Some(&Expr::from(Builtin::Actor)));
/// assert_eq!(audit.env.get("BREAK_GLASS_REASON"), Some(&Expr::input("reason")));
/// let run = p.find_job("run").expect("run job");
/// assert_eq!(run.needs, ["audit"]);
/// assert!(run.environment.as_ref().is_some_and(|e| e.name.as_str() == "break-glass" && e.requires_approval()));
/// assert!(!run.exprs().any(|e| e.inputs().next().is_some()), "the run job never reads the reason");
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakGlass {
    /// The emergency command (a bash script, trusted like any script of the pipeline).
    pub command: String,
    /// The name of the reason input.
    pub reason_input: String,
    /// The environment whose approval gates the command.
    pub environment: String,
    /// The approval.
    pub approval: Approval,
    /// The AWS role the command runs with, if any (through the platform's OIDC token).
    pub role: Option<AwsRole>,
    /// Where the command runs.
    pub runner: Runner,
    /// Where the audit job runs: it needs `python3` (and on CodePipeline the AWS CLI).
    pub audit_runner: Runner,
    /// Whether the command's job checks out the repository.
    pub checkout: bool,
    /// The audit record's artifact.
    pub artifact: String,
    /// How long the platform keeps the audit record (keep a copy elsewhere for longer).
    pub retention_days: u32,
    /// The command job's timeout.
    pub timeout_minutes: u32,
}

impl BreakGlass {
    /// A break-glass run of `command`: reason input `reason`, environment `break-glass` with an
    /// approval, the record kept 90 days, the command given 30 minutes.
    pub fn new(command: impl Into<String>) -> Self {
        Self {
            command: command.into(),
            reason_input: "reason".into(),
            environment: "break-glass".into(),
            approval: Approval::new().instructions(
                "Break-glass run: read who started it and why in the audit record (job audit), and approve only a justified emergency.",
            ),
            role: None,
            runner: Runner::linux(),
            audit_runner: Runner::linux(),
            checkout: true,
            artifact: RECORD_DIR.into(),
            retention_days: 90,
            timeout_minutes: 30,
        }
    }

    /// Runs the command with `role`.
    #[must_use]
    pub fn role(mut self, role: AwsRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Sets the environment (its approval is kept).
    #[must_use]
    pub fn environment(mut self, name: impl Into<String>) -> Self {
        self.environment = name.into();
        self
    }

    /// Sets the approval.
    #[must_use]
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = approval;
        self
    }

    /// Names the reason input.
    #[must_use]
    pub fn reason_input(mut self, name: impl Into<String>) -> Self {
        self.reason_input = name.into();
        self
    }

    /// Sets where the command runs.
    #[must_use]
    pub fn runner(mut self, runner: Runner) -> Self {
        self.runner = runner;
        self
    }

    /// Sets where the audit job runs.
    #[must_use]
    pub fn audit_runner(mut self, runner: Runner) -> Self {
        self.audit_runner = runner;
        self
    }

    /// The command's job does not check out the repository.
    #[must_use]
    pub fn without_checkout(mut self) -> Self {
        self.checkout = false;
        self
    }

    /// Sets the command job's timeout.
    #[must_use]
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout_minutes = minutes;
        self
    }

    /// The role of the job that runs the command (`break-glass`), for policies: see
    /// [`ExceptBreakGlass`].
    pub fn job_role() -> JobRole {
        JobRole::new("break-glass")
    }

    /// The reason input: free text, required.
    pub fn input(&self) -> Input {
        Input::string(
            self.reason_input.as_str(),
            "Why this break-glass run is needed (an incident or ticket reference and a short reason)",
        )
        .required()
    }

    /// The pipeline `id`: started by hand with the reason, with this construct.
    pub fn pipeline(&self, id: &str) -> Pipeline {
        Pipeline::new(id)
            .name("Break glass")
            .on(Trigger::manual().input(self.input()))
            .with(self)
    }

    fn audit_job(&self, pipeline: &str) -> Job {
        let mut job = Job::new("audit")
            .name("Record who runs break-glass and why")
            .role(JobRole::new("audit"))
            .runner(self.audit_runner.clone())
            .timeout_minutes(10)
            .env("BREAK_GLASS_PIPELINE", pipeline)
            .env("BREAK_GLASS_ENVIRONMENT", self.environment.as_str())
            .env("BREAK_GLASS_ACTOR", Builtin::Actor)
            .env("BREAK_GLASS_REASON", Expr::input(self.reason_input.as_str()))
            .env("BREAK_GLASS_COMMIT", Builtin::CommitSha)
            .env("BREAK_GLASS_REF", Builtin::RefName)
            .env("BREAK_GLASS_REPOSITORY", Builtin::Repository)
            .env("BREAK_GLASS_RUN_ID", Builtin::RunId)
            .env("BREAK_GLASS_COMMAND", self.command.as_str());
        if self.command.trim().is_empty() {
            job.problems.push(Problem::new(
                "break-glass-command",
                "the break-glass pipeline has no command",
                "give the emergency command to `BreakGlass::new(..)`",
            ));
        }
        let record = script_step(
            &mut job.problems,
            "break-glass-audit.sh",
            vec![
                ("input", Value::from(self.reason_input.as_str())),
                ("record", RECORD.into()),
            ],
        );
        job.step(record.id("record").name("Write the audit record")).step(
            Step::from(Upload::new(self.artifact.as_str(), [RECORD]).retention_days(self.retention_days))
                .id("upload")
                .name("Keep the audit record"),
        )
    }

    fn run_job(&self, audit: &Job) -> Job {
        let environment = Environment::new(self.environment.as_str())
            .tier(Tier::Production)
            .approval(self.approval.clone());
        let mut job = Job::new("run")
            .name("Run the break-glass command")
            .role(BreakGlass::job_role())
            .needs(audit)
            .environment(environment)
            .runner(self.runner.clone())
            .timeout_minutes(self.timeout_minutes);
        if self.checkout {
            job = job.step(Step::checkout().id("checkout"));
        }
        job = job
            .step(Step::download_to(self.artifact.as_str(), RECORD_DIR).id("download"))
            .step(
                Step::script(format!("echo 'Break-glass audit record:'\ncat {RECORD}\n"))
                    .id("show-record")
                    .name("Show the audit record"),
            );
        if let Some(role) = &self.role {
            job = job.step(Step::assume_aws_role(role.clone()).id("credentials"));
        }
        let mut command = self.command.clone();
        if !command.ends_with('\n') {
            command.push('\n');
        }
        job.step(
            Step::script(command)
                .id("command")
                .name("Break-glass command")
                .env("BREAK_GLASS_RECORD", RECORD),
        )
    }
}

impl Construct for BreakGlass {
    fn build(&self, scope: &mut Scope<'_>) {
        let pipeline = scope.pipeline();
        let declared = pipeline.inputs().any(|i| i.name.as_str() == self.reason_input);
        if !declared {
            let manual = pipeline.triggers.iter_mut().find_map(|t| match t {
                Trigger::Manual(m) => Some(m),
                _ => None,
            });
            match manual {
                Some(m) => m.inputs.push(self.input()),
                None => pipeline.triggers.push(Trigger::manual().input(self.input()).into()),
            }
        }
        let id = pipeline.id.to_string();
        let audit = self.audit_job(&id);
        let run = self.run_job(&audit);
        scope.add_job(audit);
        scope.add_job(run);
    }
}

/// An organisation policy that does not look at break-glass command jobs (role
/// [`BreakGlass::job_role`]): a break-glass run bypasses the delivery path on purpose (no scan
/// before an emergency), under its own approval and audit record. Wrap only the policies that
/// must not apply; the others (an approval for production, timeouts, pinned actions) still do.
///
/// ```
/// use pipeline_templates::practices::drift::{BreakGlass, ExceptBreakGlass};
/// use pipeline_core::policy::{ApprovalRequired, ScanBeforeDeploy};
/// use pipeline_core::prelude::*;
///
/// let p = BreakGlass::new("./kill-switch.sh").pipeline("break-glass");
/// let mut out = Diagnostics::new();
/// ScanBeforeDeploy.check(&p, &mut out);
/// assert!(out.contains_code("scan-before-deploy"));
/// let mut out = Diagnostics::new();
/// ExceptBreakGlass::new(ScanBeforeDeploy).check(&p, &mut out);
/// ApprovalRequired::production().check(&p, &mut out);
/// assert!(out.is_empty(), "{out}");
/// # pipeline_core::validate::assert_valid(&p);
/// ```
pub struct ExceptBreakGlass(Box<dyn Policy>);

impl ExceptBreakGlass {
    /// `policy`, blind to break-glass command jobs.
    pub fn new(policy: impl Policy + 'static) -> Self {
        Self(Box::new(policy))
    }

    /// A boxed `policy` (such as one of an organisation's list), blind to break-glass command
    /// jobs.
    pub fn boxed(policy: Box<dyn Policy>) -> Self {
        Self(policy)
    }
}

impl std::fmt::Debug for ExceptBreakGlass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExceptBreakGlass({})", self.0.name())
    }
}

impl Policy for ExceptBreakGlass {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn check(&self, pipeline: &Pipeline, out: &mut Diagnostics) {
        let role = BreakGlass::job_role();
        if !pipeline.jobs.iter().any(|j| j.has_role(&role)) {
            return self.0.check(pipeline, out);
        }
        let mut view = pipeline.clone();
        let exempt: Vec<JobId> = view
            .jobs
            .iter()
            .filter(|j| j.has_role(&role))
            .map(|j| j.id.clone())
            .collect();
        view.jobs.retain(|j| !exempt.contains(&j.id));
        for job in &mut view.jobs {
            job.needs.retain(|n| !exempt.contains(n));
        }
        self.0.check(&view, out);
    }
}
