//! The bash every backend generates for the portable step semantics (docs/SEMANTICS.md): one
//! process per step, set-output steps with encoded values and a size limit, and artifact staging
//! with workspace-relative paths. One text, three platforms, so they behave alike.

// Each platform uses some of these: a build with fewer than the three leaves some unused.
#![cfg_attr(
    not(all(feature = "github", feature = "gitlab", feature = "codepipeline")),
    allow(dead_code)
)]

use pipeline_core::semantics::{OUTPUT_MAX_ENCODED_BYTES, PLAIN_OUTPUT_PATTERN};

/// How a step process is started: `bash --noprofile --norc -eo pipefail FILE < /dev/null`.
pub(crate) fn run_file(file: &str) -> String {
    format!("bash --noprofile --norc -eo pipefail {file} < /dev/null")
}

/// A heredoc delimiter starting with `base` that is no line of `body`.
pub(crate) fn delimiter(base: &str, body: &str) -> String {
    let mut d = base.to_owned();
    while body.lines().any(|l| l == d) {
        d.push('_');
    }
    d
}

/// `cat > FILE <<'DELIM'` with `body` (verbatim) and the delimiter line.
pub(crate) fn write_file(file: &str, body: &str, base: &str) -> String {
    let body = body.strip_suffix('\n').unwrap_or(body);
    let d = delimiter(base, body);
    format!("cat > {file} <<'{d}'\n{body}\n{d}")
}

