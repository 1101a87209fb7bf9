//! Steps as shell (docs/SEMANTICS.md, sections 1 to 4): GitLab runs a job's `script:` entries in
//! one shell that stops at the first failing command; each step is one entry that writes the
//! step's text verbatim to a file and runs it as its own
//! `bash --noprofile --norc -eo pipefail FILE < /dev/null` process, as GitHub runs a `run:` step,
//! so a `cd`, `export`, `set +e` or `exit 0` of one step never reaches the next. Around that run:
//!
//! - `env` and `working_directory`: a subshell, `(cd 'dir' && export NAME=... && bash FILE)`;
//!   job outputs in `env` are decoded from their dotenv encoding first;
//! - a condition known when the pipeline starts: `if <test>; then ... fi`;
//! - `continue_on_error`: `bash FILE || echo '... continuing'`;
//! - a condition on the job status (`Always`, `Failure`): when a job has such a step, every step
//!   records its failure in `PIPELINE_FAILED` instead of ending the job, ordinary steps are
//!   skipped after a failure, status steps test `PIPELINE_FAILED`, and a last entry fails the
//!   job when a step failed (GitLab's `after_script` would ignore the step's own failure);
//! - generated code that exports what later steps need (AWS credentials) runs in the job's
//!   shell itself.

use pipeline_core::{Condition, Env, Expr};

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
    match conj.status {
        Status::Failure => tests.push(FAILED.into()),
        Status::Succeeded => tests.push(NOT_FAILED.into()),
        Status::Success | Status::Always => {}
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
        Atom::Text(t) => crate::shell::text_test(&super::rules::text_var(&t.subject), t.op, &t.value, l.positive),
        Atom::Fork => format!(
            "[ \"${{CI_MERGE_REQUEST_SOURCE_PROJECT_ID:-}}\" {} \"${{CI_MERGE_REQUEST_PROJECT_ID:-}}\" ]",
            if l.positive { "!=" } else { "=" }
        ),
    }
}

/// The test "an earlier step failed" (the job's shell records the first failed step in
/// `PIPELINE_FAILED` when some step runs after a failure).
pub(crate) const FAILED: &str = "[ -n \"${PIPELINE_FAILED:-}\" ]";
/// The test "no step failed so far".
pub(crate) const NOT_FAILED: &str = "[ -z \"${PIPELINE_FAILED:-}\" ]";

/// The last entry of a job whose steps record failures: fail when one did.
pub(crate) fn fail_if_failed() -> String {
    "if [ -n \"${PIPELINE_FAILED:-}\" ]; then\n  echo \"$PIPELINE_FAILED failed\" >&2\n  exit 1\nfi\n".to_owned()
}

/// The per-job directory of the step files, made by the job's first entry (and again by the
/// first `after_script` entry, a new shell).
pub(crate) const STEPS_DIR: &str = "PIPELINE_STEPS";

/// The entry that makes [`STEPS_DIR`].
pub(crate) fn steps_dir_entry() -> String {
    format!("{STEPS_DIR}=\"$(mktemp -d)\"")
}

