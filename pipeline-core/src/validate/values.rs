//! Values: environment variables, references in values (secrets, inputs, matrix axes, outputs)
//! and where they may be used, scripts, paths, images, conditions.

use super::{At, Place, RESERVED_ENV_PREFIXES, Validator, check_ref_name, names};
use crate::diagnostic::did_you_mean;
use crate::env::Env;
use crate::expr::Expr;
use crate::id::rules;
use crate::job::Job;
use crate::token::Permission;

impl Validator<'_> {
    /// Artifact and cache paths must stay inside the workspace: GitLab only archives files of the
    /// project directory, and a relative path means the same on every runner.
    pub(super) fn workspace_paths(&mut self, paths: &[String], path: At<'_>, what: &str) {
        for p in paths {
            let outside =
                p.starts_with('/') || p.starts_with('~') || p.starts_with('$') || p.split('/').any(|c| c == "..");
            if outside || p.trim().is_empty() {
                self.error(
                    "path-outside-workspace",
                    path(),
                    format!("{what} path {p:?} is not a relative path inside the workspace"),
                    Some("use a path relative to the checkout (for tool caches, point the tool's home into the workspace, e.g. CARGO_HOME=.cargo)".into()),
                );
            }
        }
    }

    /// A container image reference: `[registry/]repository[:tag][@sha256:digest]`.
    pub(super) fn image(&mut self, image: &str, path: At<'_>) {
        if let Err(problem) = crate::image::parse(image) {
            self.error(
                "invalid-image",
                path(),
                format!("image {image:?} is not a valid image reference: {problem}"),
                Some("write `[registry/]repository[:tag]`, optionally pinned with `@sha256:<digest>` (`pipeline_core::image::pinned`)".into()),
            );
        }
    }

    /// Scripts are plain text: values must come through `env`, never be spliced in.
    pub(super) fn script(&mut self, body: &str, path: At<'_>) {
        if body.trim().is_empty() {
            self.error("empty-script", path(), "script is empty", None);
            return;
        }
        let spliced = body.contains("${{") || body.contains("$[[");
        if spliced && body.contains("secrets.") {
            self.error(
                "inline-secret",
                path(),
                "a secret is placed inline in a script, where it can leak into logs and process lists",
                Some("reference it in the step's env, `.env(\"TOKEN\", Expr::secret(\"TOKEN\"))`, and use \"$TOKEN\" in the script".into()),
            );
        } else if spliced {
            self.error(
                "inline-expression",
                path(),
                "a platform expression is spliced into a script, which allows script injection and only works on one platform",
                Some("pass the value through env with an `Expr` (e.g. `.env(\"REF\", Builtin::RefName)`) and read \"$REF\" in the script".into()),
            );
        }
    }

    pub(super) fn env(&mut self, env: &Env, path: At<'_>, place: Place, job: Option<(&Job, &[&str])>) {
        for (name, value) in env {
            let vpath = || path().field(name.as_str());
            if !rules::is_var_name(name.as_str()) {
                self.error(
                    "invalid-env-name",
                    vpath(),
                    format!("environment variable name {:?} is not valid", name.as_str()),
                    Some("use letters, digits and '_' (not starting with a digit)".into()),
                );
            } else if let Some(prefix) = RESERVED_ENV_PREFIXES
                .iter()
                .find(|p| name.as_str().to_ascii_uppercase().starts_with(*p))
            {
                self.error(
                    "reserved-env-name",
                    vpath(),
                    format!(
                        "environment variable {:?} uses the prefix {prefix:?} a platform reserves",
                        name.as_str()
                    ),
                    Some("choose another name".into()),
                );
            }
            self.expr(value, &vpath, place, job);
        }
    }

    pub(super) fn expr(&mut self, value: &Expr, path: At<'_>, place: Place, job: Option<(&Job, &[&str])>) {
        for secret in value.secrets() {
            self.secret_name(secret.as_str(), &|| path());
            if !place.allows_secrets() {
                let hint = if place == Place::PipelineEnv {
                    "secrets belong in the env of the job or step that needs them (least privilege)"
                } else {
                    "secrets may only be placed in env and action inputs"
                };
                self.error(
                    "misplaced-secret",
                    path(),
                    format!("secret {:?} cannot be used here", secret.as_str()),
                    Some(hint.into()),
                );
            }
        }
        for token in value.tokens() {
            if !matches!(place, Place::JobEnv | Place::StepEnv | Place::ActionInput) {
                self.error(
                    "misplaced-token",
                    path(),
                    "the platform token cannot be used here",
                    Some("the token is a secret: give it to the step that needs it, `.env(\"GH_TOKEN\", PlatformToken::new()...)`, or to an action input".into()),
                );
            }
            if token.access(Permission::IdToken).is_some() {
                self.error(
                    "token-id-token-scope",
                    path(),
                    "`id-token` is not a scope of the platform token: it lets a job request OIDC tokens",
                    Some("use `Step::assume_aws_role(..)` (which grants it), or grant it with the GitHub job settings `GithubJob::permission`".into()),
                );
            }
        }
        for input in value.inputs() {
            self.input_exists(input.as_str(), &path);
        }
        for var in value.vars() {
            if !rules::is_var_name(var.as_str()) {
                self.error(
                    "invalid-var-name",
                    path(),
                    format!("configuration variable name {:?} is not valid", var.as_str()),
                    Some("use letters, digits and '_'".into()),
                );
            }
        }
        match job {
            Some((_, axes)) => {
                for axis in value.matrix_axes() {
                    if !axes.contains(&axis) {
                        let hint = did_you_mean(axis, axes.iter().copied())
                            .map(|s| format!("did you mean {s:?}?"))
                            .unwrap_or_else(|| match axes {
                                [] => {
                                    format!("the job has no matrix: add `.matrix(Matrix::new().axis({axis:?}, [..]))`")
                                }
                                _ => format!(
                                    "the job's matrix axes are {}",
                                    axes.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(", ")
                                ),
                            });
                        self.error(
                            "unknown-matrix-axis",
                            path(),
                            format!("matrix axis {axis:?} is not defined on this job"),
                            Some(hint),
                        );
                    }
                }
            }
            None => {
                if value.matrix_axes().next().is_some() {
                    self.error(
                        "misplaced-matrix",
                        path(),
                        "matrix values exist only inside a job",
                        None,
                    );
                }
            }
        }
        if !matches!(place, Place::StepEnv | Place::ActionInput) && value.step_outputs().next().is_some() {
            self.error(
                "misplaced-step-output",
                path(),
                "step outputs can only be used in the env or action inputs of a later step of the same job",
                Some("read the output in the step that needs it: `.env(\"NAME\", step.output(\"...\"))`".into()),
            );
        }
        if (!place.allows_job_context() || place == Place::Concurrency) && value.outputs().next().is_some() {
            self.error(
                "misplaced-output",
                path(),
                "job outputs can only be used inside a job's env, action inputs or environment URL",
                None,
            );
        }
    }

    pub(super) fn secret_name(&mut self, name: &str, path: At<'_>) {
        if !rules::is_var_name(name) {
            self.error(
                "invalid-secret-name",
                path(),
                format!("secret name {name:?} is not valid"),
                Some("use letters, digits and '_' (not starting with a digit)".into()),
            );
        }
        names::check_reserved(&mut self.out, path, "secret", name);
    }

    pub(super) fn input_exists(&mut self, name: &str, path: At<'_>) {
        if !self.p.inputs().any(|i| i.name == name) {
            let names: Vec<&str> = self.p.inputs().map(|i| i.name.as_str()).collect();
            let hint = did_you_mean(name, names.iter().copied())
                .map(|s| format!("did you mean {s:?}?"))
                .unwrap_or_else(|| {
                    "declare it on the manual trigger: `Trigger::manual().input(Input::string(..))`".into()
                });
            self.error(
                "unknown-input",
                path(),
                format!("input {name:?} is not declared"),
                Some(hint),
            );
        }
    }

    /// The jobs a condition reads the result of: jobs this job needs, on a job (`needs`), never on
    /// a step (`None`).
    pub(super) fn condition_needs(
        &mut self,
        c: &crate::condition::Condition,
        path: At<'_>,
        needs: Option<&[crate::id::JobId]>,
    ) {
        let mut named = Vec::new();
        c.visit(&mut |c| {
            if let crate::condition::Condition::Need(job, _) = c {
                named.push(job.clone());
            }
        });
        for job in named {
            match needs {
                None => self.error(
                    "need-in-step-condition",
                    path(),
                    format!("a step condition reads the result of job {:?}", job.as_str()),
                    Some("put the test on a job that needs it: a step only sees the earlier steps of its job (`Condition::failure()`)".into()),
                ),
                Some(needs) if !needs.contains(&job) => self.error(
                    "undeclared-need",
                    path(),
                    format!("the condition reads the result of job {:?}, which the job does not need", job.as_str()),
                    Some(format!("add `.needs({:?})`: a job sees the results of the jobs it needs only", job.as_str())),
                ),
                Some(_) => {}
            }
        }
    }

    /// The inputs, text values and matrix axes of a condition; `axes`: those of the job when the
    /// condition is a step's (`None` on a job: no platform knows the cell when it decides whether
    /// a job runs).
    pub(super) fn condition_inputs(&mut self, c: &crate::condition::Condition, path: At<'_>, axes: Option<&[&str]>) {
        for input in c.inputs() {
            self.input_exists(input.as_str(), &path);
        }
        for t in c.text_tests() {
            if let Some(problem) = t.problem() {
                self.error(
                    "invalid-condition-value",
                    path(),
                    problem,
                    Some("compare with a non-empty, single-line, printable ASCII string: every platform then ignores ASCII case the same way".into()),
                );
            }
        }
        for axis in c.matrix_axes() {
            match axes {
                None => self.error(
                    "matrix-in-job-condition",
                    path(),
                    format!("a job condition reads matrix value {axis:?}"),
                    Some("put the test on the steps (`Step::when`): GitHub and GitLab decide whether a job runs before they expand its matrix".into()),
                ),
                Some(axes) if !axes.contains(&axis) => self.error(
                    "unknown-matrix-axis",
                    path(),
                    format!("the condition reads matrix value {axis:?}, which the job's matrix does not have"),
                    Some(if axes.is_empty() {
                        "give the job a matrix with that axis, or drop the test".into()
                    } else {
                        format!("its axes: {}", axes.join(", "))
                    }),
                ),
                Some(_) => {}
            }
        }
        let mut problems = Vec::new();
        c.visit(&mut |c| {
            if let crate::condition::Condition::Branch(b) = c {
                if b.contains(['\'', '"']) {
                    problems.push(format!("branch name {b:?} in a condition contains quotes"));
                } else if let Err(problem) = check_ref_name(b, false) {
                    problems.push(format!(
                        "branch name {b:?} in a condition is not a valid branch name: {problem}"
                    ));
                }
            }
        });
        for problem in problems {
            self.error(
                "invalid-branch",
                path(),
                problem,
                Some("name one branch exactly, as `git check-ref-format --branch` accepts it (no globs, quotes, spaces or platform expressions)".into()),
            );
        }
    }
}

/// `owner/repo` or `owner/repo/path`: GitHub's owner and repository characters, path segments
/// without `..`.
pub(super) fn is_action_name(s: &str) -> bool {
    let segments: Vec<&str> = s.split('/').collect();
    segments.len() >= 2
        && segments.iter().all(|seg| {
            !seg.is_empty()
                && *seg != "."
                && *seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

pub(super) fn is_role_arn(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("arn:") else {
        return false;
    };
    let mut parts = rest.splitn(5, ':');
    let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty())
}
