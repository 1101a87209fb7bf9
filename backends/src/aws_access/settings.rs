//! The settings of the cloud side: identities, accounts, roles and what each role may do.

use pipeline_core::yaml::{Map, Value};

/// Where the pipelines' jobs run, as the OIDC providers name them. Repository and project
/// identities are never guessed: a platform whose jobs assume roles needs its identity set.
pub(crate) const PLATFORMS: [&str; 3] = ["github", "gitlab", "codepipeline"];

/// One IAM role the pipelines assume: the CI variable (or literal ARN) the jobs name, the
/// account it lives in, its name, and what it may do.
///
/// ```
/// use pipeline_backends::aws_access::{AccessRole, Grant};
/// let role = AccessRole::new("DRIFT_ROLE_ARN", "111111111111", "payments-api-drift")
///     .grant(Grant::drift_detection(["payments-api-production"]));
/// assert_eq!(role.arn(), "arn:aws:iam::111111111111:role/payments-api-drift");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRole {
    /// The variable the jobs read the role ARN from (`Expr::var("DRIFT_ROLE_ARN")`), or the
    /// literal ARN they name.
    pub variable: String,
    /// The 12-digit AWS account id.
    pub account: String,
    /// The role's name.
    pub name: String,
    /// What the role may do, scoped to named resources.
    pub grants: Vec<Grant>,
}

impl AccessRole {
    /// Role `name` in `account`, read by the jobs from variable `variable`.
    pub fn new(variable: impl Into<String>, account: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            variable: variable.into(),
            account: account.into(),
            name: name.into(),
            grants: Vec::new(),
        }
    }

    /// Adds a permission.
    #[must_use]
    pub fn grant(mut self, grant: Grant) -> Self {
        self.grants.push(grant);
        self
    }

    /// The role's ARN (the value to give the variable).
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account, self.name)
    }
}

/// A permission derived from a delivery practice, scoped to the resources the pipeline names.
///
/// ```
/// use pipeline_backends::aws_access::Grant;
/// let g = Grant::lambda_deploy(["payments-api"]);
/// assert!(g.actions().contains(&"lambda:UpdateAlias"));
/// assert!(!Grant::drift_detection(["s"]).actions().iter().any(|a| a.contains("Update")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Deploy CloudFormation stacks (change sets) named here.
    CloudFormationDeploy(Vec<String>),
    /// Drift detection of the stacks named here: read-only.
    DriftDetection(Vec<String>),
    /// Update, publish and shift aliases of the Lambda functions named here; their reserved
    /// concurrency too (the break-glass kill switch).
    LambdaDeploy(Vec<String>),
    /// Create deployments of CodeDeploy application `.0`, deployment group `.1`.
    CodeDeploy(String, String),
    /// Start and stop AppConfig deployments of application id `.0`.
    AppConfig(String),
    /// Read and write objects under `prefix` (`.1`) of bucket `.0`.
    S3Artifacts(String, String),
    /// Sign with (and read the public key of) the KMS key with this ARN.
    KmsSign(String),
    /// A statement of your own: actions on resources (ARNs, never `*`).
    Statement(Vec<String>, Vec<String>),
}

