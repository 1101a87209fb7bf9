//! `AWS::Events::Rule`: a schedule that starts the pipeline.

use serde::Serialize;

use super::CfnString;

/// An EventBridge rule.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// What it does.
    pub description: String,
    /// `cron(minutes hours day-of-month month day-of-week year)`.
    pub schedule_expression: String,
    /// `ENABLED`.
    pub state: &'static str,
    /// The pipeline.
    pub targets: Vec<RuleTarget>,
}

/// A rule target.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleTarget {
    /// Unique in the rule.
    pub id: String,
    /// The pipeline's ARN.
    pub arn: CfnString,
    /// The role EventBridge assumes to start the pipeline.
    pub role_arn: CfnString,
}
