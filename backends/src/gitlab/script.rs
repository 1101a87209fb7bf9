//! Steps as shell: GitLab runs a job's `script:` entries in one shell that stops at the first
//! failing command, and `after_script:` in a new shell whatever happened.
//!
//! A plain script step is one `script:` entry, as written. What GitHub sets per step is lowered
//! faithfully into the entry:
//!
//! - `env` and `working_directory`: a subshell, `( cd 'dir'; export NAME=...; body )`, so neither
//!   leaks into later steps (on GitHub every step is its own process);
//! - a condition known when the pipeline starts: `if <test>; then ... fi`;
//! - `continue_on_error`: `set +e; ( set -e; body ); status=$?; set -e` and a message, so the
//!   step still stops at its own first failing command (a subshell inside `||` would not);
//! - a condition on the job status (`Always`, `Failure`): the step moves to `after_script`,
//!   guarded by `$CI_JOB_STATUS` (only when such steps come after every ordinary step).

use pipeline_core::{Condition, Env};

use super::expr;
use super::rules::{Atom, Conj, Dnf, DnfError, Literal, Status};

/// A step's condition, split into where the step goes and the shell test guarding it.
pub(crate) struct Guard {
    /// The shell test, `None` for "always true".
    pub(crate) test: Option<String>,
    /// Whether it needs `after_script` (it runs after a failure or always).
    pub(crate) after: bool,
    /// Whether it can never run.
    pub(crate) never: bool,
}

/// The guard of a step condition.
pub(crate) fn guard(condition: Option<&Condition>) -> Result<Guard, DnfError> {
    let Some(c) = condition else {
        return Ok(Guard {
            test: None,
            after: false,
            never: false,
        });
    };
    let dnf = Dnf::of(c)?;
    let after = dnf.mentions_status();
    if dnf.0.is_empty() {
        return Ok(Guard {
            test: None,
            after,
            never: true,
        });
    }
    let always_true = dnf
        .0
        .iter()
        .any(|conj| conj.literals.is_empty() && conj.status != Status::Failure);
    let test = if always_true {
        None
    } else {
        let terms: Vec<String> = dnf.0.iter().map(|conj| conj_test(conj, dnf.0.len() > 1)).collect();
        Some(terms.join(" || "))
    };
    Ok(Guard {
        test,
        after,
        never: false,
    })
}

fn conj_test(conj: &Conj, grouped: bool) -> String {
    let mut tests: Vec<String> = Vec::new();
    if conj.status == Status::Failure {
        tests.push("[ \"${CI_JOB_STATUS:-}\" = 'failed' ]".into());
    }
    tests.extend(conj.literals.iter().map(literal_test));
    if grouped && tests.len() > 1 {
        format!("{{ {}; }}", tests.join(" && "))
    } else {
        tests.join(" && ")
    }
}

fn literal_test(l: &Literal) -> String {
    let op = if l.positive { "=" } else { "!=" };
    match &l.atom {
        Atom::Branch(b) => format!("[ \"${{CI_COMMIT_BRANCH:-}}\" {op} {} ]", expr::quote(b)),
        Atom::Tag if l.positive => "[ -n \"${CI_COMMIT_TAG:-}\" ]".into(),
        Atom::Tag => "[ -z \"${CI_COMMIT_TAG:-}\" ]".into(),
        Atom::Event(e) => format!(
            "[ \"${{CI_PIPELINE_SOURCE:-}}\" {op} {} ]",
            expr::quote(super::rules::source(*e))
        ),
        Atom::Input(name, v) => format!("[ \"${{{name}:-}}\" {op} {} ]", expr::quote(v)),
    }
}

