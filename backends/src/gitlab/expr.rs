//! Portable values in GitLab's two syntaxes: CI/CD variable references (`$CI_COMMIT_SHA`) in
//! fields GitLab expands (`variables:`, `environment:url`, `resource_group`), and quoted shell
//! words in the scripts the backend writes itself (role ARNs, session names).
//!
//! Every reference is a variable on GitLab: built-ins are predefined variables, secrets are
//! masked CI/CD variables, inputs are manual-run variables, matrix values are `parallel:matrix`
//! variables, configuration variables are CI/CD variables, and job outputs are dotenv variables
//! named after the producing job ([`dotenv_name`]).

use pipeline_core::{Builtin, Expr, OutputRef};

/// The predefined GitLab variable of a built-in.
pub(crate) fn builtin(b: Builtin) -> &'static str {
    match b {
        Builtin::CommitSha => "CI_COMMIT_SHA",
        Builtin::RefName => "CI_COMMIT_REF_NAME",
        Builtin::RunId => "CI_PIPELINE_ID",
        Builtin::Repository => "CI_PROJECT_PATH",
        Builtin::Actor => "GITLAB_USER_LOGIN",
        Builtin::Workspace => "CI_PROJECT_DIR",
        Builtin::EventName => "CI_PIPELINE_SOURCE",
        Builtin::HeadRef => "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    }
}

/// The predefined variable holding the job token (masked by GitLab).
pub(crate) const JOB_TOKEN: &str = "CI_JOB_TOKEN";

/// The dotenv variable carrying output `o` (`BUILD_VERSION` for output `version` of job `build`).
pub(crate) fn dotenv_name(o: &OutputRef) -> String {
    let mut name = format!("{}_{}", o.job, o.name);
    name.make_ascii_uppercase();
    name.replace('-', "_")
}

/// One part of a value: literal text or the name of a variable.
enum Part {
    Text(String),
    Var(String),
}

fn parts(e: &Expr) -> Vec<Part> {
    let mut out = Vec::new();
    for part in e.parts() {
        match part {
            Expr::Literal(s) => out.push(Part::Text(s.clone())),
            Expr::Builtin(b) => out.push(Part::Var(builtin(*b).to_owned())),
            Expr::Secret(s) => out.push(Part::Var(s.to_string())),
            Expr::Input(i) => out.push(Part::Var(i.to_string())),
            Expr::Output(o) => out.push(Part::Var(dotenv_name(o))),
            // A variable of the job's shell, set by the state file of the exporting step
            // (docs/SEMANTICS.md, section 17).
            Expr::StepOutput(o) => out.push(Part::Var(crate::shell::step_output_var(
                o.step.as_str(),
                o.name.as_str(),
            ))),
            Expr::Matrix(a) => out.push(Part::Var(a.clone())),
            Expr::Var(v) => out.push(Part::Var(v.to_string())),
            // Its reach is the project's job token settings (warning `gitlab-job-token-scope`).
            Expr::Token(_) => out.push(Part::Var(JOB_TOKEN.to_owned())),
            Expr::Concat(inner) => inner.iter().for_each(|p| out.extend(parts(p))),
        }
    }
    out
}

/// The single variable a value consists of, if it is exactly one reference.
pub(crate) fn sole_variable(e: &Expr) -> Option<String> {
    match parts(e).as_slice() {
        [Part::Var(name)] => Some(name.clone()),
        _ => None,
    }
}

/// A value as GitLab expands it: `$NAME` references (`${NAME}` when a name character follows)
/// and literal text with `$` escaped as `$$`.
pub(crate) fn value(e: &Expr) -> String {
    let parts = parts(e);
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(s) => out.push_str(&s.replace('$', "$$")),
            Part::Var(name) => {
                let next_is_name_char = match parts.get(i + 1) {
                    Some(Part::Text(s)) => s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'),
                    _ => false,
                };
                if next_is_name_char {
                    out.push_str(&format!("${{{name}}}"));
                } else {
                    out.push('$');
                    out.push_str(name);
                }
            }
        }
    }
    out
}

/// A POSIX shell single-quoted word.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A value as one shell word: literal text single-quoted, references as `"${NAME}"` (every
/// reference is an environment variable of the job, so nothing is spliced into the script).
pub(crate) fn shell(e: &Expr) -> String {
    let out: String = parts(e)
        .iter()
        .map(|part| match part {
            Part::Text(s) if s.is_empty() => String::new(),
            Part::Text(s) => quote(s),
            Part::Var(name) => format!("\"${{{name}}}\""),
        })
        .collect();
    if out.is_empty() { "''".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::OutputRef;

    #[test]
    fn values_escape_dollars_and_brace_when_needed() {
        let e = Expr::concat([
            "img:".into(),
            Builtin::CommitSha.into(),
            "-".into(),
            OutputRef::new("build-app", "image_tag").into(),
            "x$y".into(),
        ]);
        assert_eq!(value(&e), "img:$CI_COMMIT_SHA-${BUILD_APP_IMAGE_TAG}x$$y");
        assert_eq!(value(&Expr::secret("TOKEN")), "$TOKEN");
        assert_eq!(value(&Expr::lit("a $HOME b")), "a $$HOME b");
        assert_eq!(value(&Expr::input("target")), "$target");
        assert_eq!(value(&Expr::matrix("rust")), "$rust");
        assert_eq!(value(&Expr::var("REGION")), "$REGION");
    }

    #[test]
    fn every_builtin_is_a_predefined_variable() {
        for b in Builtin::ALL {
            let name = builtin(b);
            assert!(name.starts_with("CI_") || name.starts_with("GITLAB_"), "{name}");
            assert_eq!(value(&b.into()), format!("${name}"));
        }
    }

    #[test]
    fn shell_words_quote_literals_and_reference_variables() {
        let e = Expr::concat(["it's ".into(), Expr::var("ROLE"), "/x".into()]);
        assert_eq!(shell(&e), r#"'it'\''s '"${ROLE}"'/x'"#);
        assert_eq!(shell(&Expr::lit("")), "''");
        assert_eq!(sole_variable(&Expr::var("ROLE")).as_deref(), Some("ROLE"));
        assert_eq!(sole_variable(&Expr::lit("x")), None);
    }

    #[test]
    fn dotenv_names_are_upper_snake_case() {
        assert_eq!(
            dotenv_name(&OutputRef::new("deploy-staging", "url")),
            "DEPLOY_STAGING_URL"
        );
    }
}
