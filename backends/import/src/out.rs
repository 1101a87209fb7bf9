//! What an import produces: Rust code for each pipeline, the escape hatches it needed and why,
//! and the per-file summary.

use std::fmt::Write as _;

use crate::yaml::Node;

/// A Rust string literal.
pub(crate) fn lit(s: &str) -> String {
    // Multi-line text (scripts) as a raw string, so the module reads like the original.
    if s.contains('\n')
        && !s.contains("\"#")
        && !s.contains('\r')
        && s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t')
    {
        return format!("r#\"{s}\"#");
    }
    format!("{s:?}")
}

/// Rust code building the `pipeline_core::yaml::Value` of `node` (an escape hatch's payload).
pub(crate) fn value(node: &Node) -> String {
    match node {
        Node::Scalar(s, true, None, _) if s == "true" || s == "false" => format!("Value::Bool({s})"),
        Node::Scalar(s, true, None, _) if s.parse::<i64>().is_ok() => format!("Value::Int({s})"),
        n @ Node::Scalar(s, ..) if n.is_null() && s.is_empty() || n.is_null() => "Value::Null".to_string(),
        Node::Scalar(s, _, Some(tag), _) if tag.starts_with("!pinned:") => {
            format!(
                "Value::Commented(Box::new(Value::from({})), {}.into())",
                lit(s),
                lit(&tag["!pinned:".len()..])
            )
        }
        Node::Scalar(s, ..) => format!("Value::from({})", lit(s)),
        Node::Seq(items, ..) => format!(
            "Value::Seq(vec![{}])",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries, _) => {
            let mut out = String::from("map(vec![");
            for (k, v) in entries {
                let _ = write!(out, "({}, {}), ", lit(k.str().unwrap_or_default()), value(v));
            }
            out.push_str("])");
            out
        }
    }
}

/// Where an escape hatch writes its value in the emitted document.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A key of the document's root.
    Root(String),
    /// A key of a job (GitHub: under `jobs`; GitLab: at the root).
    Job(String, String),
    /// A whole job.
    WholeJob(String),
    /// A step of a job, found by the placeholder step's name.
    Step(String, String),
}

/// One escape hatch: the original YAML written into the output by a patch, and why.
#[derive(Clone, Debug)]
pub(crate) struct Hatch {
    /// Why it has no typed form.
    pub(crate) why: String,
    /// Where it goes.
    pub(crate) target: Target,
    /// The original value.
    pub(crate) value: Node,
    /// Where it came from: `file:line:column`.
    pub(crate) at: String,
}

/// One pipeline's code and counts.
#[derive(Debug, Default)]
pub(crate) struct PipelineCode {
    /// The function's name.
    pub(crate) func: String,
    /// The pipeline's id.
    pub(crate) id: String,
    /// The builder expression (`Pipeline::new(..)...`), without patches.
    pub(crate) body: String,
    /// Escape hatches.
    pub(crate) hatches: Vec<Hatch>,
    /// Jobs, and how many of them needed no escape hatch.
    pub(crate) jobs: usize,
    /// Jobs without escape hatches.
    pub(crate) jobs_typed: usize,
    /// Steps.
    pub(crate) steps: usize,
    /// Steps with a typed form.
    pub(crate) steps_typed: usize,
    /// GitLab runner map entries its runner axes need (runner code, tags).
    pub(crate) gitlab_runners: Vec<(String, Vec<String>)>,
}

/// Per-file summary of an import.
#[derive(Debug, Default)]
pub struct Summary {
    /// The file.
    pub file: String,
    /// Pipelines in it.
    pub pipelines: usize,
    /// Jobs.
    pub jobs: usize,
    /// Jobs with no escape hatch.
    pub jobs_typed: usize,
    /// Steps.
    pub steps: usize,
    /// Steps with a typed form.
    pub steps_typed: usize,
    /// Each escape hatch: where and why.
    pub hatches: Vec<(String, String)>,
}

impl Summary {
    /// The summary as text, one line then one line per escape hatch.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{}: {} pipeline(s), jobs {}/{} typed, steps {}/{} typed, {} escape hatch(es)\n",
            self.file,
            self.pipelines,
            self.jobs_typed,
            self.jobs,
            self.steps_typed,
            self.steps,
            self.hatches.len()
        );
        for (at, why) in &self.hatches {
            let _ = writeln!(out, "  escape hatch at {at}: {why}");
        }
        out
    }
}

