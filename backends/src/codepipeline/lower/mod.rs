//! Portable pipeline -> CloudFormation template (pipeline, CodeBuild projects, schedules).
//!
//! - Stages: a `Source` stage, then one stage per layer of the `needs` graph; an approval runs
//!   before its deploy job in the same stage (`RunOrder` 1, the job 2), matrix cells limited by
//!   `max_parallel` take consecutive run orders.
//! - Jobs: one CodeBuild project per job, one action per matrix cell, a namespace on actions
//!   whose job has outputs.
//! - Conditions: a job's condition, and those of the jobs it needs (a skipped job skips its
//!   dependents), become a shell guard in its buildspec; a job that runs when a deploy job
//!   failed becomes the deploy stage's automatic rollback.
//!
//! The steps live in modules named after them: `stages`, `actions`, `parameters`,
//! `triggers`.

mod actions;
mod parameters;
mod stages;
mod triggers;

use std::collections::{BTreeMap, HashSet};

use indexmap::IndexMap;
use pipeline_core::Condition;
use pipeline_core::graph::NeedsGraph;

use super::context::Lowering;
use super::expr;
use super::gitsync::ParameterValue;
use super::model::{
    self, ArtifactStore, CfnString, FailureConditions, RetryConfiguration, StageDeclaration, StageResult, Template,
};

/// The source action and its output artifact.
pub(crate) const SOURCE: &str = "Source";
/// The namespace of the source action's variables.
const SOURCE_NAMESPACE: &str = "SourceVariables";
/// API limits (botocore's codepipeline model and the service quotas).
const MAX_NAME: usize = 100;
const MAX_ACTIONS_PER_STAGE: usize = 50;
const MAX_STAGES: usize = 50;
const MAX_CONFIG_VALUE: usize = 1000;
const MAX_FILTERS: usize = 3;
const MAX_PATTERNS: usize = 8;
const MAX_ARTIFACTS: usize = 5;
/// CodeBuild's shortest timeout.
const MIN_TIMEOUT: u32 = 5;

/// The lowered pipeline.
#[derive(Debug)]
pub struct Lowered {
    /// The CloudFormation template; its `Pipeline` resource is the pipeline
    /// ([`Lowered::pipeline`]).
    pub template: Template,
    /// The value of every template parameter: its known value, or a placeholder.
    pub values: BTreeMap<String, String>,
    /// The parameters of the deployment file: those with values from [`CodePipelineSettings`](super::CodePipelineSettings),
    /// and placeholders for those without a value or default.
    pub deployment: IndexMap<String, ParameterValue>,
    /// Stack tags.
    pub tags: IndexMap<String, String>,
}

impl Lowered {
    /// The template's pipeline resource (what the `create-pipeline` input describes too);
    /// `None` when the template was edited to hold none.
    ///
    /// ```
    /// use pipeline_backends::CodePipeline;
    /// use pipeline_core::diagnostic::Diagnostics;
    /// use pipeline_core::prelude::*;
    ///
    /// let ci = Pipeline::new("ci")
    ///     .on(Trigger::push().branches(["main"]))
    ///     .job(Job::new("test").step(Step::script("cargo test")));
    /// # pipeline_core::validate::assert_valid(&ci);
    /// let lowered = CodePipeline::new().lower(&ci, &mut Diagnostics::new()).expect("lowers");
    /// let stages: Vec<&str> = lowered.pipeline().expect("a pipeline").stages.iter().map(|s| s.name.as_str()).collect();
    /// assert_eq!(stages, ["Source", "test"]);
    /// ```
    pub fn pipeline(&self) -> Option<&model::Pipeline> {
        match &self.template.resources.0.get(PIPELINE)?.properties {
            model::Properties::Pipeline(p) => Some(p),
            _ => None,
        }
    }
}

/// The logical id of the pipeline resource.
const PIPELINE: &str = "Pipeline";

/// The actions of a job: one name per matrix cell, with the cell's axis values.
type Cells = Vec<(String, Vec<(String, String)>)>;

/// What a job becomes.
enum Role {
    /// Actions in a stage.
    Actions,
    /// The automatic rollback of the stages of these deploy jobs.
    Rollback(Vec<usize>),
}

