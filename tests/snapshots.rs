//! Snapshots of every generated file: one per (pipeline set, backend, file), named after what it
//! shows. Review changes with `cargo insta review`; they are reviewed like code.

use pipeline_backends::gitlab::GitlabRunners;
use pipeline_core::{Backend, Generator, Pipeline, Runner};
use pipeline_tests::fixtures;

/// Renders `pipelines` with `backend` and snapshots every file as `<set>__<backend>__<file>`.
fn snapshot(set: &str, backend: impl Backend + 'static, pipelines: Vec<Pipeline>) {
    let name = backend.name();
    let generator = Generator::new("snapshots", ".")
        .source("tests/snapshots.rs")
        .regenerate_command("cargo insta review")
        .backend(backend)
        .pipelines(pipelines);
    let rendered = generator
        .render(&[])
        .unwrap_or_else(|d| panic!("{set} does not render on {name}:\n{d}"));
    assert!(!rendered.files.is_empty());
    for (_, file) in rendered.files {
        let file_name = file.path.as_str().replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("{set}__{name}__{}", file_name.trim_start_matches('_')),
            file.contents
        );
    }
}

#[test]
fn example_service_github() {
    snapshot(
        "example_service",
        pipeline_backends::Github::new(),
        example_service::pipelines(),
    );
}

#[test]
fn everything_github() {
    snapshot(
        "everything",
        pipeline_backends::Github::new(),
        vec![fixtures::everything()],
    );
}

#[test]
fn minimal_github() {
    snapshot("minimal", pipeline_backends::Github::new(), vec![fixtures::minimal()]);
}

#[test]
fn example_service_gitlab() {
    snapshot(
        "example_service",
        pipeline_backends::Gitlab::new(),
        example_service::pipelines(),
    );
}

#[test]
fn everything_gitlab() {
    snapshot(
        "everything",
        pipeline_backends::Gitlab::new(),
        vec![fixtures::everything()],
    );
}

#[test]
fn minimal_gitlab() {
    snapshot("minimal", pipeline_backends::Gitlab::new(), vec![fixtures::minimal()]);
}

#[test]
fn example_service_codepipeline() {
    snapshot(
        "example_service",
        pipeline_backends::CodePipeline::new(),
        example_service::pipelines(),
    );
}

#[test]
fn everything_codepipeline() {
    snapshot(
        "everything",
        pipeline_backends::CodePipeline::new().create_pipeline_input(true),
        vec![fixtures::everything_codepipeline()],
    );
}

#[test]
fn minimal_codepipeline() {
    snapshot(
        "minimal",
        pipeline_backends::CodePipeline::new().create_pipeline_input(true),
        vec![fixtures::minimal()],
    );
}

#[test]
fn reach_github() {
    snapshot("reach", pipeline_backends::Github::new(), vec![fixtures::reach()]);
}

#[test]
fn reach_gitlab() {
    snapshot("reach", pipeline_backends::Gitlab::new(), vec![fixtures::reach()]);
}

#[test]
fn reach_codepipeline() {
    snapshot("reach", pipeline_backends::CodePipeline::new(), vec![fixtures::reach()]);
}

#[test]
fn release_github() {
    snapshot("release", pipeline_backends::Github::new(), vec![fixtures::release()]);
}

#[test]
fn release_gitlab() {
    snapshot("release", pipeline_backends::Gitlab::new(), vec![fixtures::release()]);
}

#[test]
fn release_codepipeline() {
    snapshot(
        "release",
        pipeline_backends::CodePipeline::new(),
        vec![fixtures::release()],
    );
}

#[test]
fn example_service_docs() {
    snapshot(
        "example_service",
        pipeline_templates::Docs::new(),
        example_service::pipelines(),
    );
}

#[test]
fn everything_docs() {
    snapshot(
        "everything",
        pipeline_templates::Docs::new(),
        vec![fixtures::everything()],
    );
}

/// The docs page lists the notes of the platforms generated with it: the page of the pipeline
/// that uses every feature (as far as every platform expresses it), generated with all backends.
#[test]
fn everything_docs_with_platform_notes() {
    let rendered = Generator::new("snapshots", ".")
        .source("tests/snapshots.rs")
        .regenerate_command("cargo insta review")
        .backends(pipeline_templates::all())
        .pipeline(fixtures::everything_codepipeline())
        .render(&[])
        .unwrap_or_else(|d| panic!("does not render:\n{d}"));
    let (_, page) = rendered
        .files
        .iter()
        .find(|(_, f)| f.path.as_str().starts_with("docs/"))
        .expect("a docs page");
    insta::assert_snapshot!(
        "everything_with_notes__docs__docs_pipelines_everything_md",
        page.contents
    );
}

/// Runners and matrices on every platform: GitHub lists the cells with their `runs-on`, GitLab
/// gives each cell a `parallel:matrix` entry with its runner tag, CodePipeline a project per
/// runner (Linux only).
#[test]
fn runners_matrices_github() {
    let all_os = [Runner::macos(), Runner::windows()];
    snapshot(
        "runners_matrices",
        pipeline_backends::Github::new(),
        vec![fixtures::runners_matrices(&all_os)],
    );
}

#[test]
fn runners_matrices_gitlab() {
    let all_os = [Runner::macos(), Runner::windows()];
    // GitLab's hosted Windows runners run PowerShell: the project maps Windows to its own runners.
    let runners = GitlabRunners::hosted().map(&Runner::windows(), ["windows-git-bash"]);
    snapshot(
        "runners_matrices",
        pipeline_backends::Gitlab::new().runners(runners),
        vec![fixtures::runners_matrices(&all_os)],
    );
}

#[test]
fn runners_matrices_codepipeline() {
    snapshot(
        "runners_matrices",
        pipeline_backends::CodePipeline::new(),
        vec![fixtures::runners_matrices(&[])],
    );
}

#[test]
fn conditions_github() {
    snapshot(
        "conditions",
        pipeline_backends::Github::new(),
        vec![fixtures::conditions(), fixtures::conditions_pull_requests()],
    );
}

#[test]
fn conditions_gitlab() {
    snapshot(
        "conditions",
        pipeline_backends::Gitlab::new(),
        vec![fixtures::conditions(), fixtures::conditions_pull_requests()],
    );
}

#[test]
fn conditions_codepipeline() {
    snapshot(
        "conditions",
        pipeline_backends::CodePipeline::new(),
        vec![fixtures::conditions()],
    );
}
