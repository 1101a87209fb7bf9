//! The template's parameters: the ones every pipeline has (the connection, the repository,
//! the artifact bucket, the IAM roles), the pipeline variables of manual runs, and the setup
//! notices about them.

use pipeline_core::diagnostic::Diagnostic;
use pipeline_core::{InputKind, Trigger};

use crate::codepipeline::context::{Lowering, PLATFORM};
use crate::codepipeline::model::{Parameter, VariableDeclaration};

impl<'a> Lowering<'a> {
    pub(super) fn core_params(&mut self) {
        let s = self.settings.clone();
        let role_pattern = "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$";
        let default_name: String = self
            .pipeline
            .id
            .as_str()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let name = Parameter {
            default: Some(default_name),
            allowed_pattern: Some("^[A-Za-z0-9][A-Za-z0-9_-]*$".into()),
            max_length: Some(80),
            ..Parameter::string("Name of the pipeline; its CodeBuild projects are named <PipelineName>-<job>")
        };
        self.param("PipelineName", name, s.pipeline_name.clone(), String::new());
        let connection = Parameter {
            allowed_pattern: Some("^arn:aws[a-z-]*:(codestar-connections|codeconnections):.+$".into()),
            ..Parameter::string("ARN of the CodeConnections connection to the repository host")
        };
        self.param(
            "ConnectionArn",
            connection,
            s.connection_arn.clone(),
            "arn:aws:codeconnections:us-east-1:000000000000:connection/PLACEHOLDER".into(),
        );
        let repository = Parameter {
            allowed_pattern: Some("^[^/]+/.+$".into()),
            ..Parameter::string("The repository, as owner/name")
        };
        self.param(
            "FullRepositoryId",
            repository,
            s.full_repository_id.clone(),
            "PLACEHOLDER-owner/PLACEHOLDER-repository".into(),
        );
        let default_branch = self
            .pipeline
            .triggers
            .iter()
            .find_map(|t| match t {
                Trigger::Push(p) => p.branches.iter().find(|b| !b.contains(['*', '?', '[', '!'])).cloned(),
                _ => None,
            })
            .unwrap_or_else(|| "main".to_owned());
        let branch = Parameter {
            default: Some(default_branch),
            ..Parameter::string("Branch the source action fetches when no trigger filter chose one")
        };
        self.param("BranchName", branch, s.branch.clone(), String::new());
        let bucket = Parameter {
            allowed_pattern: Some("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$".into()),
            ..Parameter::string("S3 bucket for the pipeline's artifacts and the CodeBuild cache")
        };
        self.param(
            "ArtifactBucket",
            bucket,
            s.artifact_bucket.clone(),
            "placeholder-artifact-bucket".into(),
        );
        let role = |d: &str| Parameter {
            allowed_pattern: Some(role_pattern.into()),
            ..Parameter::string(d)
        };
        self.param(
            "PipelineRoleArn",
            role("Service role of CodePipeline"),
            s.pipeline_role_arn.clone(),
            "arn:aws:iam::000000000000:role/PLACEHOLDER-PipelineRoleArn".into(),
        );
        self.param(
            "CodeBuildRoleArn",
            role("Service role of the CodeBuild projects"),
            s.codebuild_role_arn.clone(),
            "arn:aws:iam::000000000000:role/PLACEHOLDER-CodeBuildRoleArn".into(),
        );
        if self.pipeline.triggers.iter().any(|t| matches!(t, Trigger::Schedule(_))) {
            self.param(
                "ScheduleRoleArn",
                role("Role EventBridge assumes to start the pipeline on its schedule"),
                s.schedule_role_arn.clone(),
                "arn:aws:iam::000000000000:role/PLACEHOLDER-ScheduleRoleArn".into(),
            );
        }
    }

    pub(super) fn variables(&mut self) -> Vec<VariableDeclaration> {
        let mut out = Vec::new();
        let pattern_ok = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "@-_".contains(c));
        let inputs: Vec<pipeline_core::Input> = self.pipeline.inputs().cloned().collect();
        for (t, trigger) in self.pipeline.triggers.iter().enumerate() {
            let Trigger::Manual(m) = trigger else { continue };
            for input in &m.inputs {
                let path = self.root().trigger(t).input(input.name.as_str());
                let default = input.default_string();
                let mut bad: Vec<String> = default.iter().filter(|d| !pattern_ok(d)).cloned().collect();
                if let InputKind::Choice { options, .. } = &input.kind {
                    bad.extend(options.iter().filter(|o| !pattern_ok(o)).cloned());
                }
                if !bad.is_empty() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "codepipeline-invalid-variable",
                            path.clone(),
                            format!(
                                "input {:?} has values CodePipeline variables cannot hold: {bad:?}",
                                input.name.as_str()
                            ),
                        )
                        .with_hint(
                            "pipeline variable values match [A-Za-z0-9@\\-_]+: use letters, digits, '@', '-' and '_'",
                        )
                        .on_platform(PLATFORM),
                    );
                }
                if let InputKind::String { .. } = input.kind {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "codepipeline-free-text-input",
                            path.clone(),
                            format!(
                                "input {:?} is free text: CodePipeline substitutes the value given at the start of an execution into the CodeBuild action's EnvironmentVariables (a JSON string) without escaping it reliably, so a value with `\"` or `\\` can break the action",
                                input.name.as_str()
                            ),
                        )
                        .with_hint(
                            "on CodePipeline, enter references (a ticket id) of letters, digits, '@', '-' and '_', as AWS documents for variable values, and keep free text in the ticket",
                        )
                        .on_platform(PLATFORM),
                    );
                }
                let mut description = input.description.replace(['\n', '\r'], " ");
                if let InputKind::Choice { options, .. } = &input.kind {
                    description = format!("{description} (one of: {})", options.join(", "));
                }
                if description.chars().count() > 200 {
                    description = description.chars().take(199).collect::<String>() + "…";
                }
                out.push(VariableDeclaration {
                    name: input.name.to_string(),
                    default_value: default,
                    description: (!description.trim().is_empty()).then_some(description),
                });
            }
        }
        if out.len() > 50 {
            self.limit(
                self.root(),
                format!("{} inputs; CodePipeline allows 50 variables", inputs.len()),
                "use fewer inputs",
            );
        }
        out
    }

    pub(super) fn setup_notices(&mut self) {
        let root = self.root();
        self.notice(
            "codepipeline-setup",
            root.clone(),
            "the CodeConnections connection (ConnectionArn) must be authorised once in the AWS console before the pipeline can fetch the repository".into(),
            "open Developer Tools > Settings > Connections, and complete the pending connection".into(),
        );
        if !self.missing.is_empty() {
            let missing = self.missing.join(", ");
            self.notice(
                "codepipeline-parameters",
                root,
                format!("template parameters without a value: {missing}; the deployment file and the create-pipeline input hold placeholders for them"),
                "set them with `CodePipelineSettings` on the pipeline (or supply them when deploying the stack)".into(),
            );
        }
    }
}
