//! What AWS access a step needs: the services it calls and the resources it names.
//!
//! A step that calls AWS declares it with [`UsesAws::uses_aws`]; the delivery practices of
//! `pipeline-templates` declare theirs. The `aws-access` backend of `pipeline-backends` grants
//! each use to the role in effect at that step (the last role of the latest
//! [`Step::assume_aws_role`] before it in its job), scoped to the named resources, so a role's
//! policy is exactly what the jobs that assume it do. Names are data: a literal names one
//! resource, a configuration variable ([`Expr::var`]) becomes a parameter of the generated
//! template (its value is the variable's), anything else is refused with a diagnostic.
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! let deploy = Job::new("deploy")
//!     .step(Step::assume_aws_role(AwsRole::new(Expr::var("DEPLOY_ROLE_ARN"), "eu-west-1")))
//!     .step(
//!         Step::script("aws lambda update-function-code --function-name api --zip-file fileb://api.zip")
//!             .uses_aws(AwsUse::lambda_deploy(["api"])),
//!     );
//! assert_eq!(deploy.steps[1].aws_uses(), [AwsUse::lambda_deploy(["api"])]);
//! assert!(deploy.steps[0].aws_uses().is_empty());
//! assert!(AwsUse::drift_detection(["api-stack"]).read_only());
//! # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(deploy));
//! ```

use crate::expr::Expr;
use crate::platform::Platforms;
use crate::step::Step;

/// One kind of AWS access, on named resources. Each maps to the IAM actions its calls need, on
/// the resources it names (see the `aws-access` backend); `*` only where IAM has no
/// resource-level permission for an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwsUse {
    /// Deploy CloudFormation stacks through change sets.
    CloudFormationDeploy {
        /// Stack names (or ARNs).
        stacks: Vec<Expr>,
    },
    /// CloudFormation drift detection of stacks: read-only.
    DriftDetection {
        /// Stack names (or ARNs).
        stacks: Vec<Expr>,
    },
    /// Publish new code of Lambda functions and move their aliases (create one, shift weights).
    LambdaDeploy {
        /// Function names (or ARNs).
        functions: Vec<Expr>,
    },
    /// Invoke Lambda functions (health checks).
    LambdaInvoke {
        /// Function names (or ARNs).
        functions: Vec<Expr>,
    },
    /// Set or remove the reserved concurrency of Lambda functions (a kill switch).
    LambdaConcurrency {
        /// Function names (or ARNs).
        functions: Vec<Expr>,
    },
    /// Read the state of CloudWatch alarms: read-only.
    ReadAlarms {
        /// Alarm names.
        alarms: Vec<Expr>,
    },
    /// Create, watch and stop deployments of a CodeDeploy deployment group.
    CodeDeploy {
        /// The application's name.
        application: Expr,
        /// The deployment group's name.
        group: Expr,
        /// The deployment configuration used (its name), if any.
        config: Option<Expr>,
    },
    /// Deploy hosted configuration versions with AWS AppConfig, watch and stop the deployments.
    AppConfig {
        /// The application's id.
        application: Expr,
        /// The AppConfig environment's id.
        environment: Expr,
        /// The configuration profile's id.
        profile: Expr,
        /// The deployment strategy's id.
        strategy: Expr,
    },
    /// Pass IAM roles to an AWS service (`iam:PassRole`, only to that service).
    PassRole {
        /// The roles' ARNs.
        roles: Vec<Expr>,
        /// The service they are passed to (`appconfig.amazonaws.com`).
        service: String,
    },
    /// Read (and write, when `write`) objects under a prefix of an S3 bucket.
    S3Objects {
        /// The bucket's name.
        bucket: Expr,
        /// The key prefix (empty: the whole bucket).
        prefix: String,
        /// Whether objects are written too.
        write: bool,
    },
    /// Push images to ECR repositories (and get the registry login token).
    EcrPush {
        /// Repository names (or ARNs).
        repositories: Vec<Expr>,
    },
    /// Decrypt with KMS keys.
    KmsDecrypt {
        /// The keys' ARNs (or ids, or aliases).
        keys: Vec<Expr>,
    },
    /// Sign with a KMS key (and read its public key).
    KmsSign {
        /// The key's ARN.
        key: Expr,
    },
    /// A statement of your own: IAM actions on resources (ARNs, never `*`).
    Statement {
        /// IAM actions (`service:Action`).
        actions: Vec<String>,
        /// Resource ARNs.
        resources: Vec<String>,
    },
}

