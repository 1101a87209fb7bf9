//! Typed identifiers.
//!
//! Every name that crosses an API boundary has its own type, so a job id cannot be passed where a
//! secret name is expected. Constructing an id never fails: whether it is acceptable is decided by
//! [validation](crate::validate), which reports every bad id at once with its path.

use std::borrow::Borrow;
use std::fmt;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Creates a ", $what, " from any string; validation checks its characters.")]
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            #[doc = concat!("The ", $what, " as a string slice.")]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl serde_core::Serialize for $name {
            fn serialize<S: serde_core::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// The id of a pipeline: names its files (`.github/workflows/<id>.yml`), so it is restricted
    /// to letters, digits, `-`, `_` and `.`.
    ///
    /// ```
    /// use pipeline_core::PipelineId;
    /// assert_eq!(PipelineId::new("release").as_str(), "release");
    /// ```
    PipelineId,
    "pipeline id"
);
typed_id!(
    /// The id of a job, unique within its pipeline (`build`, `deploy-production`).
    ///
    /// ```
    /// use pipeline_core::JobId;
    /// let id: JobId = "build".into();
    /// assert_eq!(id, "build");
    /// ```
    JobId,
    "job id"
);
typed_id!(
    /// The id of a step, unique within its job; lets constructs insert steps around it.
    StepId,
    "step id"
);
typed_id!(
    /// The name of an artifact passed between jobs.
    ArtifactName,
    "artifact name"
);
typed_id!(
    /// The name of a secret. Secrets are referenced by name only; their values never appear in a
    /// generated file.
    SecretName,
    "secret name"
);
typed_id!(
    /// The name of a deployment environment (`staging`, `production`).
    EnvironmentName,
    "environment name"
);
typed_id!(
    /// The name of an input of a manually started pipeline.
    InputName,
    "input name"
);
typed_id!(
    /// The name of a job output.
    OutputName,
    "output name"
);
typed_id!(
    /// The name of an environment variable.
    VarName,
    "variable name"
);

/// Character classes the portable model accepts for ids; checked by validation.
pub(crate) mod rules {
    /// `[A-Za-z_][A-Za-z0-9_-]*`: job and step ids (GitHub's job id rule, safe everywhere).
    pub(crate) fn is_job_id(s: &str) -> bool {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`: names that become environment variables on some platform.
    pub(crate) fn is_var_name(s: &str) -> bool {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// `[A-Za-z0-9][A-Za-z0-9._-]*` without `..`: names that become file names.
    pub(crate) fn is_file_stem(s: &str) -> bool {
        let mut chars = s.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && !s.contains("..")
    }

    /// `[A-Za-z0-9_-]+`: artifact and environment names (CodePipeline's artifact name rule).
    pub(crate) fn is_simple_name(s: &str) -> bool {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }
}

#[cfg(test)]
mod tests {
    use super::rules::*;

    #[test]
    fn job_ids() {
        assert!(is_job_id("build"));
        assert!(is_job_id("_x-1"));
        assert!(!is_job_id("1build"));
        assert!(!is_job_id("a b"));
        assert!(!is_job_id(""));
        assert!(!is_job_id("a.b"));
    }

    #[test]
    fn file_stems() {
        assert!(is_file_stem("ci"));
        assert!(is_file_stem("release.v2"));
        assert!(!is_file_stem("../x"));
        assert!(!is_file_stem("a/b"));
        assert!(!is_file_stem(".hidden"));
        assert!(!is_file_stem("a..b"));
    }

    #[test]
    fn var_names() {
        assert!(is_var_name("AWS_REGION"));
        assert!(!is_var_name("AWS-REGION"));
        assert!(!is_var_name("1X"));
    }
}