/// `body` with the step's working directory, environment, guard and error handling applied.
/// `env` holds only the variables that need an `export` (see [`exports`]).
pub(crate) fn wrap(
    body: &str,
    env: &[(String, String)],
    working_directory: Option<&str>,
    test: Option<&str>,
    continue_on_error: Option<&str>,
) -> String {
    let mut text = ensure_newline(body);
    if !env.is_empty() || working_directory.is_some() {
        let mut inner = String::from("(\n");
        if let Some(dir) = working_directory {
            inner.push_str(&format!("cd {}\n", expr::quote(dir)));
        }
        for (name, value) in env {
            inner.push_str(&format!("export {name}={value}\n"));
        }
        inner.push_str(&text);
        inner.push_str(")\n");
        text = inner;
    }
    if let Some(what) = continue_on_error {
        let body = if let Some(inner) = text.strip_prefix("(\n") {
            // Already a subshell: turn errexit back on inside it.
            format!("(\nset -e\n{inner}")
        } else {
            format!("(\nset -e\n{text})\n")
        };
        text = format!(
            "set +e\n{body}pipeline_step_status=$?\nset -e\nif [ \"$pipeline_step_status\" -ne 0 ]; then echo {} >&2; fi\n",
            expr::quote(&format!("{what} failed; continuing (continue on error)")),
        );
    }
    if let Some(test) = test {
        text = format!("if {test}; then\n{text}fi\n");
    }
    text
}

fn ensure_newline(body: &str) -> String {
    if body.contains('\n') && !body.ends_with('\n') {
        format!("{body}\n")
    } else if body.contains('\n') {
        body.to_owned()
    } else {
        format!("{body}\n")
    }
}

/// A single-line entry loses its final newline (reads as a plain YAML string).
pub(crate) fn entry(text: String) -> String {
    match text.strip_suffix('\n') {
        Some(one) if !one.contains('\n') => one.to_owned(),
        _ => text,
    }
}

/// Step environment variables as `export` pairs: shell words; a secret (or any single variable)
/// of the same name is already in the environment and needs no line.
pub(crate) fn exports(env: &Env) -> Vec<(String, String)> {
    env.iter()
        .filter(|(name, value)| expr::sole_variable(value).as_deref() != Some(name.as_str()))
        .map(|(name, value)| (name.to_string(), expr::shell(value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::{Event, Expr};

    #[test]
    fn plain_steps_are_unchanged() {
        assert_eq!(entry(wrap("make test", &[], None, None, None)), "make test");
        assert_eq!(entry(wrap("a\nb\n", &[], None, None, None)), "a\nb\n");
    }

    #[test]
    fn env_and_directory_use_a_subshell() {
        let mut env = Env::new();
        env.insert("A", "x y");
        env.insert("TOKEN", Expr::secret("TOKEN"));
        env.insert("REF", pipeline_core::Builtin::RefName);
        let text = wrap("make", &exports(&env), Some("docs"), None, None);
        assert_eq!(
            text,
            "(\ncd 'docs'\nexport A='x y'\nexport REF=\"${CI_COMMIT_REF_NAME}\"\nmake\n)\n"
        );
    }

    #[test]
    fn continue_on_error_keeps_errexit_inside() {
        let text = wrap("false\necho no", &[], None, None, Some("step 2"));
        assert_eq!(
            text,
            "set +e\n(\nset -e\nfalse\necho no\n)\npipeline_step_status=$?\nset -e\nif [ \"$pipeline_step_status\" -ne 0 ]; then echo 'step 2 failed; continuing (continue on error)' >&2; fi\n"
        );
    }

    #[test]
    fn guards() {
        let g = guard(Some(&(Condition::branch("main") | Condition::tag()))).expect("guard");
        assert_eq!(
            g.test.as_deref(),
            Some("[ \"${CI_COMMIT_BRANCH:-}\" = 'main' ] || [ -n \"${CI_COMMIT_TAG:-}\" ]")
        );
        assert!(!g.after);
        let g = guard(Some(&(Condition::failure() & !Condition::event(Event::Schedule)))).expect("guard");
        assert_eq!(
            g.test.as_deref(),
            Some("[ \"${CI_JOB_STATUS:-}\" = 'failed' ] && [ \"${CI_PIPELINE_SOURCE:-}\" != 'schedule' ]")
        );
        assert!(g.after);
        let g = guard(Some(&Condition::always())).unwrap_or_else(|_| panic!("guard"));
        assert!(g.after && g.test.is_none());
        assert!(guard(Some(&!Condition::always())).is_err());
        let text = wrap("echo hi", &[], None, Some("[ -n \"${CI_COMMIT_TAG:-}\" ]"), None);
        assert_eq!(text, "if [ -n \"${CI_COMMIT_TAG:-}\" ]; then\necho hi\nfi\n");
    }
}
