//! A job's CodeBuild actions (one per matrix cell) and its CodeBuild project: action names,
//! input and output artifacts, the action's `EnvironmentVariables`.

use std::collections::{HashMap, HashSet};

use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::yaml::OrderedMap;
use pipeline_core::{Condition, Job, StepKind, yaml};

use super::{Cells, MAX_ARTIFACTS, MAX_CONFIG_VALUE, MAX_NAME, MIN_TIMEOUT, SOURCE};
use crate::codepipeline::buildspec::Buildspec;
use crate::codepipeline::context::{Lowering, PLATFORM};
use crate::codepipeline::expr;
use crate::codepipeline::job::{JobCell, JobLowering};
use crate::codepipeline::model::{
    self, ActionDeclaration, ActionTypeId, ArtifactRef, BuildArtifacts, BuildEnvironment, BuildEnvironmentVariable,
    BuildSource, CfnString, Project, ProjectCache, SubPart,
};

impl<'a> Lowering<'a> {
    /// Portable artifact names that become the same CodePipeline name.
    pub(super) fn check_artifact_names(&mut self) {
        let mut seen: HashMap<String, String> = HashMap::from([(SOURCE.to_owned(), SOURCE.to_owned())]);
        for job in &self.pipeline.jobs {
            for (i, step) in job.steps.iter().enumerate() {
                let StepKind::Upload(u) = &step.kind else { continue };
                let name = crate::codepipeline::job::artifact_name(u.artifact.as_str());
                if let Some(other) = seen.insert(name.clone(), u.artifact.to_string()) {
                    let path = self.root().job(job.id.as_str()).step(i, step.id_str());
                    self.unsupported(
                        path,
                        format!("artifact {:?} next to {other:?}: both are named {name:?} on CodePipeline", u.artifact.as_str()),
                        "rename one of them (CodePipeline artifact names here use '_' for '-', and Source is the checkout)".into(),
                    );
                }
            }
        }
    }

