//! Scheduled infrastructure drift detection: CloudFormation or Terraform.

use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;

use pipeline_backends::github::pins;

use super::{Value, script, script_step};

/// The Terraform release installed by default.
pub const DEFAULT_TERRAFORM_VERSION: &str = "1.13.3";

/// Where the report is written in the workspace (and uploaded from).
const REPORT_DIR: &str = "drift-report";

/// CloudFormation stack drift detection: `detect-stack-drift` per stack, polled with
/// `describe-stack-drift-detection-status`; the drifted resources
/// (`describe-stack-resource-drifts`, `MODIFIED` and `DELETED`) are the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudFormationDrift {
    /// The stacks (names or ARNs), in the role's account and region.
    pub stacks: Vec<String>,
    /// Seconds between two polls of a detection.
    pub poll_seconds: u32,
    /// How long one stack's detection may take before the run fails.
    pub max_wait_minutes: u32,
}

impl CloudFormationDrift {
    /// Drift detection of `stacks`, polled every 10 seconds for up to 15 minutes each.
    pub fn new<S: Into<String>>(stacks: impl IntoIterator<Item = S>) -> Self {
        Self {
            stacks: stacks.into_iter().map(Into::into).collect(),
            poll_seconds: 10,
            max_wait_minutes: 15,
        }
    }
}

/// `terraform plan -detailed-exitcode` in a directory: exit 2 is drift, and the plan
/// (`terraform show`) is the report.
///
/// Terraform is installed at [`version`](Self::version): on GitHub with
/// `hashicorp/setup-terraform` (pinned by SHA), elsewhere by a script that downloads the
/// release and verifies it against the release's `SHA256SUMS` and, when set, the checksums
/// pinned here (both must agree).
///
/// ```
/// use pipeline_templates::practices::drift::TerraformDrift;
/// let tf = TerraformDrift::new("infra/production")
///     .version("1.13.3")
///     .refresh_only();
/// assert!(tf.refresh_only);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerraformDrift {
    /// The root module, relative to the repository.
    pub directory: String,
    /// The Terraform release.
    pub version: String,
    /// The SHA-256 of `terraform_<version>_linux_amd64.zip`, checked besides `SHA256SUMS`.
    pub sha256_amd64: Option<String>,
    /// The SHA-256 of `terraform_<version>_linux_arm64.zip`, checked besides `SHA256SUMS`.
    pub sha256_arm64: Option<String>,
    /// Compare only the state with the real infrastructure (`-refresh-only`), not the code:
    /// changes merged but not applied are then not drift.
    pub refresh_only: bool,
}

impl TerraformDrift {
    /// A plan of the root module in `directory` with Terraform [`DEFAULT_TERRAFORM_VERSION`].
    pub fn new(directory: impl Into<String>) -> Self {
        Self {
            directory: directory.into(),
            version: DEFAULT_TERRAFORM_VERSION.into(),
            sha256_amd64: None,
            sha256_arm64: None,
            refresh_only: false,
        }
    }

    /// Sets the Terraform release (clears pinned checksums, which belong to a release).
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self.sha256_amd64 = None;
        self.sha256_arm64 = None;
        self
    }

    /// Pins the SHA-256 of the `linux_amd64` and `linux_arm64` release archives.
    #[must_use]
    pub fn sha256(mut self, amd64: impl Into<String>, arm64: impl Into<String>) -> Self {
        self.sha256_amd64 = Some(amd64.into());
        self.sha256_arm64 = Some(arm64.into());
        self
    }

    /// Plans with `-refresh-only`.
    #[must_use]
    pub fn refresh_only(mut self) -> Self {
        self.refresh_only = true;
        self
    }

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let version_ok = !self.version.is_empty()
            && self.version.split('.').count() == 3
            && self
                .version
                .split(['.', '-'])
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !version_ok {
            out.push(Problem::new(
                "terraform-version",
                format!("{:?} is not a Terraform release", self.version),
                "pin an exact release such as \"1.13.3\"",
            ));
        }
        for (arch, sum) in [("amd64", &self.sha256_amd64), ("arm64", &self.sha256_arm64)] {
            if let Some(sum) = sum {
                if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push(Problem::new(
                        "terraform-checksum",
                        format!("the linux_{arch} checksum {sum:?} is not a SHA-256"),
                        "copy it from the release's SHA256SUMS file",
                    ));
                }
            }
        }
        if self.directory.trim().is_empty() {
            out.push(Problem::new(
                "terraform-directory",
                "the Terraform drift check has no directory",
                "name the root module, for example \"infra\"",
            ));
        }
        out
    }
}