impl Grant {
    /// See [`Grant::CloudFormationDeploy`].
    pub fn cloudformation_deploy<S: Into<String>>(stacks: impl IntoIterator<Item = S>) -> Self {
        Grant::CloudFormationDeploy(stacks.into_iter().map(Into::into).collect())
    }
    /// See [`Grant::DriftDetection`].
    pub fn drift_detection<S: Into<String>>(stacks: impl IntoIterator<Item = S>) -> Self {
        Grant::DriftDetection(stacks.into_iter().map(Into::into).collect())
    }
    /// See [`Grant::LambdaDeploy`].
    pub fn lambda_deploy<S: Into<String>>(functions: impl IntoIterator<Item = S>) -> Self {
        Grant::LambdaDeploy(functions.into_iter().map(Into::into).collect())
    }
    /// See [`Grant::Statement`].
    pub fn statement<A: Into<String>, R: Into<String>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Grant::Statement(
            actions.into_iter().map(Into::into).collect(),
            resources.into_iter().map(Into::into).collect(),
        )
    }

    /// The IAM actions granted.
    pub fn actions(&self) -> Vec<&str> {
        match self {
            Grant::CloudFormationDeploy(_) => vec![
                "cloudformation:CreateChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:GetTemplate",
            ],
            Grant::DriftDetection(_) => vec![
                "cloudformation:DescribeStackDriftDetectionStatus",
                "cloudformation:DescribeStackResourceDrifts",
                "cloudformation:DescribeStacks",
                "cloudformation:DetectStackDrift",
                "cloudformation:DetectStackResourceDrift",
            ],
            Grant::LambdaDeploy(_) => vec![
                "lambda:DeleteFunctionConcurrency",
                "lambda:GetAlias",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:PublishVersion",
                "lambda:PutFunctionConcurrency",
                "lambda:UpdateAlias",
                "lambda:UpdateFunctionCode",
            ],
            Grant::CodeDeploy(..) => vec![
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:GetDeploymentConfig",
                "codedeploy:RegisterApplicationRevision",
            ],
            Grant::AppConfig(_) => vec![
                "appconfig:GetDeployment",
                "appconfig:StartDeployment",
                "appconfig:StopDeployment",
            ],
            Grant::S3Artifacts(..) => vec!["s3:GetObject", "s3:PutObject"],
            Grant::KmsSign(_) => vec!["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
            Grant::Statement(actions, _) => actions.iter().map(String::as_str).collect(),
        }
    }

    /// The resources, as CloudFormation values (`Fn::Sub` with the partition, region and account
    /// of the stack the role is created in).
    pub(crate) fn resources(&self) -> Vec<Value> {
        let sub = |s: String| {
            let mut m = Map::new();
            m.insert("Fn::Sub", s);
            Value::Map(m)
        };
        let base = "arn:${AWS::Partition}";
        match self {
            Grant::CloudFormationDeploy(stacks) | Grant::DriftDetection(stacks) => stacks
                .iter()
                .map(|s| {
                    sub(format!(
                        "{base}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{s}/*"
                    ))
                })
                .collect(),
            Grant::LambdaDeploy(functions) => functions
                .iter()
                .flat_map(|f| {
                    [
                        sub(format!(
                            "{base}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{f}"
                        )),
                        sub(format!(
                            "{base}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{f}:*"
                        )),
                    ]
                })
                .collect(),
            Grant::CodeDeploy(app, group) => vec![
                sub(format!(
                    "{base}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:application:{app}"
                )),
                sub(format!(
                    "{base}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:deploymentgroup:{app}/{group}"
                )),
                sub(format!(
                    "{base}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:deploymentconfig:*"
                )),
            ],
            Grant::AppConfig(app) => vec![
                sub(format!(
                    "{base}:appconfig:${{AWS::Region}}:${{AWS::AccountId}}:application/{app}"
                )),
                sub(format!(
                    "{base}:appconfig:${{AWS::Region}}:${{AWS::AccountId}}:application/{app}/*"
                )),
                sub(format!(
                    "{base}:appconfig:${{AWS::Region}}:${{AWS::AccountId}}:deploymentstrategy/*"
                )),
            ],
            Grant::S3Artifacts(bucket, prefix) => vec![sub(format!(
                "{base}:s3:::{bucket}/{}*",
                if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{}/", prefix.trim_end_matches('/'))
                }
            ))],
            Grant::KmsSign(key) => vec![Value::from(key.as_str())],
            Grant::Statement(_, resources) => resources.iter().map(|r| Value::from(r.as_str())).collect(),
        }
    }

    /// The CloudTrail event sources whose write calls change what this grant covers (the drift
    /// alert watches them).
    pub(crate) fn event_source(&self) -> Option<&'static str> {
        match self {
            Grant::CloudFormationDeploy(_) | Grant::DriftDetection(_) => Some("aws.cloudformation"),
            Grant::LambdaDeploy(_) => Some("aws.lambda"),
            Grant::CodeDeploy(..) => Some("aws.codedeploy"),
            Grant::AppConfig(_) => Some("aws.appconfig"),
            Grant::S3Artifacts(..) | Grant::KmsSign(_) | Grant::Statement(..) => None,
        }
    }

    /// What a reader of the docs page sees.
    pub(crate) fn describe(&self) -> String {
        match self {
            Grant::CloudFormationDeploy(s) => format!("CloudFormation deploy of {}", s.join(", ")),
            Grant::DriftDetection(s) => format!("drift detection (read-only) of {}", s.join(", ")),
            Grant::LambdaDeploy(f) => format!("Lambda deploy of {}", f.join(", ")),
            Grant::CodeDeploy(a, g) => format!("CodeDeploy {a}/{g}"),
            Grant::AppConfig(a) => format!("AppConfig application {a}"),
            Grant::S3Artifacts(b, p) => format!("S3 objects s3://{b}/{p}"),
            Grant::KmsSign(k) => format!("KMS signing with {k}"),
            Grant::Statement(a, r) => format!("{} on {}", a.join(", "), r.join(", ")),
        }
    }
}
