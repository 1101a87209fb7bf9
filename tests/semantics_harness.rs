//! How tests/semantics.rs runs what the backends generate: the GitHub `run:` steps of a job each
//! in its own `bash --noprofile --norc -eo pipefail` with `$GITHUB_OUTPUT` read as the runner
//! reads it, a CodeBuild build phase's commands in one bash stopping at the first failing
//! command, and a GitLab file under `gitlab-ci-local --force-shell-executor`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pipeline_backends::Gitlab;
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use pipeline_core::{GeneratedFile, Header, RenderContext};
use pipeline_tests::readback::to_json;
use pipeline_tests::{TempDir, git, tools};
use saphyr::{LoadableYamlNode, YamlOwned};

// ---------------------------------------------------------------------------------------------
// Rendering and reading the generated files.

pub(crate) fn ctx() -> RenderContext {
    RenderContext {
        header: Header::new("semantics", "tests/semantics.rs", "cargo test"),
        root_in_repository: String::new(),
    }
}

pub(crate) fn generate(backend: &dyn Backend, p: &Pipeline) -> (Vec<GeneratedFile>, Diagnostics) {
    let mut d = pipeline_core::validate::validate_all(std::slice::from_ref(p));
    assert!(!d.has_errors(), "{d}");
    let files = backend.generate(std::slice::from_ref(p), &ctx(), &mut d);
    assert!(!d.has_errors(), "{d}");
    (files, d)
}

pub(crate) fn file<'a>(files: &'a [GeneratedFile], suffix: &str) -> &'a str {
    files
        .iter()
        .find(|f| f.path.as_str().ends_with(suffix))
        .map(|f| f.contents.as_str())
        .unwrap_or_else(|| panic!("no file ending in {suffix}"))
}

pub(crate) fn yaml(text: &str) -> serde_json::Value {
    let docs = YamlOwned::load_from_str(text).unwrap_or_else(|e| panic!("YAML: {e}\n{text}"));
    to_json(&docs[0])
}

pub(crate) fn bash(script: &str, dir: &Path, env: &[(String, String)]) -> tools::Output {
    let path = dir.join(".semantics-script.sh");
    std::fs::write(&path, script).expect("write script");
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&path)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env_remove("BASH_ENV");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tools::output(cmd);
    let _ = std::fs::remove_file(path);
    out
}

// ---------------------------------------------------------------------------------------------
// GitHub: each `run:` step of a job in its own bash, `$GITHUB_OUTPUT` read as GitHub reads it.

pub(crate) struct GithubRun {
    /// Every step's result, in order (`None` for a `uses:` step, which is not run).
    pub(crate) codes: Vec<Option<tools::Output>>,
    /// The step outputs, by step id.
    pub(crate) outputs: BTreeMap<String, BTreeMap<String, String>>,
}

pub(crate) fn github_job(workflow: &str, job: &str, workspace: &Path, temp: &Path) -> GithubRun {
    let doc = yaml(workflow);
    let steps = doc["jobs"][job]["steps"].as_array().cloned().unwrap_or_default();
    let mut run = GithubRun {
        codes: Vec::new(),
        outputs: BTreeMap::new(),
    };
    for (i, step) in steps.iter().enumerate() {
        let Some(script) = step["run"].as_str() else {
            run.codes.push(None);
            continue;
        };
        let output = temp.join(format!("output-{i}"));
        std::fs::write(&output, "").expect("write");
        let env = vec![
            ("RUNNER_TEMP".to_owned(), temp.to_string_lossy().into_owned()),
            ("GITHUB_OUTPUT".to_owned(), output.to_string_lossy().into_owned()),
        ];
        let out = bash(script, workspace, &env);
        let failed = out.code != 0;
        run.codes.push(Some(out));
        if let Some(id) = step["id"].as_str() {
            run.outputs.insert(
                id.to_owned(),
                github_outputs(&std::fs::read_to_string(&output).expect("read")),
            );
        }
        if failed {
            break;
        }
    }
    run
}

