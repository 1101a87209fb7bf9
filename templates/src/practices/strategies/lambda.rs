//! AWS Lambda as a deployment target: a function, the alias that serves traffic, and where the
//! new code comes from; and the steps every Lambda strategy is made of.
//!
//! Each deployment publishes an immutable version and moves the alias: weighted routing
//! (`--routing-config AdditionalVersionWeights`) for rolling and canary steps, a switch for
//! blue/green. The publish step records `pipeline-run=<run> stable=<version> candidate=<version>`
//! in the alias's description; later steps and the rollback job read it, so they need no state
//! from one another (steps and jobs run in separate processes on GitHub and CodeBuild), and a
//! rollback only touches what this run changed.

use std::time::Duration;

use pipeline_core::ArtifactName;
use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use serde::Serialize;

use super::health::{HealthCheck, Monitor, human};
use super::script;
use super::settings::DeploySettings;

/// Where the new code of a Lambda function comes from.
///
/// ```
/// use pipeline_templates::practices::strategies::LambdaCode;
/// use pipeline_core::Expr;
/// let zip = LambdaCode::zip("lambda", "dist/function.zip");
/// let image = LambdaCode::image(Expr::var("IMAGE_URI"));
/// assert_ne!(zip, image);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LambdaCode {
    /// A zip archive at `path` in a build artifact (downloaded first; up to 50 MB).
    Zip {
        /// The artifact.
        artifact: ArtifactName,
        /// The archive's path, as uploaded.
        path: String,
    },
    /// A zip archive already in S3.
    S3 {
        /// The bucket.
        bucket: Expr,
        /// The object key.
        key: Expr,
    },
    /// A container image URI (for functions packaged as images).
    Image(Expr),
}

impl LambdaCode {
    /// The archive `path` of artifact `artifact`.
    pub fn zip(artifact: impl Into<ArtifactName>, path: impl Into<String>) -> Self {
        LambdaCode::Zip {
            artifact: artifact.into(),
            path: path.into(),
        }
    }

    /// The archive `s3://bucket/key`.
    pub fn s3(bucket: impl Into<Expr>, key: impl Into<Expr>) -> Self {
        LambdaCode::S3 {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// The container image `uri`.
    pub fn image(uri: impl Into<Expr>) -> Self {
        LambdaCode::Image(uri.into())
    }
}

/// A Lambda function deployed through an alias (the alias is what clients and triggers call).
///
/// ```
/// use pipeline_templates::practices::strategies::{LambdaCode, LambdaFunction};
/// let f = LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip"));
/// assert_eq!(f.alias, "live");
/// assert_eq!(f.alias("prod").alias, "prod");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LambdaFunction {
    /// The function's name (or ARN).
    pub name: String,
    /// The alias that serves traffic (default `live`); it must exist.
    pub alias: String,
    /// The new code.
    pub code: LambdaCode,
}

impl LambdaFunction {
    /// Function `name`, deployed through alias `live`, with `code`.
    pub fn new(name: impl Into<String>, code: LambdaCode) -> Self {
        Self {
            name: name.into(),
            alias: "live".into(),
            code,
        }
    }

    /// Sets the alias that serves traffic.
    #[must_use]
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = alias.into();
        self
    }

    /// What is wrong with the names and the code location.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let function_ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c));
        if !function_ok(&self.name) {
            out.push(Problem::new(
                "strategy-target",
                format!("{:?} is not a Lambda function name or ARN", self.name),
                "use letters, digits, '-', '_' (and ':' in an ARN)",
            ));
        }
        for alias in [&self.alias] {
            if !alias_ok(alias) {
                out.push(Problem::new(
                    "strategy-target",
                    format!("{alias:?} is not a Lambda alias name"),
                    "use letters, digits, '-' and '_' (not only digits), at most 128 characters",
                ));
            }
        }
        if let LambdaCode::Zip { path, .. } = &self.code {
            if path.trim().is_empty() || path.starts_with('/') || path.split('/').any(|c| c == "..") {
                out.push(Problem::new(
                    "strategy-target",
                    format!("{path:?} is not a relative path to the zip archive"),
                    "give the archive's path as uploaded, e.g. \"dist/function.zip\"",
                ));
            }
        }
        out
    }

    /// The deploy job's environment variables for the code location.
    fn code_env(&self, mut job: Job) -> Job {
        match &self.code {
            LambdaCode::Zip { .. } => job,
            LambdaCode::S3 { bucket, key } => {
                job = job.env("DEPLOY_CODE_BUCKET", bucket.clone());
                job.env("DEPLOY_CODE_KEY", key.clone())
            }
            LambdaCode::Image(uri) => job.env("DEPLOY_IMAGE_URI", uri.clone()),
        }
    }
}

