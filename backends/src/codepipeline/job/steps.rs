//! Steps -> buildspec commands: scripts (each its own bash process), the other step kinds,
//! caches, and the AWS roles a step assumes.

use std::collections::BTreeSet;

use pipeline_core::diagnostic::Path;
use pipeline_core::{Arch, AwsRole, CloudRole, Step, StepKind};

use super::artifacts::{artifact_name, stage_command};
use super::conditions::TestCtx;
use super::{FAILED_VAR, JOB_CONTAINER, JobLowering, RUN_JOB_VAR, SCRIPT_DIR};
use crate::codepipeline::buildspec::{self, YesNo};
use crate::codepipeline::expr::{self, Unsupported};
use crate::codepipeline::settings::CodeBuildStep;

impl<'l, 'a> JobLowering<'l, 'a> {
    /// Writes a script file and returns the heredoc lines and the command running it.
    fn script(&mut self, index: usize, body: &str, env: &[(String, String)], dir: Option<&str>) -> (String, String) {
        self.scripts += 1;
        let file = format!("{SCRIPT_DIR}/step-{}.sh", index + 1);
        let write = crate::shell::write_file(&file, body, "PIPELINE_SCRIPT");
        let bash = crate::shell::run_file(&file);
        let run = if self.container {
            let workdir = match dir {
                Some(d) => format!("\"$CODEBUILD_SRC_DIR\"/{}", expr::quote(d)),
                None => "\"$CODEBUILD_SRC_DIR\"".to_owned(),
            };
            let mut words = vec!["docker exec".to_owned(), format!("-w {workdir}")];
            let own: BTreeSet<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
            let mut passed: Vec<String> = self
                .names
                .iter()
                .filter(|n| !own.contains(n.as_str()))
                .cloned()
                .collect();
            passed.sort();
            words.extend(passed.iter().map(|n| format!("-e {n}")));
            words.extend(env.iter().map(|(n, v)| format!("-e {n}={v}")));
            words.push(JOB_CONTAINER.to_owned());
            words.push(bash);
            words.join(" ")
        } else {
            let prefix: String = env.iter().map(|(n, v)| format!("{n}={v} ")).collect();
            match dir {
                Some(d) => format!("(cd {} && {prefix}{bash})", expr::quote(d)),
                None => format!("{prefix}{bash}"),
            }
        };
        (write, run)
    }

