//! Canary and rolling deployments: the new version takes a growing share of the traffic, one
//! step at a time, with a monitored bake after each step.

use std::time::Duration;

use pipeline_core::EnvironmentName;
use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;

use super::health::Monitor;
use super::lambda::{LambdaDeploy, LambdaFunction, minutes, rollback_job};
use super::settings::{DeploySettings, monitor_builders, settings_builders};

/// A canary deployment: a small share of the traffic first, then more, each step watched for
/// a bake time; any failed check sends all the traffic back to the stable version.
///
/// On AWS Lambda each step is the alias's weighted routing
/// (`--routing-config AdditionalVersionWeights={<new>=0.1}`); the last step (100%) points the alias
/// at the new version. Jobs (local ids): `deploy` and, unless left out, `rollback`. Step ids of
/// `deploy`: `download` (zip code only), `credentials`, `publish`, then `shift-<percent>` and
/// `monitor-<percent>` per step below 100, then `promote` and `monitor-100`.
///
/// ```
/// use std::time::Duration;
/// use pipeline_templates::practices::strategies::{Canary, HealthCheck, LambdaCode, LambdaFunction};
/// use pipeline_core::prelude::*;
///
/// let canary = Canary::new("production", LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")))
///     .steps([10, 50, 100])
///     .bake(Duration::from_secs(5 * 60))
///     .alarm("payments-api-errors")
///     .health_check(HealthCheck::http("https://payments.example.com/health"))
///     .when(Condition::branch("main"))
///     .needs("build");
/// assert!(canary.problems().is_empty());
///
/// let build = Job::new("build").step(Step::script("make dist/payments-api.zip")).step(Step::upload("lambda", ["dist/payments-api.zip"]));
/// let p = Pipeline::new("delivery").on(Trigger::push().branches(["main"])).job(build).add("production", &canary);
/// let deploy = p.find_job("production-deploy").expect("deploy job");
/// let ids: Vec<&str> = deploy.steps.iter().filter_map(|s| s.id_str()).collect();
/// assert_eq!(ids, ["download", "credentials", "publish", "shift-10", "monitor-10", "shift-50", "monitor-50", "promote", "monitor-100"]);
/// assert!(p.find_job("production-rollback").is_some());
/// pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canary {
    /// What is deployed.
    pub target: LambdaFunction,
    /// The share of the traffic (percent) the new version takes at each step; they increase and
    /// the last is 100 (default `[10, 50, 100]`).
    pub steps: Vec<u8>,
    /// How long each step is watched (default 5 minutes).
    pub bake: Duration,
    /// What is watched.
    pub monitor: Monitor,
    /// The environment, role, ordering and rollback.
    pub settings: DeploySettings,
}

settings_builders!(Canary);
monitor_builders!(Canary);

impl Canary {
    /// A canary of `target` in `environment`: 10%, 50%, 100%, 5 minutes each.
    pub fn new(environment: impl Into<EnvironmentName>, target: LambdaFunction) -> Self {
        Self {
            target,
            steps: vec![10, 50, 100],
            bake: Duration::from_secs(300),
            monitor: Monitor::new(),
            settings: DeploySettings::new(environment),
        }
    }

    /// Sets the traffic steps (percent; increasing, ending at 100).
    #[must_use]
    pub fn steps(mut self, steps: impl IntoIterator<Item = u8>) -> Self {
        self.steps = steps.into_iter().collect();
        self
    }

    /// Sets how long each step is watched.
    #[must_use]
    pub fn bake(mut self, bake: Duration) -> Self {
        self.bake = bake;
        self
    }

    /// The deploy job's timeout: every bake, plus 15 minutes for the rest.
    pub fn computed_timeout(&self) -> u32 {
        minutes(self.bake)
            .saturating_mul(u32::try_from(self.steps.len()).unwrap_or(u32::MAX))
            .saturating_add(15)
    }

    /// What is wrong with the parameters (validation reports these on the deploy job).
    ///
    /// ```
    /// use pipeline_templates::practices::strategies::{Canary, LambdaCode, LambdaFunction};
    /// let f = LambdaFunction::new("api", LambdaCode::zip("lambda", "dist/api.zip"));
    /// let bad = Canary::new("production", f).steps([50, 10]).alarm("api-errors");
    /// let problems = bad.problems();
    /// assert!(problems.iter().any(|p| p.message.contains("increase")));
    /// assert!(problems.iter().any(|p| p.message.contains("end at 100")));
    /// ```
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = traffic_problems(&self.steps);
        out.extend(bake_problems(self.bake));
        out.extend(self.monitor.problems());
        out.extend(self.target.problems());
        out
    }
}

