//! Script bodies, rendered from the templates in `templates/` with every value shell-quoted.

use std::collections::BTreeMap;

use pipeline_core::Step;
use pipeline_core::diagnostic::Problem;

fn source(name: &str) -> Option<&'static str> {
    Some(match name {
        "package.sh" => include_str!("../templates/package.sh.j2"),
        "deploy-lambda.sh" => include_str!("../templates/deploy-lambda.sh.j2"),
        "smoke-test.sh" => include_str!("../templates/smoke-test.sh.j2"),
        "rollback-lambda.sh" => include_str!("../templates/rollback-lambda.sh.j2"),
        "ecr-login.sh" => include_str!("../templates/ecr-login.sh.j2"),
        "image-build.sh" => include_str!("../templates/image-build.sh.j2"),
        _ => return None,
    })
}

/// Renders template `name` (a file of `templates/`) with `values`.
pub(crate) fn render(name: &str, values: &[(&str, &str)]) -> Result<String, String> {
    let source = source(name).ok_or_else(|| format!("no template named {name}"))?;
    let context: BTreeMap<&str, &str> = values.iter().copied().collect();
    pipeline_templates::render_script(name, source, context).map_err(|e| e.to_string())
}

/// A script step from template `name`; a rendering failure becomes a problem of the job, which
/// validation reports (with its path) before anything is written.
pub(crate) fn step(problems: &mut Vec<Problem>, name: &str, values: &[(&str, &str)]) -> Step {
    match render(name, values) {
        Ok(body) => Step::script(body),
        Err(e) => {
            problems.push(Problem::new(
                "template",
                format!("script template {name} failed: {e}"),
                "fix the construct's template or its parameters",
            ));
            Step::script("exit 1")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_are_quoted() {
        let s = super::render("smoke-test.sh", &[("url", "https://x.example.com/health?a=1&b=2")]);
        assert_eq!(
            s.as_deref(),
            Ok(
                "curl --fail --silent --show-error --retry 5 --retry-all-errors 'https://x.example.com/health?a=1&b=2'\n"
            )
        );
    }

    #[test]
    fn a_missing_value_is_a_problem_of_the_job() {
        let mut problems = Vec::new();
        let _ = super::step(&mut problems, "smoke-test.sh", &[]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("smoke-test.sh"), "{:?}", problems[0]);
    }
}