/// The `.patch(..)` calls of pipeline `id`, each with its `// why` comment.
pub(crate) fn patches(platform: &str, id: &str, hatches: &[Hatch]) -> String {
    let mut out = String::new();
    for h in hatches {
        let v = value(&h.value);
        let call = match &h.target {
            Target::Root(key) => format!("set(doc, &[], {}, {v})", lit(key)),
            Target::Job(job, key) if platform == "github" => {
                format!("set(doc, &[\"jobs\", {}], {}, {v})", lit(job), lit(key))
            }
            // GitLab job keys carry the pipeline id when several pipelines are generated together.
            Target::Job(job, key) => format!(
                "{{ let job = gitlab_job(doc, {}, {}); set(doc, &[&job], {}, {v}) }}",
                lit(id),
                lit(job),
                lit(key)
            ),
            Target::WholeJob(job) if platform == "github" => format!("set(doc, &[\"jobs\"], {}, {v})", lit(job)),
            Target::WholeJob(job) => format!(
                "{{ let job = gitlab_job(doc, {}, {}); set(doc, &[], &job, {v}) }}",
                lit(id),
                lit(job)
            ),
            Target::Step(job, marker) => format!("replace_step(doc, {}, {}, {v})", lit(job), lit(marker)),
        };
        let why = h.why.replace('\n', " ");
        let _ = write!(
            out,
            "\n// why: {why} ({})\n.patch({platform:?}, |_file, doc| {call})",
            h.at
        );
    }
    out
}

/// The helpers the patches call, included once per module that has patches.
pub(crate) const HELPERS: &str = r#"
/// A mapping value from its entries.
fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(m)
}

/// Sets `key` of the mapping at `path` (an escape hatch: the imported value as it was).
fn set(doc: &mut Value, path: &[&str], key: &str, value: Value) {
    let mut here = doc;
    for segment in path {
        match here.as_map_mut().and_then(|m| m.get_mut(segment)) {
            Some(next) => here = next,
            None => return,
        }
    }
    if let Some(m) = here.as_map_mut() {
        m.insert(key, value);
    }
}

/// The key of GitLab job `job` of pipeline `pipeline` in the emitted file: `<pipeline>:<job>`
/// when several pipelines are generated together (one file each, included by the root file).
#[allow(dead_code)]
fn gitlab_job(doc: &Value, pipeline: &str, job: &str) -> String {
    let prefixed = format!("{pipeline}:{job}");
    if doc.as_map().is_some_and(|m| m.get(&prefixed).is_some()) {
        prefixed
    } else {
        job.to_string()
    }
}

/// Replaces the GitHub step named `marker` of job `job` (an imported step without a typed form).
#[allow(dead_code)]
fn replace_step(doc: &mut Value, job: &str, marker: &str, step: Value) {
    let steps = doc
        .as_map_mut()
        .and_then(|m| m.get_mut("jobs"))
        .and_then(Value::as_map_mut)
        .and_then(|m| m.get_mut(job))
        .and_then(Value::as_map_mut)
        .and_then(|m| m.get_mut("steps"));
    if let Some(Value::Seq(steps)) = steps {
        for s in steps.iter_mut() {
            if s.as_map().and_then(|m| m.get("name")).and_then(Value::as_str) == Some(marker) {
                *s = step.clone();
            }
        }
    }
}
"#;

/// The whole module: header, imports, one function per pipeline, helpers when patches need them.
pub(crate) fn module(sources: &[String], pipelines: &[(String, PipelineCode)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Pipelines imported by pipeline-import from {}.",
        sources.join(", ")
    );
    out.push_str("//! Each `// why:` comment marks an escape hatch: replace it with a typed form when one exists.\n\n");
    out.push_str("#![allow(unused_imports)]\n\nuse pipeline_backends::github::GithubJob;\nuse pipeline_backends::gitlab::{GitlabJob, GitlabRunners};\nuse pipeline_core::prelude::*;\nuse pipeline_core::yaml::{Map, Value};\n\n");
    let mut any_patch = false;
    for (platform, p) in pipelines {
        any_patch |= !p.hatches.is_empty();
        let _ = write!(
            out,
            "/// Imported {} pipeline `{}`.\npub fn {}() -> Pipeline {{\n{}{}\n}}\n\n",
            platform,
            p.func,
            p.func,
            p.body,
            patches(platform, &p.id, &p.hatches)
        );
    }
    let mut runners: Vec<&(String, Vec<String>)> = Vec::new();
    for r in pipelines.iter().flat_map(|(_, p)| &p.gitlab_runners) {
        if !runners.contains(&r) {
            runners.push(r);
        }
    }
    if !runners.is_empty() {
        out.push_str("/// The GitLab runner map the imported runner axes use (their cells' tags): pass it to\n/// `Gitlab::new().runners(gitlab_runners())`.\npub fn gitlab_runners() -> GitlabRunners {\nGitlabRunners::hosted()");
        for (runner, tags) in runners {
            let tags: Vec<String> = tags.iter().map(|t| lit(t)).collect();
            let _ = write!(out, ".map(&{runner}, [{}])", tags.join(", "));
        }
        out.push_str("\n}\n\n");
    }
    if any_patch {
        out.push_str(HELPERS);
    }
    out
}

/// A Rust identifier for a pipeline or job id.
pub(crate) fn ident(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'p');
    }
    const KEYWORDS: [&str; 12] = [
        "fn", "type", "mod", "use", "match", "impl", "self", "crate", "move", "ref", "loop", "where",
    ];
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}
