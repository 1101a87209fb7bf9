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

use std::collections::{BTreeMap, HashMap, HashSet};

use indexmap::IndexMap;
use pipeline_core::diagnostic::{Diagnostic, Path};
use pipeline_core::graph::NeedsGraph;
use pipeline_core::{Condition, InputKind, Job, StepKind, Trigger, yaml};

use super::buildspec::Buildspec;
use super::context::{Lowering, PLATFORM};
use super::cron;
use super::expr;
use super::gitsync::ParameterValue;
use super::job::{JobCell, JobLowering};
use super::model::{
    self, ActionDeclaration, ActionTypeId, ArtifactRef, ArtifactStore, BuildArtifacts, BuildEnvironment,
    BuildEnvironmentVariable, BuildSource, CfnString, ExecutionMode, FailureConditions, GitBranchFilter,
    GitConfiguration, GitFilePathFilter, GitPullRequestFilter, GitPushFilter, GitTagFilter, Parameter, Project,
    ProjectCache, PullRequestEvent, RetryConfiguration, Rule, RuleTarget, StageDeclaration, StageResult, SubPart,
    Template, VariableDeclaration,
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
    /// The CloudFormation template.
    pub template: Template,
    /// The pipeline resource (also inside `template`), for the `create-pipeline` input.
    pub pipeline: model::Pipeline,
    /// The value of every template parameter: its known value, or a placeholder.
    pub values: BTreeMap<String, String>,
    /// The parameters of the deployment file: those with values from [`CodePipelineSettings`](super::CodePipelineSettings),
    /// and placeholders for those without a value or default.
    pub deployment: IndexMap<String, ParameterValue>,
    /// Stack tags.
    pub tags: IndexMap<String, String>,
}

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
    fn core_params(&mut self) {
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

    /// Stages run in sequence and a failed stage stops the execution: a job placed in a later
    /// stage than a job it does not depend on is stopped by that job's failure, where GitHub and
    /// GitLab would run it (docs/SEMANTICS.md, section 5).
    fn stage_layering(&mut self, graph: &NeedsGraph<'_>, layers: &[Vec<usize>], roles: &[Role]) {
        let p = self.pipeline;
        let n = p.jobs.len();
        if layers.len() > MAX_STAGES || layers.iter().any(|l| l.len() > MAX_ACTIONS_PER_STAGE) {
            return; // refused for CodePipeline's limits anyway (the bit sets below are n² bits)
        }
        let words = n.div_ceil(64);
        // The ancestors of each job as a bit set, built layer by layer (a job's needs are in
        // earlier layers): one pass over the edges, where asking `is_ancestor` for every pair
        // of jobs was cubic in a chain of jobs.
        let mut ancestors: Vec<Vec<u64>> = vec![Vec::new(); n];
        for &j in layers.iter().flatten() {
            let mut set = vec![0u64; words];
            for &need in graph.needs_of(j) {
                set[need / 64] |= 1 << (need % 64);
                for (w, a) in set.iter_mut().zip(&ancestors[need]) {
                    *w |= a;
                }
            }
            ancestors[j] = set;
        }
        // The jobs (run as actions) of the stages so far.
        let mut before = vec![0u64; words];
        for layer in layers {
            let jobs: Vec<usize> = layer
                .iter()
                .copied()
                .filter(|&i| matches!(roles[i], Role::Actions))
                .collect();
            for &j in &jobs {
                let unrelated: Vec<usize> = before
                    .iter()
                    .zip(&ancestors[j])
                    .enumerate()
                    .flat_map(|(w, (&b, &a))| {
                        let missing = b & !a;
                        (0..64)
                            .filter(move |bit| missing & (1 << bit) != 0)
                            .map(move |bit| w * 64 + bit)
                    })
                    .collect();
                if unrelated.is_empty() {
                    continue;
                }
                const NAMED: usize = 5;
                let mut names: Vec<String> = unrelated
                    .iter()
                    .take(NAMED)
                    .map(|&a| format!("{:?}", p.jobs[a].id.as_str()))
                    .collect();
                if unrelated.len() > NAMED {
                    names.push(format!("{} more", unrelated.len() - NAMED));
                }
                self.warning(
                    "codepipeline-stage-layering",
                    self.root().job(p.jobs[j].id.as_str()),
                    format!(
                        "CodePipeline runs jobs in stages: job {:?} runs in a later stage than {}, which it does not need, so a failure there stops it (GitHub and GitLab would run it)",
                        p.jobs[j].id.as_str(),
                        names.join(", ")
                    ),
                    "make the job need the jobs it must follow, split independent work into its own pipeline, or accept it with `.acknowledge(Divergence::StageLayering)` on the pipeline",
                );
            }
            for j in jobs {
                before[j / 64] |= 1 << (j % 64);
            }
        }
    }

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
        let mut stage_of_job: HashMap<usize, usize> = HashMap::new();
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
            let mut actions = Vec::new();
            let mut retry = false;
            let mut retry_mixed = false;
            for &i in &jobs {
                let job = &p.jobs[i];
                stage_of_job.insert(i, stages.len());
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
                let cells = self.job_actions(job, i, &action_names[i], &guards[i], order, &mut logical_ids);
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
                        let project = self.project(job, &cell, &suffix, group.as_deref());
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
                    if let Some(&s) = stage_of_job.get(d) {
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
        let mut all: IndexMap<String, model::Resource> = IndexMap::new();
        all.insert("Pipeline".into(), pipeline.clone().into());
        all.extend(resources);
        for (id, rule) in self.schedules() {
            all.insert(id, rule.into());
        }
        self.setup_notices();
        let mut template = Template::new(format!(
            "{}: AWS CodePipeline V2 pipeline with its CodeBuild projects",
            p.name.replace('\n', " ")
        ));
        template.parameters.0 = std::mem::take(&mut self.params);
        template.resources.0 = all;
        template.outputs.insert(
            "PipelineName".into(),
            model::Output {
                description: "Name of the pipeline".into(),
                value: CfnString::Ref("Pipeline".into()),
            },
        );
        Some(Lowered {
            template,
            pipeline,
            values: self.values,
            deployment: self.deployment,
            tags: self.settings.tags.clone(),
        })
    }

    /// Portable artifact names that become the same CodePipeline name.
    fn check_artifact_names(&mut self) {
        let mut seen: HashMap<String, String> = HashMap::from([(SOURCE.to_owned(), SOURCE.to_owned())]);
        for job in &self.pipeline.jobs {
            for (i, step) in job.steps.iter().enumerate() {
                let StepKind::Upload(u) = &step.kind else { continue };
                let name = super::job::artifact_name(u.artifact.as_str());
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

    fn role(&mut self, graph: &NeedsGraph<'_>, i: usize) -> Role {
        let p = self.pipeline;
        let job = &p.jobs[i];
        let Some(c) = &job.condition else { return Role::Actions };
        if !c.mentions_status() {
            return Role::Actions;
        }
        let path = self.root().job(job.id.as_str()).field("if");
        let mut need = None;
        c.visit(&mut |c| {
            if let Condition::Need(n, r) = c {
                need.get_or_insert((n.to_string(), r.name()));
            }
        });
        if let Some((n, r)) = need {
            self.unsupported(
                path,
                format!("job {:?} testing whether job {n:?} ended in {r}", job.id.as_str()),
                "CodePipeline runs the needs graph as stages and stops at a failed stage; it cannot evaluate a need's result. Notify through an EventBridge rule on pipeline failures instead".into(),
            );
            return Role::Actions;
        }
        let mut failure = false;
        let mut always = false;
        c.visit(&mut |c| match c {
            Condition::Failure => failure = true,
            Condition::Always => always = true,
            _ => {}
        });
        let top_level_failure = match c {
            Condition::Failure => true,
            Condition::And(cs) => {
                cs.contains(&Condition::Failure) && cs.iter().filter(|c| c.mentions_status()).count() == 1
            }
            _ => false,
        };
        let deploys: Vec<usize> = graph
            .needs_of(i)
            .iter()
            .copied()
            .filter(|n| p.jobs[*n].environment.is_some())
            .collect();
        if failure && !always && top_level_failure && !deploys.is_empty() && deploys.len() == graph.needs_of(i).len() {
            if !graph.dependents(i).is_empty() {
                self.unsupported(
                    path,
                    format!("jobs that need the rollback job {:?}", job.id.as_str()),
                    "CodePipeline's rollback is a stage setting, not an action; remove those needs".into(),
                );
            }
            return Role::Rollback(deploys);
        }
        let feature = if always {
            format!(
                "job {:?} running after a failed or cancelled job (`always`)",
                job.id.as_str()
            )
        } else {
            format!(
                "job {:?} running when a job that is not a deploy failed (`failure`)",
                job.id.as_str()
            )
        };
        self.unsupported(
            path,
            feature,
            "CodePipeline stops at a failed stage; only a deploy job's failure can trigger the stage's automatic rollback. Notify through an EventBridge rule on pipeline failures instead".into(),
        );
        Role::Actions
    }

    /// The job's own condition and those of the jobs it needs (skipping propagates).
    fn guard(
        &self,
        graph: &NeedsGraph<'_>,
        roles: &[Role],
        guards: &[Option<Condition>],
        i: usize,
    ) -> Option<Condition> {
        let job = &self.pipeline.jobs[i];
        let mut parts: Vec<Condition> = Vec::new();
        if let (Some(c), Role::Actions) = (&job.condition, &roles[i]) {
            if !c.mentions_status() {
                parts.push(c.clone());
            }
        }
        // Inherited conditions CodePipeline cannot test are reported on the job that has them.
        // An optional need's condition is not inherited (docs/SEMANTICS.md, section 23).
        for &n in graph
            .needs_of(i)
            .iter()
            .filter(|&&n| !job.is_optional_need(self.pipeline.jobs[n].id.as_str()))
        {
            if let Some(g) = &guards[n] {
                let inherited: Vec<Condition> = match g {
                    Condition::And(cs) => cs.clone(),
                    other => vec![other.clone()],
                };
                for c in inherited {
                    if testable(&c) && !parts.contains(&c) {
                        parts.push(c);
                    }
                }
            }
        }
        let mut flat: Vec<Condition> = Vec::new();
        for c in parts {
            match c {
                Condition::And(cs) => {
                    for c in cs {
                        if !flat.contains(&c) {
                            flat.push(c);
                        }
                    }
                }
                c if !flat.contains(&c) => flat.push(c),
                _ => {}
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(Condition::And(flat)),
        }
    }

    /// Action names of the job's cells, with each cell's matrix values.
    fn cells(&mut self, job: &Job, used: &mut HashSet<String>) -> Cells {
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

    fn stage_name(&mut self, jobs: &[usize], stages: &[StageDeclaration], used: &mut HashSet<String>) -> String {
        let ids: Vec<&str> = jobs.iter().map(|i| self.pipeline.jobs[*i].id.as_str()).collect();
        let mut name = ids.join(".");
        if name.len() > MAX_NAME {
            name = format!("Stage{}", stages.len());
        }
        while !used.insert(name.clone()) {
            name.push('_');
        }
        name
    }

    fn source_stage(&mut self) -> StageDeclaration {
        let mut configuration = IndexMap::new();
        configuration.insert("ConnectionArn".into(), CfnString::Ref("ConnectionArn".into()));
        configuration.insert("FullRepositoryId".into(), CfnString::Ref("FullRepositoryId".into()));
        configuration.insert("BranchName".into(), CfnString::Ref("BranchName".into()));
        configuration.insert("OutputArtifactFormat".into(), CfnString::lit("CODE_ZIP"));
        configuration.insert("DetectChanges".into(), CfnString::lit("false"));
        StageDeclaration {
            name: SOURCE.into(),
            actions: vec![ActionDeclaration {
                name: SOURCE.into(),
                action_type_id: ActionTypeId {
                    category: "Source",
                    owner: "AWS",
                    provider: "CodeStarSourceConnection",
                    version: "1",
                },
                run_order: 1,
                configuration,
                input_artifacts: Vec::new(),
                output_artifacts: vec![ArtifactRef { name: SOURCE.into() }],
                namespace: Some(SOURCE_NAMESPACE.into()),
            }],
            on_failure: None,
        }
    }

    fn approval(
        &mut self,
        job: &Job,
        env: &pipeline_core::Environment,
        approval: &pipeline_core::Approval,
    ) -> ActionDeclaration {
        let path = self.root().job(job.id.as_str()).field("environment.approval");
        let mut configuration = IndexMap::new();
        let mut custom = approval
            .instructions
            .clone()
            .unwrap_or_else(|| format!("Approve deploying to {}.", env.name));
        if custom.chars().count() > 500 {
            self.warning(
                "codepipeline-approval",
                path.clone(),
                "approval instructions are longer than CodePipeline's 500 characters; they are cut".into(),
                "shorten the instructions, or link to them with a review URL",
            );
            custom = custom.chars().take(500).collect();
        }
        configuration.insert("CustomData".into(), CfnString::Lit(custom));
        if let Some(url) = &approval.review_url {
            configuration.insert("ExternalEntityLink".into(), CfnString::Lit(url.clone()));
        }
        if approval.notify {
            let param = format!("{}ApprovalTopicArn", expr::pascal(env.name.as_str()));
            if !self.params.contains_key(&param) {
                let value = self.settings.approval_topic_arns.get(env.name.as_str()).cloned();
                let p = Parameter {
                    allowed_pattern: Some("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$".into()),
                    ..Parameter::string(format!(
                        "SNS topic notified when a deploy to {} waits for approval",
                        env.name
                    ))
                };
                self.param(
                    &param,
                    p,
                    value,
                    format!("arn:aws:sns:us-east-1:000000000000:PLACEHOLDER-{param}"),
                );
                self.notice(
                    "codepipeline-approval",
                    path.clone(),
                    format!("approvals for {} are announced on the SNS topic {param}", env.name),
                    "subscribe the reviewers to the topic, and allow CodePipeline's role sns:Publish on it".into(),
                );
            }
            configuration.insert("NotificationArn".into(), CfnString::Ref(param));
        } else {
            self.notice(
                "codepipeline-approval",
                path,
                format!(
                    "deploys to {} wait for a manual approval in the CodePipeline console; nobody is notified",
                    env.name
                ),
                "call `.notify()` on the approval to announce it on an SNS topic".into(),
            );
        }
        let mut name = format!("approve-{}", env.name);
        name.truncate(MAX_NAME);
        ActionDeclaration {
            name,
            action_type_id: ActionTypeId {
                category: "Approval",
                owner: "AWS",
                provider: "Manual",
                version: "1",
            },
            run_order: 1,
            configuration,
            input_artifacts: Vec::new(),
            output_artifacts: Vec::new(),
            namespace: None,
        }
    }

    /// The job's CodeBuild actions (one per cell) and its project's logical id.
    fn job_actions(
        &mut self,
        job: &'a Job,
        index: usize,
        cells: &[(String, Vec<(String, String)>)],
        guard: &Option<Condition>,
        order: u32,
        logical_ids: &mut HashSet<String>,
    ) -> Vec<((String, String), JobCell, ActionDeclaration)> {
        let _ = index;
        let path = self.root().job(job.id.as_str());
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
        self.refuse_runners(job, &path);
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
            let lowered = JobLowering::new(self, job, cell.clone(), n == 0, guard.clone()).lower();
            let mut configuration = IndexMap::new();
            configuration.insert(
                "ProjectName".into(),
                CfnString::sub([
                    CfnString::reference("PipelineName"),
                    CfnString::text(format!("-{}{}", job.id, project.1)),
                ]),
            );
            let mut inputs = vec![ArtifactRef { name: SOURCE.into() }];
            inputs.extend(lowered.inputs.iter().map(|i| ArtifactRef { name: i.clone() }));
            if inputs.len() > 1 {
                configuration.insert("PrimarySource".into(), CfnString::lit(SOURCE));
            }
            if !lowered.action_env.is_empty() {
                if let Some(v) = self.environment_variables(&lowered.action_env, &path) {
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
                    .map(|o| ArtifactRef { name: o.clone() })
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
            parts.push(SubPart::Ref(after[..end].to_owned()));
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

    fn project(&mut self, job: &Job, cell: &JobCell, suffix: &str, report_group: Option<&str>) -> Project {
        let path = self.root().job(job.id.as_str());
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
        let build_spec = match yaml::to_value(&cell.buildspec).and_then(|v| yaml::to_string(&v)) {
            Ok(s) => s,
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
                build_spec: super::reports::build_spec(
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

    fn variables(&mut self) -> Vec<VariableDeclaration> {
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

    fn triggers(&mut self) -> Vec<model::Trigger> {
        let mut push = Vec::new();
        let mut pull = Vec::new();
        // Ref patterns are translated to CodePipeline's globs; those that cannot be are refused
        // (`unexpressible`: the field and the pattern).
        let mut unexpressible: Vec<(Path, String, String)> = Vec::new();
        let mut split = |patterns: &[String], field: Path| -> (Vec<String>, Vec<String>) {
            let mut inc = Vec::new();
            let mut exc = Vec::new();
            for p in patterns {
                let (list, bare) = match p.strip_prefix('!') {
                    Some(rest) => (&mut exc, rest),
                    None => (&mut inc, p.as_str()),
                };
                match super::patterns::ref_glob(bare) {
                    Ok(glob) => list.push(glob),
                    Err(why) => unexpressible.push((field.clone(), p.clone(), why)),
                }
            }
            if inc.is_empty() && !exc.is_empty() {
                inc.push("**".into());
            }
            (inc, exc)
        };
        let mut too_many = Vec::new();
        for (t, trigger) in self.pipeline.triggers.iter().enumerate() {
            let path = self.root().trigger(t);
            let paths = |patterns: &[String]| {
                (!patterns.is_empty()).then(|| {
                    let (includes, excludes) = split_paths(patterns);
                    GitFilePathFilter { includes, excludes }
                })
            };
            match trigger {
                Trigger::Push(p) => {
                    let every = p.branches.is_empty() && p.tags.is_empty();
                    if !p.branches.is_empty() || every {
                        let (includes, excludes) = if every {
                            (vec!["**".to_owned()], Vec::new())
                        } else {
                            split(&p.branches, path.field("branches"))
                        };
                        push.push(GitPushFilter {
                            tags: None,
                            branches: Some(GitBranchFilter { includes, excludes }),
                            file_paths: paths(&p.paths),
                        });
                    }
                    if !p.tags.is_empty() || every {
                        let (includes, excludes) = if every {
                            (vec!["**".to_owned()], Vec::new())
                        } else {
                            split(&p.tags, path.field("tags"))
                        };
                        if !p.paths.is_empty() {
                            self.warning(
                                "codepipeline-trigger-filter",
                                path.field("paths"),
                                "CodePipeline filters tag pushes by tag name only; the path filter applies to branch pushes".into(),
                                "use a separate branch filter if tag builds must depend on paths",
                            );
                        }
                        push.push(GitPushFilter {
                            tags: Some(GitTagFilter { includes, excludes }),
                            branches: None,
                            file_paths: None,
                        });
                    }
                }
                Trigger::PullRequest(pr) => {
                    let (includes, excludes) = if pr.branches.is_empty() {
                        (vec!["**".to_owned()], Vec::new())
                    } else {
                        split(&pr.branches, path.field("branches"))
                    };
                    pull.push(GitPullRequestFilter {
                        events: vec![PullRequestEvent::Open, PullRequestEvent::Updated],
                        branches: Some(GitBranchFilter { includes, excludes }),
                        file_paths: paths(&pr.paths),
                    });
                }
                Trigger::Schedule(_) | Trigger::Manual(_) => {}
            }
            for list in [
                ("branches", trigger_patterns(trigger, 0)),
                ("tags", trigger_patterns(trigger, 1)),
                ("paths", trigger_patterns(trigger, 2)),
            ] {
                if list.1 > MAX_PATTERNS {
                    too_many.push((path.field(list.0), list.1));
                }
            }
        }
        for (path, pattern, why) in unexpressible {
            self.unsupported(
                path,
                format!("the filter pattern {pattern:?}: {why}"),
                "write the pattern with '*' and '[..]' only (they mean the same everywhere), e.g. `v[0-9]*.[0-9]*.[0-9]*` for `v[0-9]+.[0-9]+.[0-9]+`, and exclude what must not match with a `!` pattern".into(),
            );
        }
        for (path, n) in too_many {
            self.limit(
                path,
                format!("{n} patterns; a CodePipeline trigger filter takes {MAX_PATTERNS}"),
                "use broader glob patterns",
            );
        }
        for (what, n) in [("push", push.len()), ("pull request", pull.len())] {
            if n > MAX_FILTERS {
                self.limit(
                    self.root(),
                    format!(
                        "the triggers need {n} {what} filters; CodePipeline allows {MAX_FILTERS} per source action"
                    ),
                    "merge triggers (a push with tags needs a filter of its own)",
                );
            }
        }
        if push.is_empty() && pull.is_empty() {
            return Vec::new();
        }
        vec![model::Trigger {
            provider_type: "CodeStarSourceConnection",
            git_configuration: GitConfiguration {
                source_action_name: SOURCE.into(),
                push,
                pull_request: pull,
            },
        }]
    }

    fn execution_mode(&mut self) -> ExecutionMode {
        if let Some(m) = self.settings.execution_mode {
            return m;
        }
        let p = self.pipeline;
        match &p.concurrency {
            Some(c) => {
                if !c.group.is_literal() {
                    self.notice(
                        "codepipeline-concurrency",
                        self.root().field("concurrency"),
                        "CodePipeline's execution mode applies to the whole pipeline, not to a group per value of the concurrency expression".into(),
                        "runs of different branches wait for (or supersede) each other on CodePipeline".into(),
                    );
                }
                if c.cancel_in_progress {
                    ExecutionMode::Superseded
                } else {
                    ExecutionMode::Queued
                }
            }
            None if p
                .jobs
                .iter()
                .any(|j| j.environment.is_some() || j.concurrency.is_some()) =>
            {
                ExecutionMode::Queued
            }
            None => ExecutionMode::Parallel,
        }
    }

    fn schedules(&mut self) -> Vec<(String, Rule)> {
        let mut out = Vec::new();
        let mut n = 0;
        for (t, trigger) in self.pipeline.triggers.iter().enumerate() {
            let Trigger::Schedule(s) = trigger else { continue };
            match cron::to_eventbridge(&s.cron) {
                Ok(expressions) => {
                    for e in expressions {
                        n += 1;
                        out.push((
                            format!("Schedule{n}"),
                            Rule {
                                description: format!("Starts the pipeline on the schedule {} (UTC)", s.cron),
                                schedule_expression: e,
                                state: "ENABLED",
                                targets: vec![RuleTarget {
                                    id: "Pipeline".into(),
                                    arn: CfnString::sub([
                                        CfnString::text("arn:"),
                                        CfnString::reference("AWS::Partition"),
                                        CfnString::text(":codepipeline:"),
                                        CfnString::reference("AWS::Region"),
                                        CfnString::text(":"),
                                        CfnString::reference("AWS::AccountId"),
                                        CfnString::text(":"),
                                        CfnString::reference("Pipeline"),
                                    ]),
                                    role_arn: CfnString::Ref("ScheduleRoleArn".into()),
                                }],
                            },
                        ));
                    }
                }
                Err(problem) => self.unsupported(
                    self.root().trigger(t).field("cron"),
                    format!("the schedule {:?}: {problem}", s.cron),
                    "restrict either the day of month or the day of week".into(),
                ),
            }
        }
        if !out.is_empty() {
            self.notice(
                "codepipeline-schedule",
                self.root(),
                "EventBridge starts the pipeline on its schedule with the role ScheduleRoleArn".into(),
                "let the role trust events.amazonaws.com and allow codepipeline:StartPipelineExecution on the pipeline"
                    .into(),
            );
        }
        out
    }

    fn setup_notices(&mut self) {
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

/// Whether a job condition can be tested in a buildspec (branch and input comparisons).
fn testable(c: &Condition) -> bool {
    let mut ok = true;
    c.visit(&mut |c| {
        ok &= !matches!(
            c,
            Condition::Tag
                | Condition::Event(_)
                | Condition::Always
                | Condition::Failure
                | Condition::Fork
                | Condition::Need(..)
        ) && !matches!(c, Condition::Text(t) if !matches!(
            t.subject,
            pipeline_core::Subject::Branch
                | pipeline_core::Subject::Repository
                | pipeline_core::Subject::Input(_)
                | pipeline_core::Subject::Var(_)
        ));
    });
    ok
}

/// How many branch (0), tag (1) or path (2) patterns a trigger has.
fn trigger_patterns(trigger: &Trigger, which: u8) -> usize {
    let count = |v: &[String]| {
        v.iter()
            .filter(|p| !p.starts_with('!'))
            .count()
            .max(v.iter().filter(|p| p.starts_with('!')).count())
    };
    match (trigger, which) {
        (Trigger::Push(p), 0) => count(&p.branches),
        (Trigger::Push(p), 1) => count(&p.tags),
        (Trigger::Push(p), _) => count(&p.paths),
        (Trigger::PullRequest(pr), 0) => count(&pr.branches),
        (Trigger::PullRequest(pr), 2) => count(&pr.paths),
        _ => 0,
    }
}

/// Path filter patterns as includes and excludes (`!pattern`); a path pattern is a glob already
/// (validation checks it), written as CodePipeline reads it.
fn split_paths(patterns: &[String]) -> (Vec<String>, Vec<String>) {
    let (exc, inc): (Vec<&String>, Vec<&String>) = patterns.iter().partition(|p| p.starts_with('!'));
    let mut inc: Vec<String> = inc.into_iter().cloned().collect();
    let exc: Vec<String> = exc.into_iter().map(|p| p[1..].to_owned()).collect();
    if inc.is_empty() && !exc.is_empty() {
        inc.push("**".into());
    }
    (inc, exc)
}