impl Construct for Canary {
    fn build(&self, scope: &mut Scope<'_>) {
        let name = format!("Canary deployment to {}", self.settings.environment.name);
        let deploy = traffic_job(
            &self.settings,
            &self.target,
            &self.monitor,
            &self.steps,
            self.bake,
            name,
            self.computed_timeout(),
            self.problems(),
        );
        add_jobs(scope, &self.settings, &self.target, deploy);
    }
}

/// How a rolling deployment moves traffic: a share of it per batch.
///
/// A Lambda function has no instances to replace; its "batches" are shares of the alias's traffic,
/// so a rolling deployment moves the same share at each step (a linear shift).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batch {
    /// This percentage of the traffic per batch (1 to 100).
    Percent(u8),
}

/// A rolling deployment: the new version replaces the old one batch by batch, with a monitored
/// bake between batches; any failed check sends all the traffic back to the stable version.
///
/// On AWS Lambda the batches are equal shares of the alias's traffic (25% gives 25%, 50%, 75%,
/// 100%), moved with weighted routing. Jobs and step ids as for [`Canary`].
///
/// ```
/// use std::time::Duration;
/// use pipeline_templates::practices::strategies::{Batch, LambdaCode, LambdaFunction, Rolling};
/// use pipeline_core::prelude::*;
///
/// let rolling = Rolling::new("staging", LambdaFunction::new("payments-api-staging", LambdaCode::zip("lambda", "dist/payments-api.zip")))
///     .batch(Batch::Percent(50))
///     .bake(Duration::from_secs(60))
///     .alarm("payments-api-staging-errors")
///     .tier(Tier::Staging)
///     .needs("build");
/// assert_eq!(rolling.traffic_steps(), [50, 100]);
/// let build = Job::new("build").step(Step::script("make dist/payments-api.zip")).step(Step::upload("lambda", ["dist/payments-api.zip"]));
/// let p = Pipeline::new("d").on(Trigger::push()).job(build).add("staging", &rolling);
/// assert!(p.find_job("staging-deploy").is_some_and(|j| j.step_index("monitor-50").is_some()));
/// pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rolling {
    /// What is deployed.
    pub target: LambdaFunction,
    /// The size of a batch (default 25%).
    pub batch: Batch,
    /// How long each batch is watched before the next (default 2 minutes).
    pub bake: Duration,
    /// What is watched.
    pub monitor: Monitor,
    /// The environment, role, ordering and rollback.
    pub settings: DeploySettings,
}

settings_builders!(Rolling);
monitor_builders!(Rolling);

impl Rolling {
    /// A rolling deployment of `target` in `environment`: batches of 25%, 2 minutes each.
    pub fn new(environment: impl Into<EnvironmentName>, target: LambdaFunction) -> Self {
        Self {
            target,
            batch: Batch::Percent(25),
            bake: Duration::from_secs(120),
            monitor: Monitor::new(),
            settings: DeploySettings::new(environment),
        }
    }

    /// Sets the batch size.
    #[must_use]
    pub fn batch(mut self, batch: Batch) -> Self {
        self.batch = batch;
        self
    }

    /// Sets how long each batch is watched.
    #[must_use]
    pub fn bake(mut self, bake: Duration) -> Self {
        self.bake = bake;
        self
    }

    /// The traffic share after each batch (the last batch may be smaller).
    pub fn traffic_steps(&self) -> Vec<u8> {
        let Batch::Percent(p) = self.batch;
        if p == 0 || p > 100 {
            return Vec::new();
        }
        let mut out: Vec<u8> = (1..)
            .map(|n| n * u32::from(p))
            .take_while(|v| *v < 100)
            .filter_map(|v| u8::try_from(v).ok())
            .collect();
        out.push(100);
        out
    }

    /// The deploy job's timeout: every bake, plus 15 minutes for the rest.
    pub fn computed_timeout(&self) -> u32 {
        minutes(self.bake)
            .saturating_mul(u32::try_from(self.traffic_steps().len()).unwrap_or(u32::MAX))
            .saturating_add(15)
    }

