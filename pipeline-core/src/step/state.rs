//! Step state: environment variables, `PATH` entries and outputs a step hands to the later steps
//! of its job (docs/SEMANTICS.md, section 20).
//!
//! A step declares what it exports; while it runs, three environment variables name empty files
//! it writes to, one line per value:
//!
//! - [`ENV_FILE`] (`PIPELINE_ENV`): `NAME=value` for each variable declared with
//!   [`Step::exports_env`](crate::Step::exports_env);
//! - [`PATH_FILE`] (`PIPELINE_PATH`): one directory per line (relative to the step's working
//!   directory, or absolute), when the step declares [`Step::adds_path`](crate::Step::adds_path);
//! - [`OUTPUT_FILE`] (`PIPELINE_OUTPUT`): `NAME=value` for each output declared with
//!   [`Step::exports_output`](crate::Step::exports_output).
//!
//! When the step succeeds, the generated code reads the files (the last line for a name wins); a
//! name that was not declared, or a line without `=`, fails the step. Values are one line.

use crate::id::{OutputName, VarName};

/// The variable naming the file of exported environment variables.
pub const ENV_FILE: &str = "PIPELINE_ENV";
/// The variable naming the file of directories added to `PATH`.
pub const PATH_FILE: &str = "PIPELINE_PATH";
/// The variable naming the file of step outputs.
pub const OUTPUT_FILE: &str = "PIPELINE_OUTPUT";

/// What a step exports to the later steps of its job.
///
/// ```
/// use pipeline_core::prelude::*;
/// let step = Step::script("echo \"TOOL_HOME=$PWD/tool\" >> \"$PIPELINE_ENV\"; echo tool/bin >> \"$PIPELINE_PATH\"")
///     .id("install")
///     .exports_env("TOOL_HOME")
///     .adds_path();
/// assert_eq!(step.state.env[0], "TOOL_HOME");
/// assert!(step.state.path && !step.state.is_empty());
/// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("b").step(step)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepState {
    /// Environment variables the step sets for the later steps.
    pub env: Vec<VarName>,
    /// Whether the step adds directories to `PATH` for the later steps.
    pub path: bool,
    /// Outputs the later steps read with [`Step::output`](crate::Step::output).
    pub outputs: Vec<OutputName>,
}

impl StepState {
    /// Whether the step exports nothing.
    pub fn is_empty(&self) -> bool {
        self.env.is_empty() && !self.path && self.outputs.is_empty()
    }
}