    /// Action names of the job's cells, with each cell's matrix values.
    pub(super) fn cells(&mut self, job: &Job, used: &mut HashSet<String>) -> Cells {
        let base = job.id.to_string();
        let Some(m) = &job.matrix else {
            used.insert(base.clone());
            return vec![(base, Vec::new())];
        };
        let mut out = Vec::new();
        for (n, cell) in m.cells().into_iter().enumerate() {
            let values: Vec<String> = cell
                .iter()
                .map(|(_, v)| {
                    v.chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                                c
                            } else {
                                '_'
                            }
                        })
                        .collect()
                })
                .collect();
            let mut name = format!("{base}-{}", values.join("-"));
            if name.len() > MAX_NAME || used.contains(&name) {
                name = format!("{base}-{}", n + 1);
            }
            used.insert(name.clone());
            out.push((
                name,
                cell.iter().map(|(a, v)| ((*a).to_owned(), (*v).to_owned())).collect(),
            ));
        }
        out
    }

    /// The job's CodeBuild actions (one per cell) and its project's logical id.
    pub(super) fn job_actions(
        &mut self,
        job: &'a Job,
        path: &Path,
        cells: &[(String, Vec<(String, String)>)],
        guard: &Option<Condition>,
        order: u32,
        logical_ids: &mut HashSet<String>,
    ) -> Vec<((String, String), JobCell, ActionDeclaration)> {
        // One CodeBuild project per runner of the job (a runner axis has several).
        let runners = job.runners();
        let mut projects: Vec<(String, (String, String))> = Vec::new();
        for runner in &runners {
            let key = runner.key();
            let suffix = if runners.len() > 1 {
                format!("-{key}")
            } else {
                String::new()
            };
            let mut project_id = format!("{}{}Project", expr::pascal(job.id.as_str()), expr::pascal(&suffix));
            while !logical_ids.insert(project_id.clone()) {
                project_id.push('X');
            }
            projects.push((key, (project_id, suffix)));
        }
        self.refuse_runners(job, path);
        let per_order = job
            .matrix
            .as_ref()
            .and_then(|m| m.max_parallel)
            .map(|n| n.max(1) as usize)
            .unwrap_or(usize::MAX);
        if job.matrix.as_ref().and_then(|m| m.fail_fast) == Some(true) {
            self.warning(
                "codepipeline-fail-fast",
                path.field("matrix"),
                format!(
                    "CodePipeline lets running actions finish when one fails; the cells of job {:?} are not cancelled",
                    job.id.as_str()
                ),
                "drop `fail_fast(true)`",
            );
        }
        let mut out = Vec::new();
        for (n, (name, cell)) in cells.iter().enumerate() {
            let key = job
                .runner_for(&cell.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>())
                .key();
            let project = projects
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, p)| p.clone())
                .unwrap_or_else(|| projects[0].1.clone());
            let lowered = JobLowering::new(self, job, path.clone(), cell.clone(), n == 0, guard.clone()).lower();
            let mut inputs = Vec::with_capacity(1 + lowered.inputs.len());
            inputs.push(ArtifactRef { name: SOURCE.into() });
            inputs.extend(lowered.inputs.iter().map(|i| ArtifactRef { name: i.clone().into() }));
            // ProjectName, and PrimarySource and EnvironmentVariables when they apply.
            let mut configuration = OrderedMap::with_capacity(
                1 + usize::from(inputs.len() > 1) + usize::from(!lowered.action_env.is_empty()),
            );
            configuration.insert(
                "ProjectName".into(),
                CfnString::sub([
                    CfnString::reference("PipelineName"),
                    CfnString::text(format!("-{}{}", job.id, project.1)),
                ]),
            );
            if inputs.len() > 1 {
                configuration.insert("PrimarySource".into(), CfnString::lit(SOURCE));
            }
            if !lowered.action_env.is_empty() {
                if let Some(v) = self.environment_variables(&lowered.action_env, path) {
                    configuration.insert("EnvironmentVariables".into(), v);
                }
            }
            if n == 0 {
                if inputs.len() > MAX_ARTIFACTS {
                    self.limit(
                        path.clone(),
                        format!(
                            "job {:?} downloads {} artifacts besides the source; a CodeBuild action takes {} inputs",
                            job.id.as_str(),
                            inputs.len() - 1,
                            MAX_ARTIFACTS
                        ),
                        "combine artifacts",
                    );
                }
                if lowered.outputs.len() > MAX_ARTIFACTS {
                    self.limit(
                        path.clone(),
                        format!(
                            "job {:?} uploads {} artifacts; a CodeBuild action has at most {MAX_ARTIFACTS} outputs",
                            job.id.as_str(),
                            lowered.outputs.len()
                        ),
                        "combine artifacts",
                    );
                }
            }
            let run_order = order + u32::try_from(n / per_order).unwrap_or(u32::MAX - 1);
            let action = ActionDeclaration {
                name: name.clone(),
                action_type_id: ActionTypeId {
                    category: "Build",
                    owner: "AWS",
                    provider: "CodeBuild",
                    version: "1",
                },
                run_order,
                configuration,
                input_artifacts: inputs,
                output_artifacts: lowered
                    .outputs
                    .iter()
                    .map(|o| ArtifactRef { name: o.clone().into() })
                    .collect(),
                namespace: if job.outputs().next().is_some() {
                    Some(if n == 0 {
                        self.namespaces
                            .get(job.id.as_str())
                            .cloned()
                            .unwrap_or_else(|| name.clone())
                    } else {
                        name.clone()
                    })
                } else {
                    None
                },
            };
            out.push((project, lowered, action));
        }
        out
    }

    /// The action's `EnvironmentVariables`: a JSON array in a string (an `Fn::Sub` when it holds
    /// template parameters).
    fn environment_variables(&mut self, vars: &[(String, Vec<SubPart>)], path: &Path) -> Option<CfnString> {
        const OPEN: char = '\u{e000}';
        const CLOSE: char = '\u{e001}';
        let mut items = Vec::new();
        for (name, parts) in vars {
            let value: String = parts
                .iter()
                .map(|p| match p {
                    SubPart::Text(t) => t.clone(),
                    SubPart::Ref(r) => format!("{OPEN}{r}{CLOSE}"),
                })
                .collect();
            let mut item = yaml::Map::new();
            item.insert("name", name.as_str());
            item.insert("value", value);
            item.insert("type", "PLAINTEXT");
            items.push(yaml::Value::Map(item));
        }
        let json = match yaml::to_json_compact(&yaml::Value::Seq(items)) {
            Ok(j) => j,
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error("emit", path.clone(), format!("cannot emit EnvironmentVariables: {e}"))
                        .on_platform(PLATFORM),
                );
                return None;
            }
        };
        let mut parts = Vec::new();
        let mut rest = json.as_str();
        while let Some(start) = rest.find(OPEN) {
            parts.push(SubPart::Text(rest[..start].to_owned()));
            let after = &rest[start + OPEN.len_utf8()..];
            let end = after.find(CLOSE).unwrap_or(after.len());
            parts.push(SubPart::Ref(after[..end].to_owned().into()));
            rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
        }
        parts.push(SubPart::Text(rest.to_owned()));
        let value = CfnString::sub(parts);
        let resolved_len = value.resolve(&self.values).map(|s| s.len()).unwrap_or(0);
        if resolved_len > MAX_CONFIG_VALUE {
            self.limit(
                path.clone(),
                format!(
                    "the CodeBuild action's EnvironmentVariables of job at {path} take {resolved_len} characters; CodePipeline allows {MAX_CONFIG_VALUE}"
                ),
                "move values known before the run into literals or configuration variables, or shorten names",
            );
        }
        Some(value)
    }

    pub(super) fn project(
        &mut self,
        job: &Job,
        path: &Path,
        cell: &JobCell,
        suffix: &str,
        report_group: Option<&str>,
    ) -> Project {
        let timeout = self.pipeline.timeout_of(job);
        if timeout < MIN_TIMEOUT {
            self.warning(
                "codepipeline-timeout",
                path.field("timeout_minutes"),
                format!(
                    "CodeBuild's shortest timeout is {MIN_TIMEOUT} minutes; job {:?} asks for {timeout}",
                    job.id.as_str()
                ),
                "use a timeout of at least 5 minutes, or accept the difference with `.acknowledge(Divergence::MinimumTimeout)` on the pipeline",
            );
        }
        // Emitted into the lowering's buffer (grown once for the whole pipeline), kept at its size.
        self.text.clear();
        let build_spec = match yaml::append_yaml(&mut self.text, &cell.buildspec) {
            Ok(()) => self.text.as_str().to_owned(),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error("emit", path.clone(), format!("cannot emit the buildspec: {e}"))
                        .on_platform(PLATFORM),
                );
                String::new()
            }
        };
        let problems = Buildspec::check(&cell.buildspec);
        if !problems.is_empty() && !self.diagnostics.has_errors() {
            self.diagnostics.push(
                Diagnostic::error(
                    "emit",
                    path.clone(),
                    format!(
                        "the buildspec of job {:?} is not valid: {}",
                        job.id.as_str(),
                        problems.join("; ")
                    ),
                )
                .on_platform(PLATFORM),
            );
        }
        Project {
            name: CfnString::sub([
                CfnString::reference("PipelineName"),
                CfnString::text(format!("-{}{suffix}", job.id)),
            ]),
            description: format!(
                "{} of pipeline {}",
                job.name.clone().unwrap_or_else(|| format!("Job {}", job.id)),
                self.pipeline.name.replace('\n', " ")
            ),
            service_role: CfnString::Ref("CodeBuildRoleArn".into()),
            environment: BuildEnvironment {
                kind: cell.environment_type.unwrap_or(model::EnvironmentType::LinuxContainer),
                compute_type: cell.compute_type.unwrap_or(model::ComputeType::Small),
                image: cell.image.clone(),
                privileged_mode: cell.privileged,
                environment_variables: cell
                    .project_env
                    .iter()
                    .map(|(n, v)| BuildEnvironmentVariable {
                        name: n.clone(),
                        kind: "PLAINTEXT",
                        value: v.clone(),
                    })
                    .collect(),
            },
            source: BuildSource {
                kind: "CODEPIPELINE",
                build_spec: crate::codepipeline::reports::build_spec(
                    build_spec,
                    report_group.filter(|_| !cell.buildspec.reports.is_empty()),
                ),
            },
            artifacts: BuildArtifacts { kind: "CODEPIPELINE" },
            cache: cell.cache.then(|| ProjectCache {
                kind: "S3",
                location: CfnString::sub([
                    CfnString::reference("ArtifactBucket"),
                    CfnString::text("/codebuild-cache/"),
                    CfnString::reference("PipelineName"),
                ]),
            }),
            timeout_in_minutes: timeout.max(MIN_TIMEOUT),
        }
    }
}
