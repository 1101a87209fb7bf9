//! Pages read back with a CommonMark + GFM tables parser (pulldown-cmark), as a renderer reads
//! them: every value shows as exactly the text it is, code stays code (unescaped), nothing turns
//! into markup, HTML, a link or a cell break, and Mermaid labels stay inside their quotes.

use pipeline_core::backend::{Header, RenderContext};
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::prelude::*;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::Docs;

/// What a reader sees. Code spans are shown as `⟦code⟧`.
#[derive(Default)]
struct Read {
    /// Paragraphs, headings and list items, as text.
    blocks: Vec<String>,
    /// Table rows (header rows included), as cell texts.
    rows: Vec<Vec<String>>,
    /// Fenced code blocks: (info string, text).
    code_blocks: Vec<(String, String)>,
    /// HTML, inline or block.
    html: Vec<String>,
    /// Markup other than the page's own bold platform names: emphasis, links, images...
    markup: Vec<String>,
}

fn read(page: &str) -> Read {
    let mut r = Read::default();
    let mut stack: Vec<String> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut code: Option<(String, String)> = None;
    for event in Parser::new_ext(page, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        let text = |s: &str, stack: &mut Vec<String>, cell: &mut Option<String>| match cell {
            Some(c) => c.push_str(s),
            None => {
                if let Some(b) = stack.last_mut() {
                    b.push_str(s);
                }
            }
        };
        match event {
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::Item) => stack.push(String::new()),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                let b = stack.pop().unwrap_or_default();
                if !b.is_empty() {
                    r.blocks.push(b);
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(cell.take().unwrap_or_default()),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => r.rows.push(std::mem::take(&mut row)),
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => "(indented)".into(),
                };
                code = Some((info, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => r.code_blocks.extend(code.take()),
            Event::Text(t) => match &mut code {
                Some((_, body)) => body.push_str(&t),
                None => text(&t, &mut stack, &mut cell),
            },
            Event::Code(c) => text(&format!("⟦{c}⟧"), &mut stack, &mut cell),
            Event::SoftBreak | Event::HardBreak => text(" ", &mut stack, &mut cell),
            Event::Html(h) | Event::InlineHtml(h) => r.html.push(h.to_string()),
            Event::Start(Tag::Strong) | Event::End(TagEnd::Strong) => {}
            Event::Start(
                tag @ (Tag::Emphasis
                | Tag::Strikethrough
                | Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::BlockQuote(_)
                | Tag::List(Some(_))),
            ) => r.markup.push(format!("{tag:?}")),
            Event::Rule => r.markup.push("rule".into()),
            _ => {}
        }
    }
    r
}

/// A pipeline whose every value is something Markdown or Mermaid would misread.
fn hostile() -> Pipeline {
    let build = Job::new("build")
        .name("Build <all> | *the* `things`")
        .runner(Runner::labels(["self-hosted", "gpu|x"]).image("registry/a`b|c:1"))
        .matrix(Matrix::new().axis("os", ["ubuntu|x", "mac`os"]))
        .step(Step::cache(
            Cache::new("cargo", ["target", "a|b", "`tick`"]).hash_files(["Cargo.lock"]),
        ))
        .step(Step::script("make"))
        .step(Step::upload("app", ["dist/*.zip"]));
    let deploy = Job::new("deploy")
        .needs("build")
        .environment(
            Environment::new("prod")
                .url("https://example.com/a_b_")
                .approval(Approval::new().instructions("Check <dashboards> & *alerts*.")),
        )
        .step(Step::download_to("app", "out|dir"))
        .step(Step::script("./deploy"));
    let rollback = Job::new("rollback")
        .needs("deploy")
        .when(Condition::failure())
        .step(Step::script("./rollback"));
    Pipeline::new("hostile")
        .name("Release *now* | `fast` <b>1</b> & [x](y) _z_ #1")
        .on(Trigger::push().branches(["main"]))
        .jobs([build, deploy, rollback])
}

fn notes() -> Diagnostics {
    let mut d = Diagnostics::new();
    d.push(
        Diagnostic::notice(
            "gate",
            Path::pipeline("hostile").job("deploy"),
            "a manual gate (`when: manual`, `allow_failure: false`) in Settings > CI/CD; 1. _x_ <y>",
        )
        .with_hint("call `.notify()` | or `a``b` and one ` alone")
        .on_platform("gitlab"),
    );
    d
}

fn render(p: &Pipeline) -> String {
    let ctx = RenderContext {
        header: Header::new("gen", "src --> here", "cargo run -p gen"),
        root_in_repository: String::new(),
    };
    Docs::new().render(p, &ctx, &notes()).expect("renders")
}

fn row<'a>(r: &'a Read, first: &str) -> &'a [String] {
    r.rows
        .iter()
        .find(|row| row.first().is_some_and(|c| c.starts_with(first)))
        .unwrap_or_else(|| panic!("no row starts with {first:?}: {:#?}", r.rows))
}