impl<'a> Lowering<'a> {
    pub(crate) fn lower(mut self) -> Option<Lowered> {
        let p = self.pipeline;
        super::escape::check(p, self.diagnostics);
        super::pull_requests::check(p, self.diagnostics);
        let root = self.root();
        let graph = NeedsGraph::new(p);
        let layers = match graph.layers() {
            Ok(l) => l,
            Err(cycle) => {
                let ids: Vec<&str> = cycle.iter().map(|j| j.as_str()).collect();
                self.unsupported(
                    root,
                    format!("jobs that need each other ({})", ids.join(" -> ")),
                    "remove the cycle".into(),
                );
                return None;
            }
        };
        self.core_params();
        self.check_artifact_names();

        // What each job becomes, and the condition that guards it.
        let roles: Vec<Role> = (0..p.jobs.len()).map(|i| self.role(&graph, i)).collect();
        let mut guards: Vec<Option<Condition>> = vec![None; p.jobs.len()];
        for layer in &layers {
            for &i in layer {
                guards[i] = self.guard(&graph, &roles, &guards, i);
            }
        }

        // Action names and namespaces.
        let mut action_names: Vec<Cells> = Vec::new();
        let mut used = HashSet::from([SOURCE.to_owned()]);
        for job in &p.jobs {
            if !job.changed_paths.is_empty() {
                self.unsupported(
                    self.root().job(job.id.as_str()).field("when_changed"),
                    format!(
                        "a path filter on job {:?}: its actions run on every execution, and a build sees no base to compare with",
                        job.id.as_str()
                    ),
                    "filter the whole pipeline on the trigger (`Trigger::push().paths([..])`, CodePipeline's FilePaths), or keep the job off CodePipeline with `.only_on(..)`".to_owned(),
                );
            }
            let cells = self.cells(job, &mut used);
            if job.outputs().next().is_some() {
                if let Some((first, _)) = cells.first() {
                    let mut ns = first.clone();
                    while [SOURCE_NAMESPACE, "codepipeline", "variables"].contains(&ns.as_str()) {
                        ns.push_str("-job");
                    }
                    self.namespaces.insert(job.id.to_string(), ns);
                }
            }
            action_names.push(cells);
        }

        self.stage_layering(&graph, &layers, &roles);

        // Stages.
        let mut resources: IndexMap<String, model::Resource> = IndexMap::new();
        let mut stages = vec![self.source_stage()];
        let mut stage_names: HashSet<String> = stages.iter().map(|s| s.name.clone()).collect();
        let mut stage_of_job: Vec<Option<usize>> = vec![None; p.jobs.len()];
        let mut clone_ref = self.settings.full_clone;
        let mut logical_ids = HashSet::new();
        let mut report_jobs: Vec<&str> = Vec::new();
        for layer in &layers {
            let jobs: Vec<usize> = layer
                .iter()
                .copied()
                .filter(|i| matches!(roles[*i], Role::Actions))
                .collect();
            if jobs.is_empty() {
                continue;
            }
            // An action per job at least (a matrix or an approval adds more).
            let mut actions = Vec::with_capacity(jobs.len());
            let mut retry = false;
            let mut retry_mixed = false;
            for &i in &jobs {
                let job = &p.jobs[i];
                stage_of_job[i] = Some(stages.len());
                let mut order = 1;
                if let Some(approval) = job
                    .environment
                    .as_ref()
                    .and_then(|e| e.approval.as_ref().map(|a| (e, a)))
                {
                    actions.push(self.approval(job, approval.0, approval.1));
                    order = 2;
                }
                if job.retry > 0 {
                    retry = true;
                    if job.retry > 1 {
                        self.warning(
                            "codepipeline-retry",
                            root.job(job.id.as_str()).field("retry"),
                            format!(
                                "CodePipeline retries a failed stage once; job {:?} asks for {} retries",
                                job.id.as_str(),
                                job.retry
                            ),
                            "make the flaky step retry itself, or accept the difference with `.acknowledge(Divergence::Retry)` on the pipeline",
                        );
                    }
                } else {
                    retry_mixed = true;
                }
                // The job's diagnostic path, built once for its actions, cells and project.
                let path = root.job(job.id.as_str());
                let cells = self.job_actions(job, &path, &action_names[i], &guards[i], order, &mut logical_ids);
                // One report group per job, shared by its cells' projects.
                let group = (!job.test_reports.is_empty()).then(|| {
                    let mut id = format!("{}TestReports", expr::pascal(job.id.as_str()));
                    while !logical_ids.insert(id.clone()) {
                        id.push('X');
                    }
                    id
                });
                let mut built = HashSet::new();
                for ((project_id, suffix), cell, action) in cells {
                    clone_ref |= cell.clone_ref;
                    actions.push(action);
                    if built.insert(project_id.clone()) {
                        let project = self.project(job, &path, &cell, &suffix, group.as_deref());
                        resources.insert(project_id, project.into());
                    }
                }
                if let Some(id) = group {
                    resources.insert(id, super::reports::group(job).into());
                    report_jobs.push(job.id.as_str());
                }
            }
            let name = self.stage_name(&jobs, &stages, &mut stage_names);
            let on_failure = if retry {
                if retry_mixed {
                    self.warning(
                        "codepipeline-retry",
                        root.field(format!("stage {name}")),
                        format!(
                            "stage {name:?} retries its failed actions once, including those of jobs without retry"
                        ),
                        "give jobs that need retries a layer of their own, or accept the difference with `.acknowledge(Divergence::Retry)` on the pipeline",
                    );
                }
                Some(FailureConditions {
                    result: StageResult::Retry,
                    retry_configuration: Some(RetryConfiguration {
                        retry_mode: "FAILED_ACTIONS",
                    }),
                })
            } else {
                None
            };
            if actions.len() > MAX_ACTIONS_PER_STAGE {
                self.limit(
                    root.clone(),
                    format!(
                        "stage {name:?} has {} actions; CodePipeline allows {MAX_ACTIONS_PER_STAGE}",
                        actions.len()
                    ),
                    "split large matrices",
                );
            }
            stages.push(StageDeclaration {
                name,
                actions,
                on_failure,
            });
        }
        // Rollbacks.
        for (i, role) in roles.iter().enumerate() {
            if let Role::Rollback(deploys) = role {
                let job = &p.jobs[i];
                let mut stage_names = Vec::new();
                for d in deploys {
                    if let Some(s) = stage_of_job.get(*d).copied().flatten() {
                        stages[s].on_failure = Some(FailureConditions {
                            result: StageResult::Rollback,
                            retry_configuration: None,
                        });
                        stage_names.push(stages[s].name.clone());
                    }
                }
                self.notice(
                    "codepipeline-rollback",
                    root.job(job.id.as_str()),
                    format!(
                        "job {:?} runs when a deploy fails; on CodePipeline the failed stage {} rolls back automatically instead (it redeploys the artifacts of the last successful execution), and the job's steps do not run",
                        job.id.as_str(),
                        stage_names.join(", ")
                    ),
                    "make sure redeploying the previous artifacts restores the previous version".into(),
                );
            }
        }
        if stages.len() > MAX_STAGES {
            self.limit(
                root.clone(),
                format!(
                    "the pipeline has {} stages; CodePipeline allows {MAX_STAGES}",
                    stages.len()
                ),
                "flatten the needs graph",
            );
        }
        if stages.len() < 2 {
            self.unsupported(root.clone(), "a pipeline without jobs".into(), "add a job".into());
        }
        if clone_ref {
            if let Some(a) = stages.first_mut().and_then(|s| s.actions.first_mut()) {
                a.configuration
                    .insert("OutputArtifactFormat".into(), CfnString::lit("CODEBUILD_CLONE_REF"));
            }
            self.notice(
                "codepipeline-clone",
                root.clone(),
                "a checkout asks for Git history, submodules or LFS, so every CodeBuild action clones the repository (OutputArtifactFormat CODEBUILD_CLONE_REF)".into(),
                "allow the CodeBuild role codestar-connections:UseConnection (and codeconnections:UseConnection) on the connection".into(),
            );
        }

        if !report_jobs.is_empty() {
            let groups: Vec<String> = report_jobs
                .iter()
                .map(|j| format!("<PipelineName>-{j}-tests"))
                .collect();
            self.notice(
                "codepipeline-test-report-permissions",
                root.clone(),
                format!(
                    "CodeBuild writes the test reports into the stack's report groups {} with the CodeBuild service role (CodeBuildRoleArn)",
                    groups.join(", ")
                ),
                format!(
                    "allow the role {} on arn:aws:codebuild:<region>:<account>:report-group/<PipelineName>-* (`AwsAccess` generates this)",
                    super::reports::REPORT_ACTIONS.join(", ")
                ),
            );
        }
        let variables = self.variables();
        let triggers = self.triggers();
        let execution_mode = self.execution_mode();
        let tags: Vec<model::Tag> = self
            .settings
            .tags
            .iter()
            .map(|(k, v)| model::Tag {
                key: k.clone(),
                value: v.clone(),
            })
            .collect();
        let pipeline = model::Pipeline {
            name: CfnString::Ref("PipelineName".into()),
            pipeline_type: "V2",
            execution_mode,
            role_arn: CfnString::Ref("PipelineRoleArn".into()),
            artifact_store: ArtifactStore {
                kind: "S3",
                location: CfnString::Ref("ArtifactBucket".into()),
            },
            variables,
            triggers,
            stages,
            tags,
        };
        // The pipeline comes first; the jobs' resources are not hashed into a second map.
        resources.shift_insert(0, PIPELINE.into(), pipeline.into());
        for (id, rule) in self.schedules() {
            resources.insert(id, rule.into());
        }
        self.setup_notices();
        let mut template = Template::new(format!(
            "{}: AWS CodePipeline V2 pipeline with its CodeBuild projects",
            p.name.replace('\n', " ")
        ));
        template.parameters.0 = std::mem::take(&mut self.params);
        template.resources.0 = resources;
        template.outputs.insert(
            "PipelineName".into(),
            model::Output {
                description: "Name of the pipeline".into(),
                value: CfnString::Ref("Pipeline".into()),
            },
        );
        Some(Lowered {
            template,
            values: self.values,
            deployment: self.deployment,
            tags: self.settings.tags.clone(),
        })
    }
}
