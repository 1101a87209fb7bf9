//! Health checks and the monitoring of a bake: what must stay healthy while new code takes
//! traffic, how often it is checked, and how many failures in a row roll the deployment back.

use std::time::Duration;

use pipeline_core::Expr;
use pipeline_core::diagnostic::Problem;
use serde::Serialize;

/// One signal watched during a bake (and, for blue/green, before traffic switches).
///
/// ```
/// use pipeline_templates::practices::strategies::HealthCheck;
/// use pipeline_core::Expr;
/// let checks = [
///     HealthCheck::http("https://payments.example.com/health"),
///     HealthCheck::command("./scripts/smoke-test.sh"),
///     HealthCheck::invoke(r#"{"path":"/health"}"#),
///     HealthCheck::alarm("payments-api-5xx"),
///     HealthCheck::alarm(Expr::var("LATENCY_ALARM")),
/// ];
/// assert_eq!(checks.iter().filter(|c| c.is_alarm()).count(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthCheck {
    /// A shell command (run with `bash -eo pipefail -c`) that exits 0 when healthy. It can read
    /// `DEPLOY_QUALIFIER` (the alias or version under test), `DEPLOY_CANDIDATE_VERSION` and
    /// `DEPLOY_STABLE_VERSION`.
    Command(String),
    /// An HTTP GET that must answer 2xx within 10 seconds (`curl --fail`).
    Http(String),
    /// A Lambda invocation of the alias under test with this JSON payload that must not return
    /// a function error.
    Invoke(String),
    /// A CloudWatch alarm (metric or composite, by name) that must not be in the `ALARM` state.
    Alarm(Expr),
}

impl HealthCheck {
    /// A shell command that exits 0 when healthy.
    pub fn command(command: impl Into<String>) -> Self {
        HealthCheck::Command(command.into())
    }

    /// An HTTP GET of `url` that must succeed.
    pub fn http(url: impl Into<String>) -> Self {
        HealthCheck::Http(url.into())
    }

    /// A Lambda invocation with `payload` (JSON) that must not fail.
    pub fn invoke(payload: impl Into<String>) -> Self {
        HealthCheck::Invoke(payload.into())
    }

    /// A CloudWatch alarm, by name, that must stay out of `ALARM`.
    pub fn alarm(name: impl Into<Expr>) -> Self {
        HealthCheck::Alarm(name.into())
    }

    /// Whether this is an alarm (watched only while a version takes live traffic).
    pub fn is_alarm(&self) -> bool {
        matches!(self, HealthCheck::Alarm(_))
    }
}

/// How a bake is watched: the checks, how often, and how many failed probes in a row fail it.
///
/// An alarm in `ALARM` fails the bake at once; a probe (command, HTTP, invocation) fails it after
/// `failure_threshold` failures in a row, so one lost request does not roll a deployment back.
///
/// ```
/// use std::time::Duration;
/// use pipeline_templates::practices::strategies::{HealthCheck, Monitor};
/// let monitor = Monitor::new()
///     .check(HealthCheck::alarm("payments-api-errors"))
///     .interval(Duration::from_secs(20))
///     .failure_threshold(2);
/// assert_eq!(monitor.interval, Duration::from_secs(20));
/// assert!(monitor.problems().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monitor {
    /// What is watched.
    pub checks: Vec<HealthCheck>,
    /// Time between two rounds of checks (default 30 seconds).
    pub interval: Duration,
    /// Failed probes in a row that fail the bake (default 3).
    pub failure_threshold: u32,
}

impl Default for Monitor {
    fn default() -> Self {
        Self {
            checks: Vec::new(),
            interval: Duration::from_secs(30),
            failure_threshold: 3,
        }
    }
}

impl Monitor {
    /// No checks, every 30 seconds, 3 failed probes in a row fail.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a check.
    #[must_use]
    pub fn check(mut self, check: HealthCheck) -> Self {
        self.checks.push(check);
        self
    }

    /// Sets the time between two rounds of checks.
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets how many failed probes in a row fail the bake.
    #[must_use]
    pub fn failure_threshold(mut self, failures: u32) -> Self {
        self.failure_threshold = failures;
        self
    }

    /// The alarms watched.
    pub fn alarms(&self) -> impl Iterator<Item = &Expr> {
        self.checks.iter().filter_map(|c| match c {
            HealthCheck::Alarm(a) => Some(a),
            _ => None,
        })
    }

    /// Whether a probe (anything but an alarm) is configured.
    pub fn has_probe(&self) -> bool {
        self.checks.iter().any(|c| !c.is_alarm())
    }

    /// What is wrong with these settings.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.checks.is_empty() {
            out.push(Problem::new(
                "strategy-health-check",
                "the deployment watches nothing: a bake without a health check cannot roll anything back",
                "add a health check: `.health_check(HealthCheck::http(..))` or `.alarm(\"name\")`",
            ));
        }
        if self.interval.as_secs() == 0 || self.interval.as_secs() > 3600 {
            out.push(Problem::new(
                "strategy-health-check",
                format!(
                    "the health check interval is {}s; it must be between 1 second and 1 hour",
                    self.interval.as_secs()
                ),
                "check every 10 to 60 seconds",
            ));
        }
        if self.failure_threshold == 0 {
            out.push(Problem::new(
                "strategy-health-check",
                "the failure threshold is 0: the deployment would fail before its first check",
                "fail after 1 to 5 failed probes in a row",
            ));
        }
        for check in &self.checks {
            let empty = match check {
                HealthCheck::Command(c) | HealthCheck::Http(c) | HealthCheck::Invoke(c) => c.trim().is_empty(),
                HealthCheck::Alarm(a) => a.as_literal().is_some_and(|a| a.trim().is_empty()),
            };
            if empty {
                out.push(Problem::new(
                    "strategy-health-check",
                    "a health check is empty",
                    "give the command, URL, payload or alarm name",
                ));
            }
        }
        out
    }
}

/// A health check as the `health.sh` template reads it.
#[derive(Serialize)]
pub(crate) struct CheckContext<'a> {
    pub(crate) kind: &'static str,
    pub(crate) value: &'a str,
}

impl Monitor {
    /// The probes for the template (alarms go through environment variables).
    pub(crate) fn probes(&self) -> Vec<CheckContext<'_>> {
        self.checks
            .iter()
            .filter_map(|c| match c {
                HealthCheck::Command(v) => Some(CheckContext {
                    kind: "command",
                    value: v,
                }),
                HealthCheck::Http(v) => Some(CheckContext { kind: "http", value: v }),
                HealthCheck::Invoke(v) => Some(CheckContext {
                    kind: "invoke",
                    value: v,
                }),
                HealthCheck::Alarm(_) => None,
            })
            .collect()
    }
}

/// `5m`, `90s`, `1h 30m`: a duration for messages.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if sec > 0 || parts.is_empty() {
        parts.push(format!("{sec}s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_secs(300)), "5m");
        assert_eq!(human(Duration::from_secs(90)), "1m 30s");
        assert_eq!(human(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(human(Duration::ZERO), "0s");
    }

    #[test]
    fn a_monitor_needs_something_to_watch() {
        let codes: Vec<&str> = Monitor::new().problems().iter().map(|p| p.code).collect();
        assert_eq!(codes, ["strategy-health-check"]);
        let bad = Monitor::new()
            .check(HealthCheck::http(" "))
            .interval(Duration::ZERO)
            .failure_threshold(0);
        assert_eq!(bad.problems().len(), 3);
    }
}