/// Whether `s` is a valid Lambda alias name.
pub(crate) fn alias_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        && !s.chars().all(|c| c.is_ascii_digit())
}

#[derive(Serialize)]
struct Names<'a> {
    function: &'a str,
    alias: &'a str,
}

#[derive(Serialize)]
struct StateContext<'a> {
    function: &'a str,
    alias: &'a str,
    strict: bool,
}

#[derive(Serialize)]
struct PublishContext<'a> {
    function: &'a str,
    alias: &'a str,
    code: &'static str,
    zip: &'a str,
    reset: bool,
    alarms: Vec<String>,
    alarm_count: usize,
}

#[derive(Serialize)]
struct ShiftContext<'a> {
    state: &'a str,
    function: &'a str,
    alias: &'a str,
    percent: u8,
    weight: String,
}

#[derive(Serialize)]
struct AliasesContext<'a> {
    state: &'a str,
    function: &'a str,
    alias: &'a str,
    idle: &'a str,
}

#[derive(Serialize)]
struct HealthContext<'a> {
    function: &'a str,
    qualifier: &'a str,
    checks: Vec<super::health::CheckContext<'a>>,
    alarms: Vec<String>,
    alarm_count: usize,
}

#[derive(Serialize)]
struct MonitorContext<'a> {
    state: &'a str,
    restore: &'a str,
    health: &'a str,
    alarms: bool,
    watching: String,
    healthy: String,
    bake_seconds: u64,
    threshold: u32,
    interval: u64,
}

#[derive(Serialize)]
struct VerifyContext<'a> {
    state: &'a str,
    health: &'a str,
    idle: &'a str,
    attempts: u32,
    interval: u64,
}

#[derive(Serialize)]
struct RollbackContext<'a> {
    state: &'a str,
    restore: &'a str,
    alias: &'a str,
}

/// The environment variable carrying alarm `n` (from 1).
fn alarm_var(n: usize) -> String {
    format!("DEPLOY_ALARM_{n}")
}

/// Builds the jobs of one Lambda deployment: the deploy job's steps are added phase by phase.
pub(crate) struct LambdaDeploy<'a> {
    target: &'a LambdaFunction,
    monitor: &'a Monitor,
    /// The deploy job being built.
    pub(crate) job: Job,
    state: String,
    restore: String,
}

impl<'a> LambdaDeploy<'a> {
    /// The deploy job up to the published version: download, credentials, publish.
    pub(crate) fn new(
        settings: &DeploySettings,
        target: &'a LambdaFunction,
        monitor: &'a Monitor,
        name: String,
    ) -> Self {
        let mut job = settings.deploy_job(name);
        for (n, alarm) in monitor.alarms().enumerate() {
            job = job.env(alarm_var(n + 1), alarm.clone());
        }
        let alarms = (1..=monitor.alarms().count()).map(alarm_var).collect();
        let watched = monitor.alarms().cloned().collect();
        let mut job = publish(job, settings, target, Publish::Reset { alarms, watched });
        let state = state(&mut job.problems, target, true);
        let restore = script::fragment(
            &mut job.problems,
            "lambda-restore.sh",
            Names {
                function: &target.name,
                alias: &target.alias,
            },
        );
        Self {
            target,
            monitor,
            job,
            state,
            restore,
        }
    }

    /// Adds `step`, which reads or moves the alias (the AWS access it declares).
    fn push(&mut self, step: Step) {
        self.job
            .steps
            .push(step.uses_aws(AwsUse::lambda_deploy([self.target.name.as_str()])));
    }

    /// `step` with the AWS access its health checks need: invocations of the function, the
    /// alarms' states when `alarms`.
    fn probing(&self, mut step: Step, alarms: bool) -> Step {
        if self.monitor.checks.iter().any(|c| matches!(c, HealthCheck::Invoke(_))) {
            step = step.uses_aws(AwsUse::lambda_invoke([self.target.name.as_str()]));
        }
        if alarms && self.monitor.alarms().next().is_some() {
            step = step.uses_aws(AwsUse::read_alarms(self.monitor.alarms().cloned()));
        }
        step
    }

