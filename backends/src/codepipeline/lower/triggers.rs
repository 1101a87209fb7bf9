//! What starts the pipeline: the Git triggers and their filters, the execution mode, and the
//! EventBridge schedules.

use pipeline_core::Trigger;
use pipeline_core::diagnostic::Path;

use super::{MAX_FILTERS, MAX_PATTERNS, SOURCE};
use crate::codepipeline::context::Lowering;
use crate::codepipeline::cron;
use crate::codepipeline::model::{
    self, CfnString, ExecutionMode, GitBranchFilter, GitConfiguration, GitFilePathFilter, GitPullRequestFilter,
    GitPushFilter, GitTagFilter, PullRequestEvent, Rule, RuleTarget,
};

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

impl<'a> Lowering<'a> {
    pub(super) fn triggers(&mut self) -> Vec<model::Trigger> {
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
                match crate::codepipeline::patterns::ref_glob(bare) {
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

    pub(super) fn execution_mode(&mut self) -> ExecutionMode {
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

    pub(super) fn schedules(&mut self) -> Vec<(String, Rule)> {
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
}
