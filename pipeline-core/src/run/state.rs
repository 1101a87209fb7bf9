//! Step state in the local runner (docs/SEMANTICS.md, section 20): the files a step writes its
//! exports to, read after it succeeds with the same rules as the generated bash.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::step::Step;
use crate::step::state::{ENV_FILE, OUTPUT_FILE, PATH_FILE};

/// What the earlier steps of a job exported.
#[derive(Default)]
pub(crate) struct JobState {
    /// Exported variables, in the order first set.
    env: Vec<(String, String)>,
    /// Directories added to `PATH`, first the one added last.
    path: Vec<String>,
    /// Step outputs by (step id, name).
    outputs: BTreeMap<(String, String), String>,
}

/// The three files of one step.
pub(crate) struct StateFiles {
    env: PathBuf,
    path: PathBuf,
    output: PathBuf,
}

impl StateFiles {
    /// Creates the empty files of step `index` under `dir`.
    pub(crate) fn create(dir: &Path, index: usize) -> std::io::Result<Self> {
        let dir = dir.join(format!("state-{}", index + 1));
        std::fs::create_dir_all(&dir)?;
        let files = Self {
            env: dir.join("env"),
            path: dir.join("path"),
            output: dir.join("output"),
        };
        for f in [&files.env, &files.path, &files.output] {
            std::fs::write(f, "")?;
        }
        Ok(files)
    }

    /// The variables naming the files, for the step's environment.
    pub(crate) fn vars(&self) -> Vec<(String, String)> {
        [
            (ENV_FILE, &self.env),
            (PATH_FILE, &self.path),
            (OUTPUT_FILE, &self.output),
        ]
        .into_iter()
        .map(|(n, p)| (n.to_owned(), p.to_string_lossy().into_owned()))
        .collect()
    }
}

/// The `NAME=value` lines of `text`, each name among `declared` (a message otherwise).
fn pairs<'t>(text: &'t str, file: &str, declared: &[&str]) -> Result<Vec<(&'t str, &'t str)>, String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!(
                "step state: a line of ${file} has no '=' (expected NAME=value)"
            ));
        };
        if !declared.contains(&name) {
            return Err(format!("step state: {name} in ${file} is not declared by the step"));
        }
        out.push((name, value));
    }
    Ok(out)
}

impl JobState {
    /// Reads the files `files` of `step` (which ran in `cwd`) after it succeeded.
    pub(crate) fn collect(&mut self, step: &Step, files: &StateFiles, cwd: &Path) -> Result<(), String> {
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("step state: cannot read {}: {e}", p.display()));
        let env_names: Vec<&str> = step.state.env.iter().map(|n| n.as_str()).collect();
        let output_names: Vec<&str> = step.state.outputs.iter().map(|n| n.as_str()).collect();
        let env_text = read(&files.env)?;
        let output_text = read(&files.output)?;
        let path_text = read(&files.path)?;
        let env = pairs(&env_text, ENV_FILE, &env_names)?;
        let outputs = pairs(&output_text, OUTPUT_FILE, &output_names)?;
        let dirs: Vec<&str> = path_text.lines().filter(|l| !l.is_empty()).collect();
        if !step.state.path && !dirs.is_empty() {
            return Err(format!(
                "step state: ${PATH_FILE} is written but the step does not declare adds_path"
            ));
        }
        for (name, value) in env {
            self.env.retain(|(n, _)| n != name);
            self.env.push((name.to_owned(), value.to_owned()));
        }
        let id = step.id_str().unwrap_or_default();
        for (name, value) in outputs {
            self.outputs.insert((id.to_owned(), name.to_owned()), value.to_owned());
        }
        for dir in dirs {
            let abs = if dir.starts_with('/') {
                PathBuf::from(dir)
            } else {
                cwd.join(dir)
            };
            self.path.insert(0, abs.to_string_lossy().into_owned());
        }
        Ok(())
    }

    /// Output `name` of step `step`, if it was exported.
    pub(crate) fn output(&self, step: &str, name: &str) -> Option<String> {
        self.outputs.get(&(step.to_owned(), name.to_owned())).cloned()
    }

    /// Applies the exports to a step's environment `env` (pipeline and job values already in it;
    /// the step's own `env` names, in `own`, win).
    pub(crate) fn apply(&self, env: &mut Vec<(String, String)>, own: &dyn Fn(&str) -> bool) {
        for (name, value) in &self.env {
            if own(name) {
                continue;
            }
            env.retain(|(n, _)| n != name);
            env.push((name.clone(), value.clone()));
        }
        if !self.path.is_empty() {
            let base = env
                .iter()
                .find(|(n, _)| n == "PATH")
                .map(|(_, v)| v.clone())
                .or_else(|| std::env::var("PATH").ok())
                .unwrap_or_default();
            env.retain(|(n, _)| n != "PATH");
            env.push(("PATH".to_owned(), format!("{}:{base}", self.path.join(":"))));
        }
    }
}
