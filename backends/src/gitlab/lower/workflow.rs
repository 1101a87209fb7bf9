//! What holds for the whole pipeline: when GitLab creates it (trigger rules, path filters),
//! the variables of a manual run, and the auto-cancel of redundant pipelines.

use indexmap::IndexMap;
use pipeline_core::diagnostic::Path;
use pipeline_core::{Event, InputKind, Trigger};

use super::{Lowering, Mode, SELECTOR};
use crate::gitlab::escape;
use crate::gitlab::model::{GlobalVariable, Prefilled, Rule};
use crate::gitlab::rules::{self, Dedup};

impl Lowering<'_> {
    pub(super) fn trigger_rules(&mut self) -> Vec<Rule> {
        let p = self.pipeline;
        let selector = self.selector();
        // Every merge request runs the pipeline: branch pushes with an open merge request
        // would only duplicate it.
        let every_mr = p
            .triggers
            .iter()
            .any(|t| matches!(t, Trigger::PullRequest(pr) if pr.branches.is_empty() && pr.paths.is_empty()));
        let dedup = if every_mr {
            Dedup::SkipBranchPushesWithOpenMr
        } else {
            Dedup::Off
        };
        let mut out: Vec<Rule> = Vec::new();
        for (i, trigger) in p.triggers.iter().enumerate() {
            // Built only for a diagnostic.
            let path = || Path::pipeline(p.id.as_str()).trigger(i);
            let new = match trigger {
                Trigger::Push(push) => {
                    self.path_filters(&push.paths, &path);
                    rules::push_rules(push, dedup, None)
                }
                Trigger::PullRequest(pr) => {
                    self.path_filters(&pr.paths, &path);
                    vec![rules::pull_request_rule(pr, None)]
                }
                Trigger::Schedule(s) => {
                    let mut hint = format!(
                        "in the GitLab project, open Build > Pipeline schedules and create a schedule with interval pattern {:?} (cron timezone UTC) on the default branch",
                        s.cron
                    );
                    if self.mode == Mode::Included {
                        hint.push_str(&format!(" and the variable {SELECTOR} = {}", p.id));
                    }
                    self.notice(
                        "gitlab-schedule-setting",
                        path(),
                        format!(
                            "pipeline {:?} runs on the schedule {:?} only once a pipeline schedule exists: GitLab keeps schedules in the project's settings, not in .gitlab-ci.yml",
                            p.id.as_str(),
                            s.cron
                        ),
                        hint,
                    );
                    vec![rules::source_rule(Event::Schedule, selector.as_deref())]
                }
                Trigger::Manual(_) => vec![rules::source_rule(Event::Manual, selector.as_deref())],
            };
            for r in new {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        out
    }

    fn path_filters(&mut self, paths: &[String], path: &dyn Fn() -> Path) {
        for p in paths.iter().filter(|p| p.starts_with('!')) {
            self.unsupported(
                path().field("paths"),
                format!(
                    "GitLab `changes:` cannot exclude paths ({p:?} in pipeline {:?})",
                    self.pipeline.id.as_str()
                ),
                "list the paths that should trigger the pipeline instead of excluding some",
            );
        }
    }

    pub(super) fn inputs(&mut self) -> IndexMap<String, GlobalVariable> {
        let mut out = IndexMap::new();
        let inputs: Vec<_> = self.pipeline.inputs().cloned().collect();
        for input in inputs {
            let description = if input.description.trim().is_empty() {
                input.name.to_string()
            } else {
                input.description.clone()
            };
            let (value, options) = match &input.kind {
                InputKind::String { default } => {
                    if input.required && default.is_none() {
                        self.warn(
                            "gitlab-input-required",
                            self.root().input(input.name.as_str()),
                            format!(
                                "GitLab cannot require a value for the manual-run variable {:?}; it starts empty",
                                input.name.as_str()
                            ),
                            "give the input a default, or check it in the first job",
                        );
                    }
                    (default.clone().unwrap_or_default(), Vec::new())
                }
                InputKind::Choice { options, default } => (
                    default.clone().or_else(|| options.first().cloned()).unwrap_or_default(),
                    options.clone(),
                ),
                InputKind::Boolean { default } => (default.to_string(), vec!["true".into(), "false".into()]),
            };
            out.insert(
                input.name.to_string(),
                GlobalVariable::Prefilled(Prefilled {
                    description,
                    value: escape::variable_value(&value),
                    options: options.iter().map(|o| escape::variable_value(o)).collect(),
                }),
            );
        }
        out
    }

    /// Pipeline concurrency: `true` when newer pipelines cancel running ones.
    pub(super) fn pipeline_concurrency(&mut self) -> bool {
        let Some(c) = &self.pipeline.concurrency else {
            return false;
        };
        let path = self.root().field("concurrency");
        if !c.cancel_in_progress {
            self.warn(
                "gitlab-concurrency",
                path,
                format!(
                    "GitLab cannot queue whole pipelines: runs of pipeline {:?} may overlap (deploy jobs still queue per environment through resource groups)",
                    self.pipeline.id.as_str()
                ),
                "set a concurrency group on the jobs that must not overlap; they become GitLab resource groups",
            );
            return false;
        }
        if !c.group.builtins().any(|b| b == pipeline_core::Builtin::RefName) {
            self.warn(
                "gitlab-concurrency",
                path,
                format!(
                    "GitLab cancels redundant pipelines of the same ref only; the concurrency group of pipeline {:?} does not depend on the ref",
                    self.pipeline.id.as_str()
                ),
                "include `Builtin::RefName` in the group to say the same thing on every platform",
            );
        }
        true
    }
}