    /// Sends `percent` of the alias's traffic to the new version.
    pub(crate) fn shift(&mut self, percent: u8) {
        let step = script::step(
            &mut self.job.problems,
            "lambda-shift.sh",
            ShiftContext {
                state: &self.state,
                function: &self.target.name,
                alias: &self.target.alias,
                percent,
                weight: weight(percent),
            },
        );
        self.push(
            step.id(format!("shift-{percent}"))
                .name(format!("Send {percent}% of the traffic to the new version")),
        );
    }

    /// Sends all the alias's traffic to the new version.
    pub(crate) fn promote(&mut self) {
        let step = script::step(
            &mut self.job.problems,
            "lambda-promote.sh",
            ShiftContext {
                state: &self.state,
                function: &self.target.name,
                alias: &self.target.alias,
                percent: 100,
                weight: weight(100),
            },
        );
        self.push(step.id("promote").name("Send all the traffic to the new version"));
    }

    /// Points the idle alias at the new version.
    pub(crate) fn deploy_idle(&mut self, idle: &str) {
        let step = script::step(
            &mut self.job.problems,
            "lambda-idle.sh",
            AliasesContext {
                state: &self.state,
                function: &self.target.name,
                alias: &self.target.alias,
                idle,
            },
        );
        self.push(step.id("deploy-idle").name("Deploy the new version to the idle color"));
    }

    /// Checks the idle alias with the monitor's probes, retrying up to the failure threshold.
    pub(crate) fn verify_idle(&mut self, idle: &str) {
        let health = self.health(idle, false);
        let step = script::step(
            &mut self.job.problems,
            "verify.sh",
            VerifyContext {
                state: &self.state,
                health: &health,
                idle,
                attempts: self.monitor.failure_threshold,
                interval: self.monitor.interval.as_secs(),
            },
        );
        let step = self.probing(step, false);
        self.push(step.id("verify-idle").name("Health-check the idle color"));
    }

    /// Switches the alias to the new version; the idle alias keeps the old one.
    pub(crate) fn switch(&mut self, idle: &str) {
        let step = script::step(
            &mut self.job.problems,
            "lambda-switch.sh",
            AliasesContext {
                state: &self.state,
                function: &self.target.name,
                alias: &self.target.alias,
                idle,
            },
        );
        self.push(step.id("switch").name("Switch the traffic to the new color"));
    }

    /// Watches the health checks and alarms for `bake`; a failure restores the stable version
    /// and fails the job. `id` and `what` name the step ("10% of the traffic").
    pub(crate) fn monitor(&mut self, id: String, bake: Duration, what: &str) {
        let health = self.health(&self.target.alias.clone(), true);
        let alarms = self.monitor.alarms().count();
        let probes = self.monitor.checks.len() - alarms;
        let mut watched = Vec::new();
        if alarms > 0 {
            watched.push(plural(alarms, "alarm"));
        }
        if probes > 0 {
            watched.push(plural(probes, "health check"));
        }
        let step = script::step(
            &mut self.job.problems,
            "monitor.sh",
            MonitorContext {
                state: &self.state,
                restore: &self.restore,
                health: &health,
                alarms: alarms > 0,
                watching: format!(
                    "Watching {what} for {}: {} every {}",
                    human(bake),
                    watched.join(" and "),
                    human(self.monitor.interval)
                ),
                healthy: format!("Healthy for {}: {what}", human(bake)),
                bake_seconds: bake.as_secs(),
                threshold: self.monitor.failure_threshold,
                interval: self.monitor.interval.as_secs(),
            },
        );
        let step = self.probing(step, true);
        self.push(step.id(id).name(format!("Bake {what} for {}", human(bake))));
    }

    /// The `healthy` (and `alarms_firing`) shell functions, checking `qualifier`.
    fn health(&mut self, qualifier: &str, with_alarms: bool) -> String {
        let alarms = if with_alarms {
            (1..=self.monitor.alarms().count()).map(alarm_var).collect()
        } else {
            Vec::new()
        };
        script::fragment(
            &mut self.job.problems,
            "health.sh",
            HealthContext {
                function: &self.target.name,
                qualifier,
                checks: self.monitor.probes(),
                alarm_count: alarms.len(),
                alarms,
            },
        )
    }

    /// The deploy job, with its timeout.
    pub(crate) fn finish(mut self, settings: &DeploySettings, computed_timeout: u32) -> Job {
        self.job.problems.extend(settings.problems(computed_timeout));
        let timeout = settings
            .timeout_minutes
            .unwrap_or(computed_timeout)
            .min(super::settings::MAX_JOB_MINUTES);
        self.job.timeout_minutes(timeout)
    }
}

