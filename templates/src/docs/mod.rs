//! The docs backend: one Markdown page per pipeline with a Mermaid graph of its jobs, triggers,
//! matrices, caches, artifacts, environments, approvals and rollbacks, tables of the same, and
//! the notes the platforms' backends reported (settings to configure outside the files).
//! Register it after the platform backends, so it sees their notes; `pipeline_templates::all()`
//! does.
//!
//! Every value reaches the page through an escaping filter: `md` for text, `code` for code spans
//! (`cell_code` inside a table), `md_code` for messages that mark code with backticks, and
//! `mermaid` for quoted Mermaid labels.

mod page;
#[cfg(test)]
mod tests;

use minijinja::Environment;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::{Backend, GeneratedFile, Pipeline, RenderContext};

use crate::escape::{code, html_comment, markdown, markdown_with_code, mermaid};
use page::Page;

const TEMPLATE: &str = include_str!("../../templates/pipeline.md.j2");

/// The docs backend (`--backend docs`): `docs/pipelines/<id>.md` per pipeline.
///
/// ```
/// use pipeline_core::prelude::*;
/// let p = Pipeline::new("ci")
///     .on(Trigger::push().branches(["main"]))
///     .job(Job::new("test").step(Step::script("cargo test")))
///     .job(Job::new("deploy").needs("test").environment(Environment::new("production").approval(Approval::new())).step(Step::script("./deploy")));
/// assert!(pipeline_core::validate::validate(&p).is_empty());
/// let files = pipeline_core::Generator::new("g", ".").backend(pipeline_templates::Docs::new()).pipeline(p).render(&[]).expect("renders").files;
/// let page = &files[0].1.contents;
/// assert!(page.contains("```mermaid\nflowchart LR\n"));
/// assert!(page.contains("a2{{\"manual approval<br/>production\"}}"));
/// assert!(page.contains("j1 --> a2"));
/// assert!(page.contains("a2 --> j2"));
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
        env.add_filter("md_code", |s: String| markdown_with_code(&s, false));
        env.add_filter("code", |s: String| code(&s, false));
        env.add_filter("cell_code", |s: String| code(&s, true));
        env.add_filter("mermaid", |s: String| mermaid(&s));
        env.add_filter("comment", |s: String| html_comment(&s));
        env.add_filter("join", |items: Vec<String>, sep: String| items.join(&sep));
        env.add_filter("mermaid_lines", |items: Vec<String>| {
            items.iter().map(|s| mermaid(s)).collect::<Vec<_>>().join("<br/>")
        });
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