    /// One step as one buildspec command (`None` when it needs none).
    pub(super) fn step(&mut self, index: usize, step: &'a Step, path: &Path) -> Option<String> {
        let env = self.step_env(index, &step.env, path);
        let dir = step.working_directory.as_deref().filter(|d| *d != ".");
        let label = format!("step {}", index + 1);
        let settings = step.extensions.get::<CodeBuildStep>();
        if let Some((feature, hint)) = settings.and_then(|s| s.unsupported.as_ref()) {
            let u = Unsupported {
                feature: feature.clone(),
                hint: hint.clone(),
            };
            self.unsupported(path.clone(), u);
            return None;
        }
        // A `CodeBuildStep` script replaces the step (a script's body, an action's fallback).
        let replaced;
        let kind = match settings.and_then(|s| s.script.as_ref()) {
            Some(body) => {
                replaced = StepKind::Script(body.clone());
                &replaced
            }
            None => &step.kind,
        };
        // (lines before the run line, the run line(s))
        let (pre, run): (Vec<String>, String) = match kind {
            StepKind::Script(body) if !step.state.is_empty() => {
                // The exports land in a bash file the build's shell sources after the step
                // (docs/SEMANTICS.md, section 17).
                if self.container && (step.state.path || !step.state.env.is_empty()) {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: "environment variables or PATH entries exported by a step of a job with services".into(),
                            hint: "steps of such a job run in the job container, which the build's shell cannot change; export outputs instead, or set the values in the job's env".into(),
                        },
                    );
                }
                let file = format!("{SCRIPT_DIR}/step-{}.state.sh", index + 1);
                let sink = crate::shell::StateSink::File {
                    file: &file,
                    step: step.id_str().unwrap_or_default(),
                };
                let wrapper = crate::shell::state_step(body, &step.state, &sink);
                let (write, run) = self.script(index, &wrapper, &env, dir);
                (vec![write], format!("{run} && . {file}"))
            }
            StepKind::Script(body) => {
                if step.shell == pipeline_core::Shell::Cmd {
                    self.unsupported(
                        path.clone().field("shell"),
                        Unsupported {
                            feature: format!("the cmd shell (step {})", index + 1),
                            hint: "CodeBuild runs the steps on Linux: use `Shell::Pwsh` or bash, or keep the step on GitHub's Windows runners with `Step::only_on(Platform::Github)`".into(),
                        },
                    );
                }
                // Another shell runs from a bash launcher (docs/SEMANTICS.md, section 26).
                let (write, run) = self.script(index, &step.shell.launcher(body), &env, dir);
                (vec![write], run)
            }
            StepKind::SetOutput(o) => {
                let command_file = format!("{SCRIPT_DIR}/step-{}.command.sh", index + 1);
                let body = crate::shell::print_encoded_output(o.name.as_str(), &o.command, &command_file);
                let (write, run) = self.script(index, &body, &env, dir);
                self.out.exported.push(o.name.to_string());
                if o.name.as_str().starts_with("AWS_") || self.names.contains(o.name.as_str()) {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: format!("output {:?} (an exported build variable)", o.name.as_str()),
                            hint: "CodeBuild cannot export variables starting with AWS_ or named like one of the job's environment variables; rename the output".into(),
                        },
                    );
                }
                (
                    vec![write],
                    format!("{name}=\"$({run})\" && export {name}", name = o.name),
                )
            }
            StepKind::Action(a) => match &a.fallback {
                Some(body) => {
                    let (write, run) = self.script(index, body, &env, dir);
                    (vec![write], run)
                }
                None => {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: format!("the action {} (without a fallback script)", a.action.name),
                            hint: "CodeBuild runs no GitHub actions; give the step a `.fallback(\"...\")` script that does the same".into(),
                        },
                    );
                    return None;
                }
            },
            StepKind::Checkout(c) if !c.is_workspace_root() => {
                self.unsupported(
                    path.clone(),
                    Unsupported {
                        feature: "a checkout of another repository, ref or directory".into(),
                        hint: "CodeBuild receives only the pipeline's source at the commit being built; keep the step off CodePipeline with `.only_on(..)`, or fetch the repository in a script step with a token from a secret".into(),
                    },
                );
                return None;
            }
            StepKind::Checkout(c) => {
                let mut lines = Vec::new();
                if c.fetch_depth.is_some() || c.submodules || c.lfs {
                    self.out.clone_ref = true;
                    self.spec_env().git_credential_helper = Some(YesNo::Yes);
                }
                if c.submodules {
                    lines.push("git submodule update --init --recursive".to_owned());
                }
                if c.lfs {
                    lines.push("git lfs pull".to_owned());
                }
                if lines.is_empty() {
                    return None;
                }
                (Vec::new(), lines.join(" && "))
            }
            StepKind::Upload(u) => {
                if self.job.matrix.is_some() {
                    self.unsupported(
                        path.clone(),
                        Unsupported {
                            feature: format!("artifact {:?} uploaded by a matrix job", u.artifact.as_str()),
                            hint: "CodePipeline artifact names are unique per pipeline, so each cell would need its own name; upload from a job without a matrix".into(),
                        },
                    );
                }
                let name = artifact_name(u.artifact.as_str());
                if !self.out.outputs.contains(&name) {
                    self.out.outputs.push(name.clone());
                }
                (Vec::new(), stage_command(&name, &u.paths))
            }
            StepKind::Download(d) => {
                let name = artifact_name(d.artifact.as_str());
                if !self.out.inputs.contains(&name) {
                    self.out.inputs.push(name.clone());
                }
                // Into the workspace: the artifact holds workspace-relative paths.
                (Vec::new(), format!("cp -R \"$CODEBUILD_SRC_DIR_{name}/.\" ."))
            }
            StepKind::Cache(c) => {
                self.cache(c, path);
                return None;
            }
            StepKind::AssumeRole(CloudRole::Aws(role)) => {
                let lines = self.assume_role(index, role, path)?;
                (Vec::new(), lines)
            }
        };
        let ctx = TestCtx {
            status_mode: self.status_mode,
        };
        let mut tests: Vec<String> = Vec::new();
        if self.guard.is_some() {
            tests.push(format!("[ \"${RUN_JOB_VAR}\" = true ]"));
        }
        match &step.condition {
            Some(c) if c.mentions_status() => match self.test(c, &ctx) {
                Ok(t) if t != "true" => tests.push(t),
                Ok(_) => {}
                Err(u) => self.unsupported(path.field("if"), u),
            },
            other => {
                if self.status_mode {
                    tests.push(format!("[ -z \"${{{FAILED_VAR}:-}}\" ]"));
                }
                if let Some(c) = other {
                    match self.test(c, &ctx) {
                        Ok(t) => tests.push(t),
                        Err(u) => self.unsupported(path.field("if"), u),
                    }
                }
            }
        }
        let run = if step.continue_on_error {
            format!(
                "{run} || echo {}",
                expr::quote(&format!("{label} failed; continuing (continue_on_error)"))
            )
        } else if self.status_mode {
            format!("{run} || {FAILED_VAR}={}", expr::quote(&label))
        } else {
            run
        };
        let mut lines: Vec<String> = Vec::new();
        if let Some(name) = &step.name {
            lines.push(format!("# {}", name.replace('\n', " ")));
        }
        let body: Vec<String> = pre.into_iter().chain([run]).collect();
        if tests.is_empty() {
            lines.extend(body);
        } else {
            lines.push(format!("if {}; then", tests.join(" && ")));
            lines.extend(body);
            lines.push("fi".to_owned());
        }
        Some(lines.join("\n"))
    }

    fn cache(&mut self, c: &pipeline_core::Cache, path: &Path) {
        let arch = match self.runner.arch {
            Arch::X64 => "x86_64",
            Arch::Arm64 => "aarch64",
        };
        if self.out.buildspec.cache.as_ref().is_some_and(|c| c.key.is_some()) {
            self.warn(
                "codepipeline-cache",
                path.clone(),
                format!(
                    "a CodeBuild build has one cache; job {:?} adds the paths of cache {:?} to the first cache's key",
                    self.job.id.as_str(),
                    c.key_prefix
                ),
                "use one cache step per job",
            );
        }
        let cache = self.out.buildspec.cache.get_or_insert_with(buildspec::Cache::default);
        if cache.key.is_none() {
            let prefix = format!("{}-{arch}-", c.key_prefix);
            let key = if c.key_files.is_empty() {
                format!("{prefix}$CODEBUILD_RESOLVED_SOURCE_VERSION")
            } else {
                let files: Vec<String> = c.key_files.iter().map(|f| expr::quote(f)).collect();
                format!("{prefix}$(codebuild-hash-files {})", files.join(" "))
            };
            cache.key = Some(key);
            cache.fallback_keys = vec![prefix];
        }
        for p in &c.paths {
            let p = p.trim_end_matches('/');
            let entry = if p.contains(['*', '?', '[']) {
                p.to_owned()
            } else {
                format!("{p}/**/*")
            };
            if !cache.paths.contains(&entry) {
                cache.paths.push(entry);
            }
        }
        self.out.cache = true;
    }

    fn assume_role(&mut self, index: usize, role: &AwsRole, path: &Path) -> Option<String> {
        let session = role.session_name.clone().unwrap_or_else(|| {
            let raw = format!("{}-{}", self.l.pipeline.id, self.job.id);
            raw.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .take(64)
                .collect()
        });
        let mut lines = Vec::new();
        for (n, arn) in std::iter::once(&role.role_arn).chain(&role.chain).enumerate() {
            let carrier = format!("STEP{}_ROLE_ARN_{}", index + 1, n + 1);
            let arn_path = if n == 0 {
                path.field("role_arn")
            } else {
                path.field(format!("chain[{}]", n - 1))
            };
            let word = self.shell_value(&carrier, arn, &arn_path)?;
            let duration = role
                .duration_seconds
                .map(|s| format!(" --duration-seconds {s}"))
                .unwrap_or_default();
            lines.push(format!(
                "creds=\"$(aws sts assume-role --role-arn {word} --role-session-name {}{duration} --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"",
                expr::quote(&session)
            ));
            lines.push("read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< \"$creds\"".to_owned());
        }
        let region = expr::quote(&role.region);
        lines.push(format!(
            "export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION={region} AWS_DEFAULT_REGION={region}"
        ));
        for n in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            self.names.insert(n.to_owned());
        }
        if self.report {
            let roles = 1 + role.chain.len();
            self.notice(
                "codepipeline-assume-role",
                path.clone(),
                format!(
                    "job {:?} assumes {roles} role{} with `aws sts assume-role` from the CodeBuild service role (no OIDC token on CodeBuild)",
                    self.job.id.as_str(),
                    if roles == 1 { "" } else { "s" }
                ),
                "let the first role trust the CodeBuild service role (CodeBuildRoleArn) for sts:AssumeRole, and give the build image the AWS CLI".to_owned(),
            );
        }
        Some(lines.join(" &&\n"))
    }
}