/// What compares the infrastructure with its definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriftTool {
    /// CloudFormation stack drift detection.
    CloudFormation(CloudFormationDrift),
    /// `terraform plan -detailed-exitcode`.
    Terraform(TerraformDrift),
}

/// A scheduled infrastructure drift check: assumes an AWS role with the platform's OIDC token,
/// compares the deployed infrastructure with its definition, uploads the report (artifact
/// `drift-report`) and fails the run when they differ or the check is incomplete.
///
/// Job (local id) `detect`; step ids `terraform` (Terraform only), `credentials`, `detect`,
/// `report`, `verdict`. [`InfraDrift::pipeline`] is the whole pipeline: the schedule, a manual
/// trigger to run it on demand, the job.
///
/// ```
/// use pipeline_templates::practices::drift::{InfraDrift, TerraformDrift};
/// use pipeline_core::prelude::*;
///
/// let role = AwsRole::new(Expr::var("DRIFT_ROLE_ARN"), "eu-west-1");
/// let cfn = InfraDrift::cloudformation(role.clone(), ["payments-api-staging", "payments-api-production"])
///     .schedule("0 5 * * *")
///     .pipeline("infra-drift");
/// assert!(cfn.triggers.iter().any(|t| matches!(t, Trigger::Schedule(s) if s.cron == "0 5 * * *")));
/// let detect = cfn.find_job("detect").expect("the job");
/// assert_eq!(detect.step_index("verdict"), Some(3));
///
/// let tf = InfraDrift::terraform(role, TerraformDrift::new("infra")).pipeline("terraform-drift");
/// let detect = tf.find_job("detect").expect("the job");
/// assert!(matches!(&detect.steps[1].kind, StepKind::Action(a) if a.action.name == "hashicorp/setup-terraform" && a.fallback.is_some()));
/// # pipeline_core::validate::assert_valid(&cfn);
/// # pipeline_core::validate::assert_valid(&tf);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfraDrift {
    /// What compares.
    pub tool: DriftTool,
    /// The AWS role allowed to read the infrastructure (and run drift detection).
    pub role: AwsRole,
    /// When it runs (cron, UTC).
    pub schedule: String,
    /// Where it runs: an image with the AWS CLI (and `unzip` or `python3` for the Terraform
    /// install outside GitHub).
    pub runner: Runner,
    /// The report artifact's name.
    pub artifact: String,
    /// How long the platform keeps the report.
    pub retention_days: u32,
    /// The job's timeout.
    pub timeout_minutes: u32,
}

impl InfraDrift {
    /// A drift check of `tool` with `role`, on weekdays at 06:00 UTC.
    pub fn new(tool: DriftTool, role: AwsRole) -> Self {
        Self {
            tool,
            role,
            schedule: "0 6 * * 1-5".into(),
            runner: Runner::linux(),
            artifact: REPORT_DIR.into(),
            retention_days: 30,
            timeout_minutes: 30,
        }
    }

    /// CloudFormation drift detection of `stacks`.
    pub fn cloudformation<S: Into<String>>(role: AwsRole, stacks: impl IntoIterator<Item = S>) -> Self {
        Self::new(DriftTool::CloudFormation(CloudFormationDrift::new(stacks)), role)
    }

    /// A Terraform plan of `terraform`'s root module.
    pub fn terraform(role: AwsRole, terraform: TerraformDrift) -> Self {
        Self::new(DriftTool::Terraform(terraform), role)
    }