fn exprs<S: Into<Expr>>(items: impl IntoIterator<Item = S>) -> Vec<Expr> {
    items.into_iter().map(Into::into).collect()
}

impl AwsUse {
    /// See [`AwsUse::CloudFormationDeploy`].
    pub fn cloudformation_deploy<S: Into<Expr>>(stacks: impl IntoIterator<Item = S>) -> Self {
        AwsUse::CloudFormationDeploy { stacks: exprs(stacks) }
    }

    /// See [`AwsUse::DriftDetection`].
    pub fn drift_detection<S: Into<Expr>>(stacks: impl IntoIterator<Item = S>) -> Self {
        AwsUse::DriftDetection { stacks: exprs(stacks) }
    }

    /// See [`AwsUse::LambdaDeploy`].
    pub fn lambda_deploy<S: Into<Expr>>(functions: impl IntoIterator<Item = S>) -> Self {
        AwsUse::LambdaDeploy {
            functions: exprs(functions),
        }
    }

    /// See [`AwsUse::LambdaInvoke`].
    pub fn lambda_invoke<S: Into<Expr>>(functions: impl IntoIterator<Item = S>) -> Self {
        AwsUse::LambdaInvoke {
            functions: exprs(functions),
        }
    }

    /// See [`AwsUse::LambdaConcurrency`].
    pub fn lambda_concurrency<S: Into<Expr>>(functions: impl IntoIterator<Item = S>) -> Self {
        AwsUse::LambdaConcurrency {
            functions: exprs(functions),
        }
    }

    /// See [`AwsUse::ReadAlarms`].
    pub fn read_alarms<S: Into<Expr>>(alarms: impl IntoIterator<Item = S>) -> Self {
        AwsUse::ReadAlarms { alarms: exprs(alarms) }
    }

    /// See [`AwsUse::CodeDeploy`] (no deployment configuration named).
    pub fn codedeploy(application: impl Into<Expr>, group: impl Into<Expr>) -> Self {
        AwsUse::CodeDeploy {
            application: application.into(),
            group: group.into(),
            config: None,
        }
    }

    /// See [`AwsUse::EcrPush`].
    pub fn ecr_push<S: Into<Expr>>(repositories: impl IntoIterator<Item = S>) -> Self {
        AwsUse::EcrPush {
            repositories: exprs(repositories),
        }
    }

    /// See [`AwsUse::S3Objects`]: read and write.
    pub fn s3_artifacts(bucket: impl Into<Expr>, prefix: impl Into<String>) -> Self {
        AwsUse::S3Objects {
            bucket: bucket.into(),
            prefix: prefix.into(),
            write: true,
        }
    }

    /// See [`AwsUse::KmsDecrypt`].
    pub fn kms_decrypt<S: Into<Expr>>(keys: impl IntoIterator<Item = S>) -> Self {
        AwsUse::KmsDecrypt { keys: exprs(keys) }
    }

    /// See [`AwsUse::KmsSign`].
    pub fn kms_sign(key: impl Into<Expr>) -> Self {
        AwsUse::KmsSign { key: key.into() }
    }

