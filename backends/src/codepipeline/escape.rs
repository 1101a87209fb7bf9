//! The one escaping layer of the CodePipeline backend: where `#{…}` is live.
//!
//! CodePipeline resolves `#{namespace.variable}` in the configuration of every action (a
//! CodeBuild action's `EnvironmentVariables`, a manual approval's `CustomData` and
//! `ExternalEntityLink`) and has no escape for it. So the backend places literals where
//! CodePipeline does not resolve anything, the buildspec of the CodeBuild project (whose values
//! are shell-quoted), and refuses `#{` in the literals that can only land in an action
//! configuration: matrix values (each cell's action sets them), approval instructions and review
//! URLs. A literal next to a variable reference in one value is refused where the value is
//! lowered (`job/variables.rs`). `${` in an `Fn::Sub` template is escaped as `${!` by the template model
//! (`model/intrinsic.rs`).

use pipeline_core::Pipeline;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};

/// What opens a CodePipeline variable reference.
pub(crate) const OPEN: &str = "#{";

/// Refuses `#{` in a literal that lands in an action configuration.
fn refuse(diagnostics: &mut Diagnostics, path: impl FnOnce() -> Path, what: &str, s: &str) {
    if s.contains(OPEN) {
        diagnostics.push(
            Diagnostic::error(
                "codepipeline-variable-syntax",
                path(),
                format!("the {what} {s:?} holds `#{{`, which CodePipeline resolves as a variable in action configurations and cannot escape"),
            )
            .with_hint("remove `#{` from this text; to use a value known at run time, build it from an `Expr` reference")
            .on_platform("codepipeline"),
        );
    }
}

/// Checks every literal of `pipeline` that lands in an action configuration.
pub(crate) fn check(pipeline: &Pipeline, diagnostics: &mut Diagnostics) {
    let root = || Path::pipeline(pipeline.id.as_str());
    for job in &pipeline.jobs {
        let jpath = || root().job(job.id.as_str());
        if let Some(m) = &job.matrix {
            let listed = m.include.iter().chain(&m.exclude).flat_map(|e| e.iter());
            let axes = m.axes.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)));
            for (axis, v) in axes.chain(listed) {
                refuse(
                    diagnostics,
                    || jpath().field(format!("matrix.{axis}")),
                    "matrix value",
                    v,
                );
            }
        }
        if let Some(approval) = job.environment.as_ref().and_then(|e| e.approval.as_ref()) {
            let apath = || jpath().field("environment.approval");
            if let Some(text) = &approval.instructions {
                refuse(diagnostics, apath, "approval instructions", text);
            }
            if let Some(url) = &approval.review_url {
                refuse(diagnostics, apath, "approval review URL", url);
            }
        }
    }
}