/// A step as one `script:` entry: its text written verbatim to a file, run as its own
/// `bash --noprofile --norc -eo pipefail FILE < /dev/null` process (docs/SEMANTICS.md, section 1)
/// in a subshell with the step's working directory and environment, under its guard and
/// error handling. `index` names the file.
#[allow(clippy::too_many_arguments)] // each is one optional aspect of the step, as in the model
pub(crate) fn wrap(
    index: usize,
    body: &str,
    env: &[String],
    working_directory: Option<&str>,
    test: Option<&str>,
    continue_on_error: Option<&str>,
    output: Option<(&str, &str)>,
    record: Option<&str>,
) -> String {
    let file = format!("\"${STEPS_DIR}/step-{}.sh\"", index + 1);
    let mut text = crate::shell::write_file(&file, body, "PIPELINE_SCRIPT");
    text.push('\n');
    let mut chain: Vec<String> = Vec::new();
    if let Some(dir) = working_directory {
        chain.push(format!("cd {}", expr::quote(dir)));
    }
    chain.extend(env.iter().cloned());
    chain.push(crate::shell::run_file(&file));
    let mut run = match output {
        // A subshell, so a failing value fails the entry under the job shell's `set -e`.
        Some((dotenv, outputs_file)) => format!(
            "(pipeline_encoded=\"$({})\" &&\n  printf '%s=%s\\n' {dotenv} \"$pipeline_encoded\" >> \"$CI_PROJECT_DIR/{outputs_file}\")",
            chain.join(" &&\n  ")
        ),
        None if chain.len() == 1 => chain.remove(0),
        None => format!("({})", chain.join(" &&\n  ")),
    };
    if let Some(what) = continue_on_error {
        run = format!(
            "{run} ||\n  echo {} >&2",
            expr::quote(&format!("{what} failed; continuing (continue on error)"))
        );
    }
    if let Some(what) = record {
        run = format!("{run} ||\n  PIPELINE_FAILED={}", expr::quote(what));
    }
    text.push_str(&run);
    text.push('\n');
    if let Some(test) = test {
        text = format!("if {test}; then\n{text}fi\n");
    }
    text
}

/// The entry after a step that exports state: the job's shell sources the step's state file
/// (written only when the step succeeded), so every later step sees the exports
/// (docs/SEMANTICS.md, section 17).
pub(crate) fn source_state(index: usize) -> String {
    let file = format!("\"${STEPS_DIR}/step-{}.state.sh\"", index + 1);
    format!("if [ -f {file} ]; then . {file}; fi")
}

/// Generated text that runs in the job's own shell (an AWS role that exports credentials to the
/// later steps), under the step's guard.
pub(crate) fn in_job_shell(body: &str, test: Option<&str>) -> String {
    let text = ensure_newline(body);
    match test {
        Some(test) => format!("if {test}; then\n{text}fi\n"),
        None => text,
    }
}

fn ensure_newline(body: &str) -> String {
    if body.ends_with('\n') {
        body.to_owned()
    } else {
        format!("{body}\n")
    }
}

/// The first entry of `script:` (and of `after_script:`): the steps directory, and the job's
/// environment variables that carry job outputs, decoded (docs/SEMANTICS.md, section 8).
pub(crate) fn prologue(job_env: &Env, steps: bool, decoded: &mut usize) -> Option<String> {
    let mut with_outputs = Env::new();
    for (name, value) in job_env.iter() {
        if value.outputs().next().is_some() {
            with_outputs.insert(name.clone(), value.clone());
        }
    }
    let mut lines = Vec::new();
    if steps {
        lines.push(steps_dir_entry());
    }
    lines.extend(exports(&with_outputs, decoded));
    (!lines.is_empty()).then(|| entry(lines.join("\n") + "\n"))
}

/// The check that each path of an upload matches a file (globs expanded as the artifact's
/// staging does on the other platforms: `globstar`, hidden files included).
pub(crate) fn uploaded_paths_exist(artifact: &str, paths: &[String]) -> String {
    format!(
        "shopt -s globstar nullglob dotglob\n{}",
        crate::shell::path_checks(artifact, paths)
    )
}

/// A single-line entry loses its final newline (reads as a plain YAML string).
pub(crate) fn entry(text: String) -> String {
    match text.strip_suffix('\n') {
        Some(one) if !one.contains('\n') => one.to_owned(),
        _ => text,
    }
}