#[test]
fn text_reads_as_itself_and_nothing_becomes_markup_or_html() {
    let page = render(&hostile());
    let r = read(&page);
    assert!(r.markup.is_empty(), "{:?}\n{page}", r.markup);
    // Only the header's comments are HTML, and the `-->` in a header value does not end them.
    assert!(
        r.html
            .iter()
            .all(|h| h.starts_with("<!--") && h.trim_end().ends_with("-->")),
        "{:?}",
        r.html
    );
    assert_eq!(r.blocks[0], "Release *now* | `fast` <b>1</b> & [x](y) _z_ #1", "{page}");
    assert!(r.blocks.contains(&"push to main".to_owned()));
}

#[test]
fn table_cells_keep_code_exact_and_pipes_inside_cells() {
    let page = render(&hostile());
    let r = read(&page);
    let build = row(&r, "⟦build⟧");
    assert_eq!(
        build,
        [
            "⟦build⟧ Build <all> | *the* `things`",
            "",
            "labels ⟦self-hosted⟧, ⟦gpu|x⟧, image ⟦registry/a`b|c:1⟧",
            "⟦os⟧ (2 runs)",
            "⟦cargo⟧",
            "uploads ⟦app⟧",
            "",
            "the jobs it needs succeeded",
            "30 min",
        ],
        "{page}"
    );
    let deploy = row(&r, "⟦deploy⟧");
    assert_eq!(deploy[1], "⟦build⟧");
    assert_eq!(deploy[2], "hosted Linux x64, 2 vCPU");
    assert_eq!(deploy[5], "downloads ⟦app⟧");
    assert_eq!(deploy[6], "prod (approval)");
    assert_eq!(row(&r, "⟦rollback⟧")[7], "a job it needs failed (rollback)");
    let cache_row = r
        .rows
        .iter()
        .find(|row| row.len() == 4 && row[1] == "⟦cargo⟧")
        .expect("a cache row");
    assert_eq!(cache_row[2], "⟦Cargo.lock⟧");
    assert_eq!(cache_row[3], "⟦target⟧, ⟦a|b⟧, ⟦`tick`⟧");
    let artifact = row(&r, "⟦app⟧");
    assert_eq!(
        artifact,
        [
            "⟦app⟧",
            "⟦build⟧",
            "⟦dist/*.zip⟧",
            "platform default",
            "⟦deploy⟧ (into ⟦out|dir⟧)"
        ]
    );
}

#[test]
fn sections_show_matrix_environment_rollback_and_notes_with_their_code() {
    let page = render(&hostile());
    let r = read(&page);
    let has = |want: &str| r.blocks.iter().any(|b| b == want);
    assert!(
        has("⟦build⟧ runs 2 times, once per combination of ⟦os⟧ (⟦ubuntu|x⟧, ⟦mac`os⟧)"),
        "{:#?}",
        r.blocks
    );
    assert!(
        has(
            "prod (other), https://example.com/a_b_: deployed by ⟦deploy⟧; rolled back by ⟦rollback⟧ when the deployment fails; needs a manual approval: Check <dashboards> & *alerts*."
        ),
        "{:#?}",
        r.blocks
    );
    assert!(
        has(
            "gitlab: a manual gate (⟦when: manual⟧, ⟦allow_failure: false⟧) in Settings > CI/CD; 1. _x_ <y> (to do: call ⟦.notify()⟧ | or ⟦a``b⟧ and one ` alone)"
        ),
        "{:#?}",
        r.blocks
    );
}

#[test]
fn the_diagram_shows_matrix_cache_artifacts_approval_and_rollback_in_quoted_labels() {
    let page = render(&hostile());
    let r = read(&page);
    let (info, diagram) = r.code_blocks.first().expect("a diagram");
    assert_eq!(info, "mermaid");
    for line in diagram.lines().skip(1) {
        let line = line.trim();
        // Labels are quoted once and hold no quote, markup or entity of their own.
        assert!(matches!(line.matches('"').count(), 0 | 2), "{line}");
        let label = line.split('"').nth(1).unwrap_or_default().replace("<br/>", "");
        assert!(!label.contains(['<', '>', '&']), "{line}");
    }
    let lines: Vec<&str> = diagram.lines().map(str::trim).collect();
    for want in [
        "j1[\"Build #lt;all#gt; | *the* #96;things#96;<br/>matrix: os (2 runs)<br/>cache: cargo<br/>artifacts: app\"]",
        "a2{{\"manual approval<br/>prod\"}}",
        "j2[[\"deploy<br/>env: prod\"]]",
        "j3[\"rollback<br/>rollback\"]",
        "start --> j1",
        "j1 -->|\"app\"| a2",
        "a2 --> j2",
        "j2 -.->|\"on failure\"| j3",
        "class a2 approval",
        "class j3 rollback",
    ] {
        assert!(lines.contains(&want), "{want}\n{diagram}");
    }
}

/// An artifact from a job further up than the jobs a job needs gets its own dotted edge.
#[test]
fn artifacts_from_further_up_get_their_own_edge() {
    let p = Pipeline::new("p")
        .on(Trigger::push())
        .job(Job::new("a").step(Step::upload("bin", ["bin"])))
        .job(Job::new("b").needs("a").step(Step::script("true")))
        .job(Job::new("c").needs("b").step(Step::download("bin")));
    assert!(pipeline_core::validate::validate(&p).is_empty());
    let page = render(&p);
    assert!(page.contains("  j2 --> j3\n  j1 -.->|\"bin\"| j3\n"), "{page}");
}
