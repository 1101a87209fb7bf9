//! The pipeline's stages: the `Source` stage, one stage per layer of the `needs` graph and
//! what each job becomes in it (actions, or a deploy stage's rollback), the guard a job's
//! conditions become, and manual approvals.

use std::collections::HashSet;

use pipeline_core::graph::NeedsGraph;
use pipeline_core::yaml::OrderedMap;
use pipeline_core::{Condition, Job};

use super::{MAX_ACTIONS_PER_STAGE, MAX_NAME, MAX_STAGES, Role, SOURCE, SOURCE_NAMESPACE};
use crate::codepipeline::context::Lowering;
use crate::codepipeline::expr;
use crate::codepipeline::model::{
    ActionDeclaration, ActionTypeId, ArtifactRef, CfnString, Parameter, StageDeclaration,
};

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

impl<'a> Lowering<'a> {
    /// Stages run in sequence and a failed stage stops the execution: a job placed in a later
    /// stage than a job it does not depend on is stopped by that job's failure, where GitHub and
    /// GitLab would run it (docs/SEMANTICS.md, section 5).
    pub(super) fn stage_layering(&mut self, graph: &NeedsGraph<'_>, layers: &[Vec<usize>], roles: &[Role]) {
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

    pub(super) fn role(&mut self, graph: &NeedsGraph<'_>, i: usize) -> Role {
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
    pub(super) fn guard(
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

    pub(super) fn stage_name(
        &mut self,
        jobs: &[usize],
        stages: &[StageDeclaration],
        used: &mut HashSet<String>,
    ) -> String {
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

    pub(super) fn source_stage(&mut self) -> StageDeclaration {
        let mut configuration = OrderedMap::new();
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

    pub(super) fn approval(
        &mut self,
        job: &Job,
        env: &pipeline_core::Environment,
        approval: &pipeline_core::Approval,
    ) -> ActionDeclaration {
        let path = self.root().job(job.id.as_str()).field("environment.approval");
        let mut configuration = OrderedMap::new();
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
            configuration.insert("NotificationArn".into(), CfnString::Ref(param.into()));
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
}