/// Bash that runs the set-output `command` as a step process (its standard output, trailing
/// newlines removed, is the value), encodes it, and stops with an error when the encoded form is
/// larger than the limit. Leaves `pipeline_value` and `pipeline_encoded` set. `file` is where
/// the command is written (a shell word).
pub(crate) fn output_value(name: &str, command: &str, file: &str) -> String {
    let mut s = write_file(file, command, "PIPELINE_COMMAND");
    s.push('\n');
    s.push_str(&format!("pipeline_value=\"$({})\"\n", run_file(file)));
    s.push_str(&format!(
        "pipeline_encoded=''
pipeline_encode() {{
  local LC_ALL=C s=\"$1\" c h i
  for (( i = 0; i < ${{#s}}; i++ )); do
    c=\"${{s:i:1}}\"
    case \"$c\" in
      {PLAIN_OUTPUT_PATTERN}) pipeline_encoded+=\"$c\" ;;
      *) printf -v h '%%%02X' \"'$c\"; pipeline_encoded+=\"$h\" ;;
    esac
  done
}}
pipeline_encode \"$pipeline_value\"
if [ \"${{#pipeline_encoded}}\" -gt {OUTPUT_MAX_ENCODED_BYTES} ]; then
  echo \"output {name} is larger than {OUTPUT_MAX_ENCODED_BYTES} bytes encoded (${{#pipeline_encoded}})\" >&2
  exit 1
fi
"
    ));
    s
}

/// The set-output step for platforms that carry the encoded form (GitLab, CodeBuild): a script
/// that prints the encoded value and nothing else.
pub(crate) fn print_encoded_output(name: &str, command: &str, file: &str) -> String {
    let mut s = output_value(name, command, file);
    s.push_str("printf '%s' \"$pipeline_encoded\"\n");
    s
}

/// Bash decoding the encoded output in variable `from` into variable `to`.
pub(crate) fn decode(to: &str, from: &str) -> String {
    format!("printf -v {to} '%b' \"${{{from}//%/\\\\x}}\"")
}

/// The GitHub set-output step: the value goes to `$GITHUB_OUTPUT` as is, between random
/// delimiter lines that are no line of the value.
pub(crate) fn github_output(name: &str, command: &str) -> String {
    let file = format!("\"$RUNNER_TEMP/pipeline-output-{name}.sh\"");
    let mut s = output_value(name, command, &file);
    s.push_str(&format!(
        "pipeline_delimiter=''
while [ -z \"$pipeline_delimiter\" ] || printf '%s\\n' \"$pipeline_value\" | grep -qxF -e \"$pipeline_delimiter\"; do
  pipeline_delimiter=\"pipeline_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\"
done
printf '%s<<%s\\n%s\\n%s\\n' {name} \"$pipeline_delimiter\" \"$pipeline_value\" \"$pipeline_delimiter\" >> \"$GITHUB_OUTPUT\"
"
    ));
    s
}

fn has_glob(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// A POSIX single-quoted word (plain when it needs no quoting); globs stay unquoted.
fn word(p: &str) -> String {
    if has_glob(p) {
        return p.to_owned();
    }
    let plain = !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=' | '+' | ','));
    if plain {
        p.to_owned()
    } else {
        format!("'{}'", p.replace('\'', r"'\''"))
    }
}

/// Bash lines (under `shopt -s globstar nullglob dotglob`) that fail with a message when a path
/// or glob of an upload matches no file: the upload step fails on every platform
/// (docs/SEMANTICS.md, section 7).
pub(crate) fn path_checks(artifact: &str, paths: &[String]) -> String {
    let mut s = String::new();
    for p in paths {
        let p = normal(p);
        let message = word_quoted(&format!("artifact {artifact}: {p} matches no file"));
        if has_glob(&p) {
            s.push_str(&format!(
                "set -- {p}\n[ \"$#\" -gt 0 ] || {{ echo {message} >&2; exit 1; }}\n"
            ));
        } else {
            s.push_str(&format!("[ -e {} ] || {{ echo {message} >&2; exit 1; }}\n", word(&p)));
        }
    }
    s
}

fn normal(p: &str) -> String {
    let comps: Vec<&str> = p.trim_end_matches('/').split('/').filter(|c| *c != ".").collect();
    comps.join("/")
}

fn word_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Bash copying the files `paths` (relative to the workspace, globs allowed) into directory
/// `dest` (a shell word, absolute or relative to the workspace), each at its path relative to
/// the workspace: the one artifact layout (docs/SEMANTICS.md, section 7). Run in the workspace;
/// fails when a path matches no file.
pub(crate) fn stage_artifact(artifact: &str, paths: &[String], dest: &str) -> String {
    let rels: Vec<String> = paths.iter().map(|p| word(&normal(p))).collect();
    format!(
        "rm -rf {dest} && mkdir -p {dest} && (\nshopt -s globstar nullglob dotglob\n{}tar -cf - {} | tar -xf - -C {dest}\n)",
        path_checks(artifact, paths),
        rels.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_keeps_workspace_relative_paths_and_checks_each_path() {
        assert_eq!(
            stage_artifact(
                "a",
                &["dist/app.zip".into(), "./README.md".into(), "out/**/*.xml".into()],
                "\"$D\""
            ),
            "rm -rf \"$D\" && mkdir -p \"$D\" && (\nshopt -s globstar nullglob dotglob\n[ -e dist/app.zip ] || { echo 'artifact a: dist/app.zip matches no file' >&2; exit 1; }\n[ -e README.md ] || { echo 'artifact a: README.md matches no file' >&2; exit 1; }\nset -- out/**/*.xml\n[ \"$#\" -gt 0 ] || { echo 'artifact a: out/**/*.xml matches no file' >&2; exit 1; }\ntar -cf - dist/app.zip README.md out/**/*.xml | tar -xf - -C \"$D\"\n)"
        );
    }

    #[test]
    fn delimiters_avoid_lines_of_the_body() {
        assert_eq!(delimiter("EOF", "a\nEOF\nEOF_\n"), "EOF__");
        assert_eq!(
            write_file("f", "echo hi\n", "PIPELINE_SCRIPT"),
            "cat > f <<'PIPELINE_SCRIPT'\necho hi\nPIPELINE_SCRIPT"
        );
    }
}

/// Where the exports of a step go (docs/SEMANTICS.md, section 17).
pub(crate) enum StateSink<'a> {
    /// GitHub's own files: `$GITHUB_ENV`, `$GITHUB_PATH`, `$GITHUB_OUTPUT`.
    Github,
    /// A bash file (a shell word) that the job's shell sources after the step: `export` lines,
    /// `PATH` prepends, and one shell variable per output ([`step_output_var`]).
    File { file: &'a str, step: &'a str },
}

/// The shell variable holding output `name` of step `step` in a job's shell (GitLab,
/// CodeBuild): `pipeline_step_<step>_s_<name>`, with `_` and `-` of the step id written `_u`
/// and `_d`, so two steps never share a variable.
pub(crate) fn step_output_var(step: &str, name: &str) -> String {
    let id: String = step
        .chars()
        .map(|c| match c {
            '_' => "_u".to_owned(),
            '-' => "_d".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!("pipeline_step_{id}_s_{name}")
}

/// The bash that runs a step declaring exports (`state`): the step's text (`body`) is written to
/// a file in a fresh temporary directory and run as its own process with `PIPELINE_ENV`, `PIPELINE_PATH` and `PIPELINE_OUTPUT`
/// naming fresh empty files; when it succeeds, each line is checked against the declarations
/// and handed to `sink` (docs/SEMANTICS.md, section 17). Runs under `bash -eo pipefail`.
pub(crate) fn state_step(body: &str, state: &pipeline_core::StepState, sink: &StateSink<'_>) -> String {
    use pipeline_core::step::state::{ENV_FILE, OUTPUT_FILE, PATH_FILE};
    let file = "\"$pipeline_state/step.sh\"";
    let mut s = "pipeline_state=\"$(mktemp -d)\"\n".to_owned();
    s.push_str(&write_file(file, body, "PIPELINE_STEP"));
    s.push_str("\n: > \"$pipeline_state/env\"\n: > \"$pipeline_state/path\"\n: > \"$pipeline_state/output\"\n");
    s.push_str(&format!(
        "{ENV_FILE}=\"$pipeline_state/env\" {PATH_FILE}=\"$pipeline_state/path\" {OUTPUT_FILE}=\"$pipeline_state/output\" {}\n",
        run_file(file)
    ));
    let target = match sink {
        StateSink::Github => None,
        StateSink::File { file, .. } => {
            s.push_str(&format!(": > {file}.tmp\n"));
            Some(*file)
        }
    };
    let append = |what: &str| match (sink, target) {
        (StateSink::Github, _) => format!(" >> \"$GITHUB_{what}\""),
        (_, Some(f)) => format!(" >> {f}.tmp"),
        _ => String::new(),
    };
    let pairs = |kind: &str, var: &str, cases: Vec<String>| {
        let mut t = "while IFS= read -r pipeline_line || [ -n \"$pipeline_line\" ]; do\n  [ -n \"$pipeline_line\" ] || continue\n  case \"$pipeline_line\" in\n".to_owned();
        for c in cases {
            t.push_str(&format!("    {c}\n"));
        }
        t.push_str(&format!(
            "    *=*) echo \"step state: ${{pipeline_line%%=*}} in \\${var} is not declared by the step\" >&2; exit 1 ;;\n    *) echo \"step state: a line of \\${var} has no '=' (expected NAME=value)\" >&2; exit 1 ;;\n  esac\ndone < \"$pipeline_state/{kind}\"\n"
        ));
        t
    };
    let env_cases = state
        .env
        .iter()
        .map(|n| match sink {
            StateSink::Github => format!("{n}=*) printf '%s\\n' \"$pipeline_line\"{} ;;", append("ENV")),
            StateSink::File { .. } => {
                format!(
                    "{n}=*) printf 'export {n}=%q\\n' \"${{pipeline_line#*=}}\"{} ;;",
                    append("")
                )
            }
        })
        .collect();
    s.push_str(&pairs("env", ENV_FILE, env_cases));
    let output_cases = state
        .outputs
        .iter()
        .map(|n| match sink {
            StateSink::Github => format!("{n}=*) printf '%s\\n' \"$pipeline_line\"{} ;;", append("OUTPUT")),
            StateSink::File { step, .. } => format!(
                "{n}=*) printf '{}=%q\\n' \"${{pipeline_line#*=}}\"{} ;;",
                step_output_var(step, n.as_str()),
                append("")
            ),
        })
        .collect();
    s.push_str(&pairs("output", OUTPUT_FILE, output_cases));
    if state.path {
        let line = match sink {
            StateSink::Github => format!("printf '%s\\n' \"$pipeline_line\"{}", append("PATH")),
            StateSink::File { .. } => format!("printf 'export PATH=%q:\"$PATH\"\\n' \"$pipeline_line\"{}", append("")),
        };
        s.push_str(&format!(
            "while IFS= read -r pipeline_line || [ -n \"$pipeline_line\" ]; do\n  [ -n \"$pipeline_line\" ] || continue\n  case \"$pipeline_line\" in /*) ;; *) pipeline_line=\"$PWD/$pipeline_line\" ;; esac\n  {line}\ndone < \"$pipeline_state/path\"\n"
        ));
    } else {
        s.push_str(&format!(
            "if grep -q . \"$pipeline_state/path\"; then\n  echo \"step state: \\${PATH_FILE} is written but the step does not declare adds_path\" >&2\n  exit 1\nfi\n"
        ));
    }
    if let Some(f) = target {
        s.push_str(&format!("mv {f}.tmp {f}\n"));
    }
    s.push_str("rm -rf \"$pipeline_state\"\n");
    s
}

/// A shell test of a portable text condition on the value of `$var`: a `case` whose pattern
/// matches ASCII letters in either case (`[mM][aA]…`) and everything else quoted, so the value
/// stays data. An unset variable holds no text and matches no (non-empty) value.
pub(crate) fn text_test(var: &str, op: pipeline_core::TextOp, value: &str, positive: bool) -> String {
    use pipeline_core::TextOp;
    let mut pattern = String::new();
    let mut quoted = String::new();
    let flush = |pattern: &mut String, quoted: &mut String| {
        if !quoted.is_empty() {
            pattern.push('\'');
            pattern.push_str(&quoted.replace('\'', "'\\''"));
            pattern.push('\'');
            quoted.clear();
        }
    };
    for c in value.chars() {
        if c.is_ascii_alphabetic() {
            flush(&mut pattern, &mut quoted);
            pattern.push('[');
            pattern.push(c.to_ascii_lowercase());
            pattern.push(c.to_ascii_uppercase());
            pattern.push(']');
        } else {
            quoted.push(c);
        }
    }
    flush(&mut pattern, &mut quoted);
    let pattern = match op {
        TextOp::Equals => pattern,
        TextOp::StartsWith => format!("{pattern}*"),
        TextOp::EndsWith => format!("*{pattern}"),
        TextOp::Contains => format!("*{pattern}*"),
    };
    let (yes, no) = if positive { ("true", "false") } else { ("false", "true") };
    format!("case \"${{{var}:-}}\" in {pattern}) {yes} ;; *) {no} ;; esac")
}

#[cfg(test)]
mod state_tests {
    use super::*;
    use pipeline_core::Step;

    fn temp(label: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("pipeline-state-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    fn step() -> Step {
        Step::script("x")
            .id("meta-data_1")
            .exports_env("GREETING")
            .adds_path()
            .exports_output("version")
    }

    const BODY: &str = "echo 'GREETING=a b' >> \"$PIPELINE_ENV\"\necho bin >> \"$PIPELINE_PATH\"\necho \"version=it's \\$x\" >> \"$PIPELINE_OUTPUT\"\n";

    fn bash(script: &str, dir: &std::path::Path, env: &[(&str, String)]) -> std::process::Output {
        let file = dir.join("wrapper.sh");
        std::fs::write(&file, script).expect("write");
        std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("bash")
    }

    #[test]
    fn github_sink_appends_to_the_runner_files() {
        let dir = temp("github");
        let s = step();
        let files: Vec<(&str, String)> = ["GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT"]
            .into_iter()
            .map(|n| (n, dir.join(n).to_string_lossy().into_owned()))
            .collect();
        let out = bash(&state_step(BODY, &s.state, &StateSink::Github), &dir, &files);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap_or_default();
        assert_eq!(read("GITHUB_ENV"), "GREETING=a b\n");
        assert_eq!(read("GITHUB_PATH"), format!("{}/bin\n", dir.display()));
        assert_eq!(read("GITHUB_OUTPUT"), "version=it's $x\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn file_sink_writes_a_sourceable_state_file_and_refuses_undeclared_names() {
        let dir = temp("file");
        let s = step();
        let state = dir.join("state.sh").to_string_lossy().into_owned();
        let word = format!("'{state}'");
        let sink = StateSink::File {
            file: &word,
            step: "meta-data_1",
        };
        let var = step_output_var("meta-data_1", "version");
        assert_eq!(var, "pipeline_step_meta_ddata_u1_s_version");
        let script = format!(
            "{}. '{state}'\nprintf '%s|%s|%s' \"$GREETING\" \"${{{var}}}\" \"${{PATH%%:*}}\"\n",
            state_step(BODY, &s.state, &sink)
        );
        let out = bash(&script, &dir, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("a b|it's $x|{}/bin", dir.display())
        );
        let bad = state_step("echo 'OTHER=1' >> \"$PIPELINE_OUTPUT\"", &s.state, &sink);
        let out = bash(&bad, &dir, &[]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("OTHER in $PIPELINE_OUTPUT is not declared by the step"));
        let undeclared_path = state_step(
            "echo bin >> \"$PIPELINE_PATH\"",
            &Step::script("x").exports_env("A").state,
            &sink,
        );
        assert!(!bash(&undeclared_path, &dir, &[]).status.success());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod text_tests {
    use super::text_test;
    use pipeline_core::TextOp;

    #[test]
    fn letters_in_either_case_and_the_rest_quoted() {
        assert_eq!(
            text_test("B", TextOp::StartsWith, "Rel/1'*", true),
            "case \"${B:-}\" in [rR][eE][lL]'/1'\\''*'*) true ;; *) false ;; esac"
        );
        assert_eq!(
            text_test("B", TextOp::Equals, "main", false),
            "case \"${B:-}\" in [mM][aA][iI][nN]) false ;; *) true ;; esac"
        );
    }
}