/// Environment variables as shell statements (`export NAME=word`): a secret (or any single
/// variable) of the same name is already in the environment and needs none; a job output is
/// decoded from its encoded dotenv form first (docs/SEMANTICS.md, section 8). `decoded` counts
/// the decoding variables of the job.
pub(crate) fn exports(env: &Env, decoded: &mut usize) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in env.iter() {
        let outputs = value.outputs().next().is_some();
        if !outputs && expr::sole_variable(value).as_deref() == Some(name.as_str()) {
            continue;
        }
        if !outputs {
            out.push(format!("export {name}={}", expr::shell(value)));
            continue;
        }
        let mut word = String::new();
        collect(value, &mut word, &mut out, decoded);
        if word.is_empty() {
            word.push_str("''");
        }
        out.push(format!("export {name}={word}"));
    }
    out
}

fn collect(value: &Expr, word: &mut String, lines: &mut Vec<String>, decoded: &mut usize) {
    for part in value.parts() {
        match part {
            Expr::Concat(inner) => inner.iter().for_each(|p| collect(p, word, lines, decoded)),
            Expr::Output(o) => {
                *decoded += 1;
                let var = format!("pipeline_output_{decoded}");
                lines.push(crate::shell::decode(&var, &expr::dotenv_name(o)));
                word.push_str(&format!("\"${{{var}}}\""));
            }
            Expr::Literal(s) if s.is_empty() => {}
            other => word.push_str(&expr::shell(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::{Event, Expr};

    #[test]
    fn each_step_is_a_file_run_by_its_own_bash() {
        assert_eq!(
            wrap(0, "make test", &[], None, None, None, None, None),
            "cat > \"$PIPELINE_STEPS/step-1.sh\" <<'PIPELINE_SCRIPT'\nmake test\nPIPELINE_SCRIPT\nbash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-1.sh\" < /dev/null\n"
        );
    }

    #[test]
    fn env_and_directory_apply_to_the_step_process() {
        let mut env = Env::new();
        env.insert("A", "x y");
        env.insert("TOKEN", Expr::secret("TOKEN"));
        env.insert("REF", pipeline_core::Builtin::RefName);
        env.insert(
            "V",
            Expr::concat(["v".into(), pipeline_core::OutputRef::new("build", "version").into()]),
        );
        let mut decoded = 0;
        let text = wrap(
            1,
            "make",
            &exports(&env, &mut decoded),
            Some("docs"),
            None,
            None,
            None,
            None,
        );
        assert_eq!(decoded, 1);
        assert!(
            text.ends_with(
                "(cd 'docs' &&\n  export A='x y' &&\n  export REF=\"${CI_COMMIT_REF_NAME}\" &&\n  printf -v pipeline_output_1 '%b' \"${BUILD_VERSION//%/\\\\x}\" &&\n  export V='v'\"${pipeline_output_1}\" &&\n  bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-2.sh\" < /dev/null)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn continue_on_error_and_outputs() {
        let text = wrap(0, "false", &[], None, None, Some("step 1"), None, None);
        assert!(
            text.ends_with("< /dev/null ||\n  echo 'step 1 failed; continuing (continue on error)' >&2\n"),
            "{text}"
        );
        let text = wrap(0, "echo 1", &[], None, None, None, Some(("BUILD_V", ".o.env")), None);
        assert!(
            text.ends_with("(pipeline_encoded=\"$(bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-1.sh\" < /dev/null)\" &&\n  printf '%s=%s\\n' BUILD_V \"$pipeline_encoded\" >> \"$CI_PROJECT_DIR/.o.env\")\n"),
            "{text}"
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
            Some("[ -n \"${PIPELINE_FAILED:-}\" ] && [ \"${CI_PIPELINE_SOURCE:-}\" != 'schedule' ]")
        );
        assert!(g.after);
        let g = guard(Some(&Condition::always())).unwrap_or_else(|_| panic!("guard"));
        assert!(g.after && g.test.is_none());
        assert!(guard(Some(&!Condition::always())).is_err());
        let text = in_job_shell("echo hi", Some("[ -n \"${CI_COMMIT_TAG:-}\" ]"));
        assert_eq!(text, "if [ -n \"${CI_COMMIT_TAG:-}\" ]; then\necho hi\nfi\n");
    }
}
