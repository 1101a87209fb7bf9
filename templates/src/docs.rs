//! The docs backend: one Markdown page per pipeline with a Mermaid graph of its jobs, triggers,
//! environments and approvals, and the notes the platforms' backends reported (settings to
//! configure outside the files). Register it after the platform backends, so it sees their
//! notes; `pipeline_backends::all()` does.

use std::collections::BTreeSet;

use minijinja::Environment;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path, Segment, Severity};
use pipeline_core::{Backend, Condition, Expr, GeneratedFile, InputKind, Pipeline, RenderContext, StepKind};
use serde::Serialize;

use crate::escape::{markdown, mermaid};

const TEMPLATE: &str = include_str!("../templates/pipeline.md.j2");

/// The docs backend (`--backend docs`): `docs/pipelines/<id>.md` per pipeline.
///
/// ```
/// use pipeline_core::prelude::*;
/// let p = Pipeline::new("ci")
///     .on(Trigger::push().branches(["main"]))
///     .job(Job::new("test").step(Step::script("cargo test")))
///     .job(Job::new("deploy").needs("test").environment(Environment::new("production").approval(Approval::new())).step(Step::script("./deploy")));
/// let files = pipeline_core::Generator::new("g", ".").backend(pipeline_templates::Docs::new()).pipeline(p).render(&[]).expect("renders").files;
/// let page = &files[0].1.contents;
/// assert!(page.contains("```mermaid\nflowchart LR\n"));
/// assert!(page.contains("j1 --> j2"));
/// assert!(page.contains("approval required"));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Docs;

impl Docs {
    /// The docs backend.
    pub fn new() -> Self {
        Docs
    }

    /// The page of `pipeline` given the notes reported so far.
    pub fn render(&self, pipeline: &Pipeline, ctx: &RenderContext, notes: &Diagnostics) -> Result<String, String> {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        env.set_trim_blocks(false);
        env.add_filter("md", |s: String| markdown(&s));
        env.add_filter("mermaid", |s: String| mermaid(&s));
        env.add_filter("join", |items: Vec<String>, sep: String| items.join(&sep));
        env.add_template("pipeline.md", TEMPLATE).map_err(|e| e.to_string())?;
        let page = Page::new(pipeline, ctx, notes);
        let text = env
            .get_template("pipeline.md")
            .and_then(|t| t.render(page))
            .map_err(|e| e.to_string())?;
        Ok(tidy(&text))
    }

    /// The path of a pipeline's page.
    pub fn path(pipeline: &Pipeline) -> String {
        format!("docs/pipelines/{}.md", pipeline.id)
    }
}

/// Collapses runs of blank lines the template's conditional sections leave behind, and ends the
/// page with exactly one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if blank > 0 && !out.is_empty() {
            out.push('\n');
        }
        blank = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

impl Backend for Docs {
    fn name(&self) -> &'static str {
        "docs"
    }

    fn generate(
        &self,
        pipelines: &[Pipeline],
        ctx: &RenderContext,
        diagnostics: &mut Diagnostics,
    ) -> Vec<GeneratedFile> {
        let notes = diagnostics.clone();
        let mut files = Vec::new();
        for p in pipelines {
            let result = self
                .render(p, ctx, &notes)
                .and_then(|text| GeneratedFile::new(Self::path(p), text));
            match result {
                Ok(f) => files.push(f),
                Err(e) => diagnostics.push(
                    Diagnostic::error(
                        "docs",
                        Path::pipeline(p.id.as_str()),
                        format!("cannot render the docs page: {e}"),
                    )
                    .on_platform("docs"),
                ),
            }
        }
        files
    }
}

#[derive(Serialize)]
struct Page {
    header: Vec<String>,
    id: String,
    name: String,
    triggers: Vec<String>,
    jobs: Vec<JobRow>,
    environments: Vec<EnvRow>,
    inputs: Vec<InputRow>,
    secrets: Vec<String>,
    variables: Vec<String>,
    notices: Vec<Note>,
}

#[derive(Serialize)]
struct JobRow {
    id: String,
    name: Option<String>,
    node: String,
    label: String,
    open: &'static str,
    close: &'static str,
    arrow: &'static str,
    needs: Vec<String>,
    need_nodes: Vec<String>,
    runner: String,
    environment: Option<String>,
    approval: bool,
    condition: String,
    timeout: u32,
}

#[derive(Serialize)]
struct EnvRow {
    name: String,
    tier: &'static str,
    url: Option<String>,
    jobs: Vec<String>,
    approval: bool,
    instructions: Option<String>,
}

#[derive(Serialize)]
struct InputRow {
    name: String,
    description: String,
    kind: &'static str,
    default: String,
}

#[derive(Serialize)]
struct Note {
    platform: &'static str,
    message: String,
    hint: Option<String>,
}

/// A value as the docs show it: literals as they are, references by what they are.
fn describe(e: &Expr) -> String {
    e.render(|part| match part {
        Expr::Literal(s) => s.clone(),
        Expr::Builtin(b) => format!("<{}>", b.name()),
        Expr::Secret(s) => format!("<secret {s}>"),
        Expr::Input(i) => format!("<input {i}>"),
        Expr::Output(o) => format!("<output {} of {}>", o.name, o.job),
        Expr::Matrix(a) => format!("<matrix {a}>"),
        Expr::Var(v) => format!("<variable {v}>"),
        Expr::Concat(parts) => parts.iter().map(describe).collect(),
    })
}

