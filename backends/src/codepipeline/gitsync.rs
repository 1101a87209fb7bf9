//! The CloudFormation Git sync stack deployment file: which template the stack is built from
//! (by repository path), its parameter values and tags. With Git sync configured on the
//! pipeline's stack, a merged change to the pipeline definition updates the pipeline itself.
//!
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/git-sync-concepts-terms.html>.
//!
//! ```
//! use indexmap::IndexMap;
//! use pipeline_backends::codepipeline::gitsync::DeploymentFile;
//! use pipeline_core::yaml::{to_string, to_value};
//!
//! let file = DeploymentFile {
//!     template_file_path: "codepipeline/ci.template.yml".into(),
//!     parameters: IndexMap::from([("BranchName".to_owned(), "main".to_owned())]),
//!     tags: IndexMap::new(),
//! };
//! assert_eq!(
//!     to_string(&to_value(&file).unwrap()).unwrap(),
//!     "template-file-path: codepipeline/ci.template.yml\nparameters:\n  BranchName: main\n"
//! );
//! ```

use indexmap::IndexMap;
use serde::Serialize;

/// A stack deployment file.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DeploymentFile {
    /// The template, relative to the repository root.
    pub template_file_path: String,
    /// Parameter values by name.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, String>,
    /// Stack tags.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub tags: IndexMap<String, String>,
}
