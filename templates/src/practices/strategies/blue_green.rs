//! Blue/green deployments: the new version is deployed beside the old one, checked while it
//! takes no traffic, then takes all of it at once; the old one stays ready for a rollback.

use std::time::Duration;

use pipeline_core::EnvironmentName;
use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;

use super::canary::{add_jobs, bake_problems};
use super::health::Monitor;
use super::lambda::{LambdaDeploy, LambdaFunction, alias_ok, minutes};
use super::settings::{DeploySettings, monitor_builders, settings_builders};

/// A blue/green deployment: deploy to the idle color, health-check it, switch all the traffic,
/// watch it for a bake time, and keep the old color for a rollback.
///
/// On AWS Lambda the colors are two aliases: the live alias (what clients call) and an idle
/// alias (default `<alias>-idle`, created on first use). The new version goes behind the idle
/// alias, the probes check it there (`DEPLOY_QUALIFIER` is the idle alias), the live alias
/// switches to it, and the idle alias takes the old version: rolling back is pointing the live
/// alias at it again. Alarms are watched after the switch (they measure live traffic).
///
/// Jobs (local ids): `deploy` and, unless left out, `rollback`. Step ids of `deploy`: `download`
/// (zip code only), `credentials`, `publish`, `deploy-idle`, `verify-idle`, `switch`, `monitor`.
///
/// ```
/// use std::time::Duration;
/// use pipeline_templates::practices::strategies::{BlueGreen, HealthCheck, LambdaCode, LambdaFunction};
/// use pipeline_core::prelude::*;
///
/// let bg = BlueGreen::new("production", LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")))
///     .health_check(HealthCheck::invoke(r#"{"path":"/health"}"#))
///     .alarm("payments-api-errors")
///     .bake(Duration::from_secs(600))
///     .needs("build");
/// assert_eq!(bg.idle_alias(), "live-idle");
/// let build = Job::new("build").step(Step::script("make dist/payments-api.zip")).step(Step::upload("lambda", ["dist/payments-api.zip"]));
/// let p = Pipeline::new("d").on(Trigger::push()).job(build).add("production", &bg);
/// let ids: Vec<&str> = p.find_job("production-deploy").map(|j| j.steps.iter().filter_map(|s| s.id_str()).collect()).unwrap_or_default();
/// assert_eq!(ids, ["download", "credentials", "publish", "deploy-idle", "verify-idle", "switch", "monitor"]);
/// pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlueGreen {
    /// What is deployed.
    pub target: LambdaFunction,
    /// The idle color's alias (default `<alias>-idle`).
    pub idle: Option<String>,
    /// How long the switched traffic is watched (default 10 minutes).
    pub bake: Duration,
    /// What is watched: the probes check the idle color before the switch, and everything is
    /// watched during the bake.
    pub monitor: Monitor,
    /// The environment, role, ordering and rollback.
    pub settings: DeploySettings,
}

settings_builders!(BlueGreen);
monitor_builders!(BlueGreen);

impl BlueGreen {
    /// A blue/green deployment of `target` in `environment`, watched for 10 minutes.
    pub fn new(environment: impl Into<EnvironmentName>, target: LambdaFunction) -> Self {
        Self {
            target,
            idle: None,
            bake: Duration::from_secs(600),
            monitor: Monitor::new(),
            settings: DeploySettings::new(environment),
        }
    }

    /// Sets the idle color's alias.
    #[must_use]
    pub fn idle(mut self, alias: impl Into<String>) -> Self {
        self.idle = Some(alias.into());
        self
    }

    /// Sets how long the switched traffic is watched.
    #[must_use]
    pub fn bake(mut self, bake: Duration) -> Self {
        self.bake = bake;
        self
    }

    /// The idle color's alias.
    pub fn idle_alias(&self) -> String {
        self.idle
            .clone()
            .unwrap_or_else(|| format!("{}-idle", self.target.alias))
    }

    /// The deploy job's timeout: the bake, the idle color's checks, plus 15 minutes.
    pub fn computed_timeout(&self) -> u32 {
        let verify = self.monitor.interval.saturating_mul(self.monitor.failure_threshold);
        minutes(self.bake).saturating_add(minutes(verify)).saturating_add(15)
    }

    /// What is wrong with the parameters (validation reports these on the deploy job).
    ///
    /// ```
    /// use pipeline_templates::practices::strategies::{BlueGreen, LambdaCode, LambdaFunction};
    /// let f = LambdaFunction::new("api", LambdaCode::zip("lambda", "dist/api.zip"));
    /// // Alarms alone cannot check a color that takes no traffic.
    /// let bad = BlueGreen::new("production", f).alarm("api-errors").idle("live");
    /// let codes: Vec<&str> = bad.problems().iter().map(|p| p.code).collect();
    /// assert_eq!(codes, ["strategy-target", "strategy-health-check"]);
    /// ```
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let idle = self.idle_alias();
        if idle == self.target.alias || !alias_ok(&idle) {
            out.push(Problem::new(
                "strategy-target",
                format!(
                    "the idle color's alias {idle:?} must be a valid alias name other than the live alias {:?}",
                    self.target.alias
                ),
                "leave the default (<alias>-idle) or choose another name",
            ));
        }
        if !self.monitor.checks.is_empty() && !self.monitor.has_probe() {
            out.push(Problem::new(
                "strategy-health-check",
                "a blue/green deployment checks the idle color before it takes traffic, and alarms cannot: they measure live traffic",
                "add a probe: `.health_check(HealthCheck::invoke(..))`, `HealthCheck::http(..)` or `HealthCheck::command(..)`",
            ));
        }
        out.extend(bake_problems(self.bake));
        out.extend(self.monitor.problems());
        out.extend(self.target.problems());
        out
    }
}

impl Construct for BlueGreen {
    fn build(&self, scope: &mut Scope<'_>) {
        let idle = self.idle_alias();
        let name = format!("Blue/green deployment to {}", self.settings.environment.name);
        let mut d = LambdaDeploy::new(&self.settings, &self.target, &self.monitor, name);
        d.job.problems.extend(self.problems());
        d.deploy_idle(&idle);
        d.verify_idle(&idle);
        d.switch(&idle);
        d.monitor("monitor".into(), self.bake, "the new color");
        let deploy = d.finish(&self.settings, self.computed_timeout());
        add_jobs(scope, &self.settings, &self.target, deploy);
    }
}
