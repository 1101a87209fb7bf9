//! Script bodies of the strategies, rendered from the built-in templates `strategies/*` of
//! `pipeline-templates` (`templates/templates/scripts/strategies/`), every value shell-quoted.

use pipeline_core::Step;
use pipeline_core::diagnostic::Problem;

/// Renders template `name` with `context`; the error names the template.
pub(crate) fn render(name: &str, context: impl serde::Serialize) -> Result<String, String> {
    crate::render_builtin(&format!("strategies/{name}"), context).map_err(|e| e.to_string())
}

/// Renders template `name`; a failure becomes a problem of the job (reported by validation with
/// its path before anything is written) and an empty string.
pub(crate) fn fragment(problems: &mut Vec<Problem>, name: &str, context: impl serde::Serialize) -> String {
    match render(name, context) {
        Ok(body) => body.trim_matches('\n').to_owned(),
        Err(e) => {
            problems.push(Problem::new(
                "template",
                format!("script template {name} failed: {e}"),
                "fix the construct's template or its parameters",
            ));
            String::new()
        }
    }
}

/// A script step from template `name` (`exit 1` if it does not render, with a problem).
pub(crate) fn step(problems: &mut Vec<Problem>, name: &str, context: impl serde::Serialize) -> Step {
    let before = problems.len();
    let body = fragment(problems, name, context);
    if problems.len() > before {
        Step::script("exit 1")
    } else {
        Step::script(format!("{body}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_value_is_a_problem_of_the_job() {
        let mut problems = Vec::new();
        let step = step(&mut problems, "lambda-shift.sh", ());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("lambda-shift.sh"), "{:?}", problems[0]);
        assert_eq!(step.kind, pipeline_core::StepKind::Script("exit 1".into()));
    }

    #[test]
    fn an_unknown_template_is_a_problem() {
        let mut problems = Vec::new();
        let _ = fragment(&mut problems, "nope.sh", ());
        assert!(
            problems[0].message.contains("no built-in script template"),
            "{:?}",
            problems[0]
        );
    }
}
