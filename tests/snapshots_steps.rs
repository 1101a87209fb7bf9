//! Lowering snapshots of step state (docs/SEMANTICS.md, section 20) on every platform, and the
//! diagnostics of a step output no earlier step exports.

use pipeline_core::prelude::*;
use pipeline_core::validate::validate;

fn snapshot(backend: impl Backend + 'static) {
    let name = backend.name();
    let rendered = Generator::new("snapshots", ".")
        .source("tests/snapshots_steps.rs")
        .regenerate_command("cargo insta review")
        .backend(backend)
        .pipelines(vec![pipeline_tests::fixtures::step_state()])
        .render(&[])
        .unwrap_or_else(|d| panic!("step state does not render on {name}:\n{d}"));
    for (_, file) in rendered.files {
        let file_name = file.path.as_str().replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("step_state__{name}__{}", file_name.trim_start_matches('_')),
            file.contents
        );
    }
}

#[test]
fn step_state_github() {
    snapshot(pipeline_backends::Github::new());
}

#[test]
fn step_state_gitlab() {
    snapshot(pipeline_backends::Gitlab::new());
}

#[test]
fn step_state_codepipeline() {
    snapshot(pipeline_backends::CodePipeline::new());
}

#[test]
fn reading_a_step_output_no_earlier_step_exports_is_an_error_naming_it() {
    let meta = Step::script("true").id("meta").exports_output("version");
    let p = Pipeline::new("bad").on(Trigger::push()).job(
        Job::new("build")
            .env("JOB_LEVEL", meta.output("version"))
            .step(Step::script("echo \"$A\"").env("A", StepOutput::new("meta", "version")))
            .step(meta.clone())
            .step(Step::script("echo \"$B\"").env("B", meta.output("nope")))
            .step(Step::checkout().exports_env("X"))
            .step(Step::script("true").exports_output("o")),
    );
    let d = validate(&p);
    let text = d.to_string();
    let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "unknown-step-output").count(),
        2,
        "{text}"
    );
    assert!(codes.contains(&"misplaced-step-output"), "{text}");
    assert!(codes.contains(&"state-on-non-script"), "{text}");
    assert!(codes.contains(&"step-output-without-id"), "{text}");
    assert!(
        text.contains("step output meta.version is not exported by an earlier step of job \"build\""),
        "{text}"
    );
    assert!(text.contains("the earlier steps export meta.version"), "{text}");
}