    /// See [`AwsUse::Statement`].
    pub fn statement<A: Into<String>, R: Into<String>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        AwsUse::Statement {
            actions: actions.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether the use only reads (drift detection, alarm states).
    pub fn read_only(&self) -> bool {
        matches!(self, AwsUse::DriftDetection { .. } | AwsUse::ReadAlarms { .. })
            || matches!(self, AwsUse::S3Objects { write: false, .. })
    }
}

/// The AWS uses of a step, kept in its [`extensions`](Step::extensions) (see [`UsesAws`]).
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::AwsUses;
/// let step = Step::script("./deploy.sh").uses_aws(AwsUse::lambda_deploy(["api"]));
/// assert_eq!(step.extensions.get::<AwsUses>(), Some(&AwsUses(vec![AwsUse::lambda_deploy(["api"])])));
/// # let role = Step::assume_aws_role(AwsRole::new(Expr::var("DEPLOY_ROLE_ARN"), "eu-west-1"));
/// # let job = Job::new("deploy").step(role).step(step);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsUses(pub Vec<AwsUse>);

/// The AWS uses of a step on some platforms only, kept in its extensions (see
/// [`UsesAws::uses_aws_on`]).
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::AwsUsesOn;
/// let sign = Step::script("cosign sign-blob ...")
///     .uses_aws_on(Platform::CodePipeline, AwsUse::kms_sign("alias/release-signing"));
/// assert!(sign.aws_uses().is_empty());
/// let on = sign.extensions.get::<AwsUsesOn>().expect("declared");
/// assert!(on.0[0].0.contains(Platform::CodePipeline) && !on.0[0].0.contains(Platform::Github));
/// # let job = Job::new("sign").step(sign);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsUsesOn(pub Vec<(Platforms, AwsUse)>);

/// Declares the AWS access a step needs.
///
/// ```
/// use pipeline_core::prelude::*;
/// let step = Step::script("./detect-drift.sh")
///     .uses_aws(AwsUse::drift_detection(["api-production"]))
///     .uses_aws(AwsUse::read_alarms([Expr::var("API_ALARM")]));
/// assert_eq!(step.aws_uses().len(), 2);
/// # let job = Job::new("drift")
/// #     .step(Step::assume_aws_role(AwsRole::new(Expr::var("DRIFT_ROLE_ARN"), "eu-west-1")))
/// #     .step(step);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
pub trait UsesAws {
    /// Adds `usage` to what the step needs.
    #[must_use]
    fn uses_aws(self, usage: AwsUse) -> Self;
    /// What the step needs, in the order declared.
    fn aws_uses(&self) -> &[AwsUse];
    /// Adds `usage` to what the step needs on `platforms` only (a step whose script differs per
    /// platform: signing with a KMS key on CodeBuild, keyless elsewhere). Before any role is
    /// assumed in its job, a use on CodePipeline runs with the CodeBuild service role.
    #[must_use]
    fn uses_aws_on(self, platforms: impl Into<Platforms>, usage: AwsUse) -> Self;
    /// What the step needs on some platforms only.
    fn aws_uses_on(&self) -> &[(Platforms, AwsUse)];
}

impl UsesAws for Step {
    fn uses_aws(mut self, usage: AwsUse) -> Self {
        match self.extensions.get_mut::<AwsUses>() {
            Some(uses) => {
                if !uses.0.contains(&usage) {
                    uses.0.push(usage);
                }
            }
            None => self.extensions.insert(AwsUses(vec![usage])),
        }
        self
    }

    fn aws_uses(&self) -> &[AwsUse] {
        self.extensions.get::<AwsUses>().map_or(&[], |u| u.0.as_slice())
    }

    fn uses_aws_on(mut self, platforms: impl Into<Platforms>, usage: AwsUse) -> Self {
        let entry = (platforms.into(), usage);
        match self.extensions.get_mut::<AwsUsesOn>() {
            Some(uses) => {
                if !uses.0.contains(&entry) {
                    uses.0.push(entry);
                }
            }
            None => self.extensions.insert(AwsUsesOn(vec![entry])),
        }
        self
    }

    fn aws_uses_on(&self) -> &[(Platforms, AwsUse)] {
        self.extensions.get::<AwsUsesOn>().map_or(&[], |u| u.0.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_accumulate_without_duplicates() {
        let step = Step::script("x")
            .uses_aws(AwsUse::lambda_deploy(["a"]))
            .uses_aws(AwsUse::lambda_deploy(["a"]))
            .uses_aws(AwsUse::read_alarms(["b"]));
        assert_eq!(
            step.aws_uses(),
            [AwsUse::lambda_deploy(["a"]), AwsUse::read_alarms(["b"])]
        );
    }

    #[test]
    fn uses_on_some_platforms_are_kept_apart() {
        use crate::platform::Platform;
        let step = Step::script("sign").uses_aws_on(Platform::CodePipeline, AwsUse::kms_sign("alias/k"));
        assert!(step.aws_uses().is_empty());
        assert_eq!(
            step.aws_uses_on(),
            [(Platforms::from(Platform::CodePipeline), AwsUse::kms_sign("alias/k"))]
        );
    }

    #[test]
    fn only_reads_are_read_only() {
        assert!(AwsUse::drift_detection(["s"]).read_only());
        assert!(AwsUse::read_alarms(["a"]).read_only());
        assert!(!AwsUse::lambda_deploy(["f"]).read_only());
        assert!(!AwsUse::s3_artifacts("b", "p").read_only());
    }
}