/// How the publish step treats traffic an earlier deployment left on another version.
pub(crate) enum Publish {
    /// Sends it back to the alias's version (an interrupted run of these strategies left it);
    /// checks that the alarms (environment variables) exist first.
    Reset {
        /// The environment variables holding the alarms' names.
        alarms: Vec<String>,
        /// The alarms' names (what the step reads).
        watched: Vec<Expr>,
    },
    /// Fails: a deployment (CodeDeploy's) is in progress.
    Refuse,
}

/// Adds the steps that publish `target`'s new code as a version to `job`: the download of a zip
/// artifact, the credentials, and `publish`, which records the deployment on the alias.
pub(crate) fn publish(job: Job, settings: &DeploySettings, target: &LambdaFunction, mode: Publish) -> Job {
    let mut job = target.code_env(job);
    if let LambdaCode::Zip { artifact, .. } = &target.code {
        job = job.step(
            Step::download(artifact.clone())
                .id("download")
                .name("Download the function's code"),
        );
    }
    job = job.step(settings.credentials(&format!("{}-deploy", target.name)));
    let (code, zip) = match &target.code {
        LambdaCode::Zip { path, .. } => ("zip", path.as_str()),
        LambdaCode::S3 { .. } => ("s3", ""),
        LambdaCode::Image(_) => ("image", ""),
    };
    let (reset, alarms, watched) = match mode {
        Publish::Reset { alarms, watched } => (true, alarms, watched),
        Publish::Refuse => (false, Vec::new(), Vec::new()),
    };
    let step = script::step(
        &mut job.problems,
        "lambda-publish.sh",
        PublishContext {
            function: &target.name,
            alias: &target.alias,
            code,
            zip,
            reset,
            alarm_count: alarms.len(),
            alarms,
        },
    );
    let mut step = step.uses_aws(AwsUse::lambda_deploy([target.name.as_str()]));
    if !watched.is_empty() {
        step = step.uses_aws(AwsUse::read_alarms(watched));
    }
    job.step(step.id("publish").name("Publish the new version"))
}

/// The shell code that reads the deployment this run recorded on the alias (`stable`,
/// `candidate`); `strict`: fail when the alias was not prepared by this run, else leave both
/// empty.
pub(crate) fn state(problems: &mut Vec<Problem>, target: &LambdaFunction, strict: bool) -> String {
    script::fragment(
        problems,
        "lambda-state.sh",
        StateContext {
            function: &target.name,
            alias: &target.alias,
            strict,
        },
    )
}

/// The rollback job of a Lambda deployment: the alias serves the stable version again, with no
/// weighted routing (nothing happens when this run did not change the alias).
pub(crate) fn rollback_job(settings: &DeploySettings, target: &LambdaFunction, deploy: &Job) -> Job {
    let mut job = settings.rollback_job(deploy, format!("Roll {} back", settings.environment.name));
    let state = state(&mut job.problems, target, false);
    let restore = script::fragment(
        &mut job.problems,
        "lambda-restore.sh",
        Names {
            function: &target.name,
            alias: &target.alias,
        },
    );
    let body = script::step(
        &mut job.problems,
        "lambda-rollback.sh",
        RollbackContext {
            state: &state,
            restore: &restore,
            alias: &target.alias,
        },
    );
    job.step(settings.credentials(&format!("{}-rollback", target.name)))
        .step(
            body.id("rollback")
                .name("Send all the traffic back to the stable version")
                .uses_aws(AwsUse::lambda_deploy([target.name.as_str()])),
        )
}

/// The routing weight of `percent` (`0.1` for 10).
fn weight(percent: u8) -> String {
    let w = f64::from(percent) / 100.0;
    let mut s = format!("{w:.2}");
    while s.ends_with('0') && !s.ends_with(".0") {
        s.pop();
    }
    s
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Minutes, rounded up.
pub(crate) fn minutes(d: Duration) -> u32 {
    u32::try_from(d.as_secs().div_ceil(60)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_short_decimals() {
        assert_eq!(weight(10), "0.1");
        assert_eq!(weight(5), "0.05");
        assert_eq!(weight(33), "0.33");
        assert_eq!(weight(100), "1.0");
    }

    #[test]
    fn names_are_checked() {
        let f = LambdaFunction::new("bad name", LambdaCode::zip("a", "../x.zip")).alias("123");
        assert_eq!(f.problems().len(), 3);
        let arn = LambdaFunction::new(
            "arn:aws:lambda:eu-west-1:111111111111:function:payments",
            LambdaCode::s3("bucket", "key"),
        );
        assert!(arn.problems().is_empty());
    }
}
