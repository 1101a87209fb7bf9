//! Step state (docs/SEMANTICS.md, section 20): what a step declares it exports, and the step
//! outputs later steps read.

use super::{At, RESERVED_ENV_PREFIXES, Validator};
use crate::expr::Expr;
use crate::id::rules;
use crate::job::Job;
use crate::step::{Step, StepKind};

impl Validator<'_> {
    /// The exports of step `index` of `job`, and the step outputs its values read.
    pub(super) fn step_state(&mut self, job: &Job, index: usize, path: At<'_>) {
        let step = &job.steps[index];
        let state = &step.state;
        if !state.is_empty() && !matches!(step.kind, StepKind::Script(_)) {
            self.error(
                "state-on-non-script",
                path(),
                format!(
                    "a {} step cannot export environment variables, PATH entries or outputs to later steps",
                    step.kind.name()
                ),
                Some("export them from a script step (`Step::script`)".into()),
            );
        }
        if !state.outputs.is_empty() && step.id.is_none() {
            self.error(
                "step-output-without-id",
                path(),
                "a step that exports outputs needs an id (later steps read them by step id)",
                Some("give the step an id with `.id(\"...\")`".into()),
            );
        }
        for (k, name) in state.env.iter().enumerate() {
            let n = name.as_str();
            let problem = if !rules::is_var_name(n) {
                Some("is not a valid name (letters, digits and '_', not starting with a digit)".to_owned())
            } else if n == "PATH" {
                Some("is PATH, which steps extend with `.adds_path()`".to_owned())
            } else if let Some(p) = RESERVED_ENV_PREFIXES
                .iter()
                .find(|p| n.to_ascii_uppercase().starts_with(*p))
            {
                Some(format!("uses the prefix {p:?} a platform reserves"))
            } else if state.env[..k].contains(name) {
                Some("is declared twice".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                self.error(
                    "invalid-exported-env",
                    path().field("exports_env"),
                    format!("exported environment variable {n:?} {problem}"),
                    Some("choose another name".into()),
                );
            }
        }
        for (k, name) in state.outputs.iter().enumerate() {
            let n = name.as_str();
            if !rules::is_var_name(n) || state.outputs[..k].contains(name) {
                self.error(
                    "invalid-step-output",
                    path().field("exports_output"),
                    format!("step output {n:?} is not a valid name or is declared twice"),
                    Some("use letters, digits and '_' (not starting with a digit), once each".into()),
                );
            }
        }
        let earlier = &job.steps[..index];
        let mut values: Vec<(String, &Expr)> = step.env.iter().map(|(k, v)| (format!("env.{k}"), v)).collect();
        if let StepKind::Action(a) = &step.kind {
            values.extend(a.with.iter().map(|(k, v)| (format!("with.{k}"), v)));
        }
        for (field, value) in values {
            for o in value.step_outputs() {
                let exported = earlier
                    .iter()
                    .any(|s| s.id.as_ref() == Some(&o.step) && s.state.outputs.contains(&o.name));
                if exported {
                    continue;
                }
                self.error(
                    "unknown-step-output",
                    path().field(field.clone()),
                    format!(
                        "step output {}.{} is not exported by an earlier step of job {:?}",
                        o.step.as_str(),
                        o.name.as_str(),
                        job.id.as_str()
                    ),
                    Some(hint(earlier)),
                );
            }
        }
    }
}

/// What the earlier steps export, for a hint.
fn hint(earlier: &[Step]) -> String {
    let known: Vec<String> = earlier
        .iter()
        .filter_map(|s| s.id_str().map(|id| (id, &s.state.outputs)))
        .flat_map(|(id, outs)| outs.iter().map(move |o| format!("{id}.{o}")))
        .collect();
    if known.is_empty() {
        "no earlier step of the job exports an output: declare it with `.exports_output(\"...\")` on an earlier step with an id".into()
    } else {
        format!("the earlier steps export {}", known.join(", "))
    }
}