    /// What is wrong with the parameters (validation reports these on the deploy job).
    ///
    /// ```
    /// use pipeline_templates::practices::strategies::{Batch, LambdaCode, LambdaFunction, Rolling};
    /// let f = LambdaFunction::new("api", LambdaCode::zip("lambda", "dist/api.zip"));
    /// let bad = Rolling::new("staging", f).batch(Batch::Percent(0)).alarm("api-errors");
    /// assert_eq!(bad.problems()[0].code, "strategy-batch");
    /// ```
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let Batch::Percent(p) = self.batch;
        if p == 0 || p > 100 {
            out.push(Problem::new(
                "strategy-batch",
                format!("a batch of {p}% of the traffic: it must be between 1% and 100%"),
                "move 10% to 50% of the traffic per batch",
            ));
        }
        out.extend(bake_problems(self.bake));
        out.extend(self.monitor.problems());
        out.extend(self.target.problems());
        out
    }
}

impl Construct for Rolling {
    fn build(&self, scope: &mut Scope<'_>) {
        let Batch::Percent(p) = self.batch;
        let name = format!(
            "Rolling deployment to {} ({p}% per batch)",
            self.settings.environment.name
        );
        let deploy = traffic_job(
            &self.settings,
            &self.target,
            &self.monitor,
            &self.traffic_steps(),
            self.bake,
            name,
            self.computed_timeout(),
            self.problems(),
        );
        add_jobs(scope, &self.settings, &self.target, deploy);
    }
}

/// The deploy job of a traffic-shifting deployment.
#[allow(clippy::too_many_arguments)] // one private helper of two constructs
fn traffic_job(
    settings: &DeploySettings,
    target: &LambdaFunction,
    monitor: &Monitor,
    steps: &[u8],
    bake: Duration,
    name: String,
    timeout: u32,
    problems: Vec<Problem>,
) -> Job {
    let mut d = LambdaDeploy::new(settings, target, monitor, name);
    d.job.problems.extend(problems);
    for &percent in steps {
        if percent >= 100 {
            d.promote();
            d.monitor("monitor-100".into(), bake, "all the traffic");
            break;
        }
        d.shift(percent);
        d.monitor(
            format!("monitor-{percent}"),
            bake,
            &format!("{percent}% of the traffic"),
        );
    }
    d.finish(settings, timeout)
}

/// Adds the deploy job and, unless left out, its rollback job.
pub(crate) fn add_jobs(scope: &mut Scope<'_>, settings: &DeploySettings, target: &LambdaFunction, deploy: Job) {
    let rollback = settings.rollback.then(|| rollback_job(settings, target, &deploy));
    scope.add_job(deploy);
    if let Some(job) = rollback {
        scope.add_job(job);
    }
}

/// The traffic steps must be percentages that increase and end at 100.
///
/// ```
/// use pipeline_templates::practices::strategies::traffic_problems;
/// assert!(traffic_problems(&[10, 50, 100]).is_empty());
/// assert!(traffic_problems(&[100]).is_empty());
/// assert_eq!(traffic_problems(&[10, 10, 100]).len(), 1);
/// assert_eq!(traffic_problems(&[0, 50]).len(), 2);
/// assert_eq!(traffic_problems(&[]).len(), 1);
/// ```
pub fn traffic_problems(steps: &[u8]) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(&last) = steps.last() else {
        return vec![Problem::new(
            "strategy-traffic-steps",
            "no traffic steps",
            "give the share of the traffic at each step, ending at 100: e.g. [10, 50, 100]",
        )];
    };
    if steps.iter().any(|&s| s == 0 || s > 100) {
        out.push(Problem::new(
            "strategy-traffic-steps",
            format!("traffic steps {steps:?}: each step is a percentage between 1 and 100"),
            "e.g. [10, 50, 100]",
        ));
    }
    if steps.windows(2).any(|w| w[1] <= w[0]) {
        out.push(Problem::new(
            "strategy-traffic-steps",
            format!("traffic steps {steps:?}: each step must increase the new version's share"),
            "list the shares in increasing order, e.g. [10, 50, 100]",
        ));
    }
    if last != 100 {
        out.push(Problem::new(
            "strategy-traffic-steps",
            format!("traffic steps {steps:?}: the last step must end at 100 (all the traffic on the new version)"),
            "add 100 as the last step",
        ));
    }
    out
}

/// A bake time longer than a job can run is a problem.
pub(crate) fn bake_problems(bake: Duration) -> Vec<Problem> {
    if minutes(bake) > super::settings::MAX_JOB_MINUTES {
        vec![Problem::new(
            "strategy-bake-time",
            format!("a bake of {} minutes is longer than a job can run", minutes(bake)),
            "bake for minutes, not hours; watch longer with alarms on the service itself",
        )]
    } else {
        Vec::new()
    }
}