    /// Sets the schedule (five cron fields, UTC).
    #[must_use]
    pub fn schedule(mut self, cron: impl Into<String>) -> Self {
        self.schedule = cron.into();
        self
    }

    /// Sets the runner.
    #[must_use]
    pub fn runner(mut self, runner: Runner) -> Self {
        self.runner = runner;
        self
    }

    /// Sets the report artifact's name.
    #[must_use]
    pub fn artifact(mut self, name: impl Into<String>) -> Self {
        self.artifact = name.into();
        self
    }

    /// Sets the timeout.
    #[must_use]
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout_minutes = minutes;
        self
    }

    /// The pipeline `id`: on the schedule and on demand, with this check.
    pub fn pipeline(&self, id: &str) -> Pipeline {
        Pipeline::new(id)
            .name("Infrastructure drift")
            .on(Trigger::schedule(self.schedule.as_str()))
            .on(Trigger::manual())
            .with(self)
    }

    /// The job (local id `detect`).
    pub fn job(&self) -> Job {
        let mut job = Job::new("detect")
            .name("Detect infrastructure drift")
            .role(JobRole::new("drift-detection"))
            .runner(self.runner.clone())
            .timeout_minutes(self.timeout_minutes);
        let detect = match &self.tool {
            DriftTool::CloudFormation(cfn) => {
                if cfn.stacks.is_empty() {
                    job.problems.push(Problem::new(
                        "drift-stacks",
                        "the CloudFormation drift check has no stacks",
                        "name the stacks to check",
                    ));
                }
                let poll = cfn.poll_seconds.max(1);
                let attempts = (cfn.max_wait_minutes.max(1) * 60).div_ceil(poll);
                // Read-only: drift detection of the named stacks, nothing else.
                script_step(
                    &mut job.problems,
                    "cloudformation-drift.sh",
                    vec![
                        ("report_dir", REPORT_DIR.into()),
                        ("stacks", cfn.stacks.clone().into()),
                        ("attempts", attempts.into()),
                        ("poll_seconds", poll.into()),
                    ],
                )
                .uses_aws(AwsUse::drift_detection(cfn.stacks.iter().map(String::as_str)))
            }
            DriftTool::Terraform(tf) => {
                job.problems.extend(tf.problems());
                let install = script(
                    &mut job.problems,
                    "terraform-install.sh",
                    vec![
                        ("version", tf.version.as_str().into()),
                        ("sha256_amd64", tf.sha256_amd64.clone().unwrap_or_default().into()),
                        ("sha256_arm64", tf.sha256_arm64.clone().unwrap_or_default().into()),
                    ],
                );
                let setup = ActionStep::from(pins::SETUP_TERRAFORM)
                    .with("terraform_version", tf.version.as_str())
                    .with("terraform_wrapper", "false")
                    .fallback(install);
                job = job.step(Step::checkout()).step(
                    Step::action(setup)
                        .id("terraform")
                        .name(format!("Terraform {}", tf.version)),
                );
                script_step(
                    &mut job.problems,
                    "terraform-drift.sh",
                    vec![
                        ("report_dir", REPORT_DIR.into()),
                        ("directory", tf.directory.as_str().into()),
                        ("refresh_only", Value::from(tf.refresh_only)),
                    ],
                )
            }
        };
        let verdict = script_step(
            &mut job.problems,
            "drift-verdict.sh",
            vec![
                ("report_dir", REPORT_DIR.into()),
                ("artifact", self.artifact.as_str().into()),
            ],
        );
        job.step(Step::assume_aws_role(self.role.clone()).id("credentials"))
            .step(detect.id("detect").name("Detect drift"))
            .step(
                Step::from(Upload::new(self.artifact.as_str(), [REPORT_DIR]).retention_days(self.retention_days))
                    .id("report")
                    .name("Upload the drift report"),
            )
            .step(verdict.id("verdict").name("Fail on drift"))
    }
}

impl Construct for InfraDrift {
    fn build(&self, scope: &mut Scope<'_>) {
        scope.add_job(self.job());
    }
}
