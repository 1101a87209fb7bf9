//! Secrets: referenced by name, stored on the platform, never written into a generated file.

use crate::id::SecretName;

/// Where a secret lives on AWS (CodeBuild reads it at build time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwsSecretSource {
    /// An AWS Secrets Manager secret, optionally one JSON key of it.
    SecretsManager {
        /// The secret's name or ARN.
        secret_id: String,
        /// A JSON key inside the secret value.
        json_key: Option<String>,
    },
    /// A Systems Manager Parameter Store `SecureString` parameter.
    ParameterStore {
        /// The parameter's name.
        name: String,
    },
}

/// A declared secret with its per-platform location. Declaring is optional: an undeclared secret
/// `X` is the GitHub secret `X`, the GitLab masked variable `X`, and the Secrets Manager secret `X`.
///
/// ```
/// use pipeline_core::{Secret, AwsSecretSource};
/// let s = Secret::new("DB_PASSWORD").aws_secrets_manager("prod/db", Some("password"));
/// assert!(matches!(s.aws, Some(AwsSecretSource::SecretsManager { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// The name jobs reference it by.
    pub name: SecretName,
    /// Where CodeBuild reads it from; `None` means Secrets Manager with the same name.
    pub aws: Option<AwsSecretSource>,
}

impl Secret {
    /// A secret named `name`.
    pub fn new(name: impl Into<SecretName>) -> Self {
        Self {
            name: name.into(),
            aws: None,
        }
    }

    /// Reads the secret from AWS Secrets Manager on CodeBuild.
    #[must_use]
    pub fn aws_secrets_manager(mut self, secret_id: impl Into<String>, json_key: Option<&str>) -> Self {
        self.aws = Some(AwsSecretSource::SecretsManager {
            secret_id: secret_id.into(),
            json_key: json_key.map(str::to_owned),
        });
        self
    }

    /// Reads the secret from SSM Parameter Store on CodeBuild.
    #[must_use]
    pub fn aws_parameter_store(mut self, name: impl Into<String>) -> Self {
        self.aws = Some(AwsSecretSource::ParameterStore { name: name.into() });
        self
    }

    /// The AWS location, defaulting to the Secrets Manager secret of the same name.
    pub fn aws_source(&self) -> AwsSecretSource {
        self.aws.clone().unwrap_or_else(|| AwsSecretSource::SecretsManager {
            secret_id: self.name.to_string(),
            json_key: None,
        })
    }
}
