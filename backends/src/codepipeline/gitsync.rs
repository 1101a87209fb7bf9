//! The CloudFormation Git sync stack deployment file: which template the stack is built from
//! (by repository path), its parameter values and tags. With Git sync configured on the
//! pipeline's stack, a merged change to the pipeline definition updates the pipeline itself.
//!
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/git-sync-concepts-terms.html>.
//!
//! ```
//! use indexmap::IndexMap;
//! use pipeline_backends::codepipeline::gitsync::{DeploymentFile, ParameterValue};
//! use pipeline_core::yaml::{to_string, to_value};
//!
//! let file = DeploymentFile {
//!     template_file_path: "codepipeline/ci.template.yml".into(),
//!     parameters: IndexMap::from([
//!         ("BranchName".to_owned(), ParameterValue::Known("main".into())),
//!         ("ArtifactBucket".to_owned(), ParameterValue::Placeholder("placeholder-artifact-bucket".into())),
//!     ]),
//!     tags: IndexMap::new(),
//! };
//! assert_eq!(
//!     to_string(&to_value(&file).unwrap()).unwrap(),
//!     "template-file-path: codepipeline/ci.template.yml\nparameters:\n  BranchName: main\n  ArtifactBucket: placeholder-artifact-bucket # placeholder: set it with CodePipelineSettings\n"
//! );
//! ```

use indexmap::IndexMap;
use pipeline_core::yaml::Commented;
use serde::{Serialize, Serializer};

/// The value of a stack parameter in the deployment file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterValue {
    /// Set with [`CodePipelineSettings`](super::CodePipelineSettings).
    Known(String),
    /// A placeholder for a required parameter nobody set (commented as such).
    Placeholder(String),
}

impl Serialize for ParameterValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ParameterValue::Known(v) => serializer.serialize_str(v),
            ParameterValue::Placeholder(v) => {
                Commented(v.as_str(), "placeholder: set it with CodePipelineSettings".to_owned()).serialize(serializer)
            }
        }
    }
}

/// A stack deployment file.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DeploymentFile {
    /// The template, relative to the repository root.
    pub template_file_path: String,
    /// Parameter values by name: every parameter without a default, and every value set.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, ParameterValue>,
    /// Stack tags.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub tags: IndexMap<String, String>,
}
