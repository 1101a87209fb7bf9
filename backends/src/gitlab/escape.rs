//! The one escaping layer of the GitLab backend: what a literal `$` means in each key.
//!
//! GitLab expands CI/CD variables in many keys, in three different ways (GitLab's "Where
//! variables can be used"):
//!
//! - `variables:` values (pipeline, job, service and manual-run variables, their `options`):
//!   `$$` is the documented escape of a literal `$`; [`variable_value`] applies it.
//! - keys GitLab itself expands (`workflow:name`, `environment:name`/`url`, `resource_group`,
//!   `tags`): GitLab's expansion (`ExpandVariables`) has no escape in most versions (`$$X` still
//!   expands `$X`), and reads `%X%` as a variable too.
//! - keys the runner expands (`image`, `services`, `artifacts:paths`, `cache:paths`, matrix
//!   values, which become variables; `cache:key:files` is refused alike): the runner's expansion
//!   has no documented escape either.
//!
//! In the last two groups a literal `$` is refused with a diagnostic ([`check`]); a reference
//! (an [`Expr`] other than a literal) is what a user writes to get a variable's value there.
//! Keys GitLab never expands (job names, `stage`, variable descriptions) take any text; scripts
//! are shell code whose literals the backend single-quotes.

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::{Expr, Pipeline, StepKind};

/// `s` as the value of a GitLab variable: every `$` doubled.
pub(crate) fn variable_value(s: &str) -> String {
    s.replace('$', "$$")
}

/// Whether `s` holds `%NAME%`, which GitLab's own expansion reads as a variable too.
fn has_percent_reference(s: &str) -> bool {
    s.split('%').skip(1).collect::<Vec<_>>().windows(2).any(|w| {
        let name = w[0];
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Refuses a literal `$` (or `%NAME%`) in a key GitLab or its runner expands without an escape.
fn refuse_dollar(diagnostics: &mut Diagnostics, path: impl FnOnce() -> Path, key: &str, s: &str) {
    let what = if s.contains('$') {
        "`$`"
    } else if has_percent_reference(s) {
        "`%NAME%`"
    } else {
        return;
    };
    diagnostics.push(
        Diagnostic::error(
            "gitlab-literal-dollar",
            path(),
            format!("{s:?} holds {what}, which GitLab expands as a variable in `{key}` and cannot escape there"),
        )
        .with_hint("remove it; to use a variable's value here, build the value from an `Expr` reference (e.g. `Expr::var(\"NAME\")`)")
        .on_platform("gitlab"),
    );
}

/// The literal parts of a value, nested concatenations flattened and adjacent literals joined.
fn literal_runs(e: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>, run: &mut String) {
        for part in e.parts() {
            match part {
                Expr::Literal(s) => run.push_str(s),
                Expr::Concat(inner) => inner.iter().for_each(|p| walk(p, out, run)),
                _ => out.push(std::mem::take(run)),
            }
        }
    }
    let mut out = Vec::new();
    let mut run = String::new();
    walk(e, &mut out, &mut run);
    out.push(run);
    out.retain(|s| !s.is_empty());
    out
}

/// Checks every literal of `pipeline` that lands in a key GitLab expands without an escape.
pub(crate) fn check(pipeline: &Pipeline, diagnostics: &mut Diagnostics) {
    let root = || Path::pipeline(pipeline.id.as_str());
    refuse_dollar(diagnostics, || root().field("name"), "workflow:name", &pipeline.name);
    for job in &pipeline.jobs {
        let jpath = || root().job(job.id.as_str());
        for name in &job.runner.pool {
            refuse_dollar(diagnostics, || jpath().field("runner.pool"), "tags", name);
        }
        if let Some(image) = &job.runner.image {
            refuse_dollar(diagnostics, || jpath().field("runner.image"), "image", image);
        }
        for s in &job.services {
            refuse_dollar(
                diagnostics,
                || jpath().field(format!("services.{}", s.name)),
                "services:name",
                &s.image,
            );
        }
        if let Some(m) = &job.matrix {
            let listed = m.include.iter().chain(&m.exclude).flat_map(|e| e.iter());
            let axes = m.axes.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)));
            for (axis, v) in axes.chain(listed) {
                refuse_dollar(
                    diagnostics,
                    || jpath().field(format!("matrix.{axis}")),
                    "parallel:matrix",
                    v,
                );
            }
        }
        if let Some(e) = &job.environment {
            refuse_dollar(
                diagnostics,
                || jpath().field("environment"),
                "environment:name",
                e.name.as_str(),
            );
            if let Some(url) = &e.url {
                for run in literal_runs(url) {
                    refuse_dollar(
                        diagnostics,
                        || jpath().field("environment.url"),
                        "environment:url",
                        &run,
                    );
                }
            }
        }
        if let Some(c) = &job.concurrency {
            for run in literal_runs(&c.group) {
                refuse_dollar(
                    diagnostics,
                    || jpath().field("concurrency.group"),
                    "resource_group",
                    &run,
                );
            }
        }
        for (i, step) in job.steps.iter().enumerate() {
            let spath = || jpath().step(i, step.id_str()).field("paths");
            let lists = match &step.kind {
                StepKind::Upload(u) => vec![("artifacts:paths", &u.paths)],
                StepKind::Cache(c) => vec![("cache:paths", &c.paths), ("cache:key:files", &c.key_files)],
                _ => continue,
            };
            for (key, paths) in lists {
                for p in paths {
                    refuse_dollar(diagnostics, spath, key, p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::Builtin;

    #[test]
    fn literal_runs_join_pieces_around_references() {
        let e = Expr::Concat(vec![
            "a$".into(),
            Expr::Concat(vec!["B".into()]),
            Builtin::CommitSha.into(),
            "c".into(),
        ]);
        assert_eq!(literal_runs(&e), ["a$B", "c"]);
        assert_eq!(variable_value("$X and $$"), "$$X and $$$$");
        assert!(has_percent_reference("a %HOME% b"));
        assert!(has_percent_reference("%_x1%"));
        assert!(!has_percent_reference("100% sure, 50%"));
        assert!(!has_percent_reference("%1%"));
    }
}