/// `$GITHUB_OUTPUT` as the runner parses it: `name=value`, or `name<<DELIM`, lines, `DELIM`.
pub(crate) fn github_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let equals = line.find('=');
        match (heredoc, equals) {
            (Some(h), e) if e.is_none_or(|e| h < e) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                let mut value: Vec<&str> = Vec::new();
                loop {
                    let l = lines.next().unwrap_or_else(|| panic!("unterminated {name}: {text:?}"));
                    if l == delimiter {
                        break;
                    }
                    value.push(l);
                }
                out.insert(name.to_owned(), value.join("\n"));
            }
            (_, Some(e)) => {
                out.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            _ => panic!("bad line {line:?}"),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CodeBuild: the build phase's commands in one bash, stopping at the first failing command.

pub(crate) fn codebuild_commands(
    template: &str,
    project: &str,
) -> (Vec<String>, BTreeMap<String, String>, Vec<String>) {
    let doc = yaml(template);
    let text = doc["Resources"][project]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap_or_else(|| panic!("no buildspec for {project}"))
        .to_owned();
    let spec = yaml(&text);
    let commands = spec["phases"]["build"]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .map(|c| c.as_str().expect("a string").to_owned())
        .collect();
    let vars = spec["env"]["variables"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let exported = spec["env"]["exported-variables"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    (commands, vars, exported)
}

/// Runs a build; returns its output and the exported variables' values.
pub(crate) fn codebuild_run(
    template: &str,
    project: &str,
    workspace: &Path,
    scripts: &Path,
    env: &[(String, String)],
) -> (tools::Output, BTreeMap<String, String>) {
    let (commands, vars, exported) = codebuild_commands(template, project);
    let mut script = String::new();
    for (k, v) in &vars {
        script.push_str(&format!("export {k}='{}'\n", v.replace('\'', r"'\''")));
    }
    for c in &commands {
        // The generated scripts go to /tmp/pipeline; each test run gets its own directory.
        let c = c.replace("/tmp/pipeline", &scripts.to_string_lossy());
        script.push_str(&format!(
            "set +e\n{c}\npipeline_rc=$?\nif [ \"$pipeline_rc\" -ne 0 ]; then exit \"$pipeline_rc\"; fi\n"
        ));
    }
    let values = scripts.join("exported");
    std::fs::create_dir_all(&values).expect("mkdir");
    for name in &exported {
        script.push_str(&format!(
            "printf '%s' \"${{{name}:-}}\" > '{}/{name}'\n",
            values.display()
        ));
    }
    let mut env = env.to_vec();
    env.push(("CODEBUILD_SRC_DIR".into(), workspace.to_string_lossy().into_owned()));
    let out = bash(&script, workspace, &env);
    let read = exported
        .iter()
        .filter_map(|n| std::fs::read_to_string(values.join(n)).ok().map(|v| (n.clone(), v)))
        .collect();
    (out, read)
}

// ---------------------------------------------------------------------------------------------
// GitLab: gitlab-ci-local in a committed repository.

/// Runs the GitLab lowering of `p` under gitlab-ci-local; `None` when the tool is missing.
pub(crate) fn gitlab_run(label: &str, p: &Pipeline, dir: &TempDir) -> Option<(tools::Output, PathBuf)> {
    let (files, _) = generate(&Gitlab::new(), p);
    let work = dir.path().join(label);
    std::fs::create_dir_all(&work).expect("mkdir");
    git(&work, &["init", "-q"]);
    git(&work, &["checkout", "-q", "-b", "main"]);
    std::fs::write(work.join("README.md"), "semantics\n").expect("write");
    std::fs::write(work.join(".gitlab-ci.yml"), file(&files, ".gitlab-ci.yml")).expect("write");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "probe"]);
    let mut cmd = tools::gitlab_ci_local(&work)?;
    cmd.args(["--force-shell-executor", "--shell-isolation"]);
    Some((tools::output(cmd), work))
}

pub(crate) fn read_bytes(path: &Path, log: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}\n{log}", path.display()))
}