impl Page {
    fn new(p: &Pipeline, ctx: &RenderContext, notes: &Diagnostics) -> Self {
        let index = |id: &str| p.jobs.iter().position(|j| j.id == id).map(|i| format!("j{}", i + 1));
        let jobs = p
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| {
                let approval = j.environment.as_ref().is_some_and(|e| e.requires_approval());
                let on_failure = j.condition.as_ref().is_some_and(|c| {
                    c.to_nnf() == Condition::Failure
                        || matches!(c, Condition::And(cs) if cs.contains(&Condition::Failure))
                });
                let (open, close) = if approval {
                    ("{{", "}}")
                } else if j.environment.is_some() {
                    ("[[", "]]")
                } else {
                    ("[", "]")
                };
                let runner = match (&j.runner.labels[..], &j.runner.image) {
                    ([], Some(image)) => format!("Linux, image {image}"),
                    ([], None) => format!("hosted Linux, {:?}, {:?}", j.runner.arch, j.runner.size).to_lowercase(),
                    (labels, image) => {
                        format!(
                            "labels {}{}",
                            labels.join(", "),
                            image.as_ref().map(|i| format!(", image {i}")).unwrap_or_default()
                        )
                    }
                };
                JobRow {
                    id: j.id.to_string(),
                    name: j.name.clone(),
                    node: format!("j{}", i + 1),
                    label: j.name.clone().unwrap_or_else(|| j.id.to_string()),
                    open,
                    close,
                    arrow: if on_failure { "-. on failure .->" } else { "-->" },
                    needs: j.needs.iter().map(ToString::to_string).collect(),
                    need_nodes: j.needs.iter().filter_map(|n| index(n.as_str())).collect(),
                    runner,
                    environment: j.environment.as_ref().map(|e| e.name.to_string()),
                    approval,
                    condition: j
                        .condition
                        .as_ref()
                        .map(|c| c.to_string().replace("an earlier job failed", "a job it needs failed"))
                        .unwrap_or_else(|| "the jobs it needs succeeded".into()),
                    timeout: p.timeout_of(j),
                }
            })
            .collect();
        let mut environments: Vec<EnvRow> = Vec::new();
        for j in &p.jobs {
            let Some(e) = &j.environment else { continue };
            match environments.iter_mut().find(|r| r.name == e.name.as_str()) {
                Some(row) => row.jobs.push(j.id.to_string()),
                None => environments.push(EnvRow {
                    name: e.name.to_string(),
                    tier: e.tier.as_str(),
                    url: e.url.as_ref().map(describe),
                    jobs: vec![j.id.to_string()],
                    approval: e.requires_approval(),
                    instructions: e.approval.as_ref().and_then(|a| a.instructions.clone()),
                }),
            }
        }
        let inputs = p
            .inputs()
            .map(|i| InputRow {
                name: i.name.to_string(),
                description: i.description.clone(),
                kind: match &i.kind {
                    InputKind::String { .. } => "text",
                    InputKind::Choice { .. } => "choice",
                    InputKind::Boolean { .. } => "yes/no",
                },
                default: i.default_string().unwrap_or_default(),
            })
            .collect();
        let mut secrets = BTreeSet::new();
        let mut variables = BTreeSet::new();
        for j in &p.jobs {
            for e in j.exprs() {
                secrets.extend(e.secrets().map(ToString::to_string));
                variables.extend(e.vars().map(ToString::to_string));
            }
            for s in &j.steps {
                if let StepKind::Action(a) = &s.kind {
                    for v in a.with.values() {
                        secrets.extend(v.secrets().map(ToString::to_string));
                    }
                }
            }
        }
        let notices = notes
            .iter()
            .filter(|d| d.severity != Severity::Error)
            .filter(|d| matches!(d.path.segments().first(), Some(Segment::Pipeline(id)) if id == p.id.as_str()))
            .map(|d| {
                // A difference the pipeline accepts is documented as accepted, not as a to-do.
                let accepted = pipeline_core::semantics::Divergence::of_code(d.code)
                    .filter(|div| d.severity == Severity::Warning && p.acknowledged.contains(div));
                match accepted {
                    Some(div) => Note {
                        platform: d.platform.unwrap_or("all platforms"),
                        message: format!("{} (accepted: `{div}`)", d.message),
                        hint: None,
                    },
                    None => Note {
                        platform: d.platform.unwrap_or("all platforms"),
                        message: d.message.clone(),
                        hint: d.hint.clone(),
                    },
                }
            })
            .collect();
        Page {
            header: ctx.header.lines().to_vec(),
            id: p.id.to_string(),
            name: p.name.clone(),
            triggers: p.triggers.iter().map(ToString::to_string).collect(),
            jobs,
            environments,
            inputs,
            secrets: secrets.into_iter().collect(),
            variables: variables.into_iter().collect(),
            notices,
        }
    }
}
