//! How a platform team's constructs are used and extended by a service team, end to end through
//! the backends: one test per extension point, the organisation's policies, and the derive.

use acme_platform::{DeployStage, RustServiceCi};
use pipeline_backends::codepipeline::{CodeBuildJob, model::ComputeType};
use pipeline_backends::gitlab::GitlabJob;
use pipeline_core::prelude::*;
use pipeline_core::{Generator, yaml};
use pipeline_tests::{TempDir, run};

/// ACME's CI plus two deploy stages, as a service team writes it.
fn delivery() -> Pipeline {
    let ci = RustServiceCi::new("svc");
    Pipeline::new("delivery")
        .on(Trigger::push().branches(["main"]))
        .with(&ci)
        .add("staging", &DeployStage::new("staging", "svc-staging").after(&ci))
        .add(
            "production",
            &DeployStage::new("production", "svc")
                .after(&ci)
                .needs("staging-deploy")
                .tier(Tier::Production)
                .approval(Approval::new()),
        )
}

/// Renders with one backend; panics with the diagnostics when the pipeline is refused.
fn render(backend: impl Backend + 'static, pipeline: Pipeline) -> Vec<(String, String)> {
    Generator::new("t", ".")
        .backend(backend)
        .pipeline(pipeline)
        .render(&[])
        .unwrap_or_else(|d| panic!("{d}"))
        .files
        .into_iter()
        .map(|(_, f)| (f.path.to_string(), f.contents))
        .collect()
}

fn file(files: &[(String, String)], path: &str) -> String {
    files
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| panic!("no {path}"))
}

fn step_ids(p: &Pipeline, job: &str) -> Vec<String> {
    p.find_job(job)
        .map(|j| j.steps.iter().filter_map(|s| s.id_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[test]
fn ids_are_hierarchical_unique_and_readable() {
    let p = delivery();
    let ids: Vec<&str> = p.jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "lint",
            "unit-tests",
            "integration-tests",
            "security-scan",
            "build",
            "staging-deploy",
            "staging-rollback",
            "production-deploy",
            "production-rollback"
        ]
    );
    assert_eq!(
        p.find_job("staging-rollback").map(|j| j.needs.clone()),
        Some(vec!["staging-deploy".into()])
    );
    assert!(!pipeline_core::validate::validate(&p).has_errors());
}

#[test]
fn steps_are_inserted_before_and_after_named_steps_replaced_and_removed() {
    let p = delivery()
        .edit_job("build", |j| {
            j.insert_before("package", Step::script("cargo deny check").id("deny"))
        })
        .edit_job("build", |j| {
            j.insert_after("package", Step::script("ls dist").id("list"))
        })
        .edit_job("lint", |j| {
            j.replace_step(
                "clippy",
                Step::script("cargo clippy --workspace -- -D warnings").id("clippy"),
            )
        })
        .edit_job("lint", |j| j.remove_step("fmt"));
    assert_eq!(
        step_ids(&p, "build"),
        ["cache", "deny", "package", "list", "version", "upload"]
    );
    assert_eq!(step_ids(&p, "lint"), ["cache", "clippy"]);
    let workflow = file(
        &render(pipeline_backends::Github::new(), p),
        ".github/workflows/delivery.yml",
    );
    let deny = workflow.find("cargo deny check").expect("inserted step emitted");
    let build = workflow.find("cargo build --release --locked").expect("package step");
    assert!(deny < build, "deny must run before the package step");
    assert!(!workflow.contains("cargo fmt --all --check"));
}

#[test]
fn an_extension_point_that_does_not_apply_is_an_error_with_a_path() {
    let p = delivery()
        .edit_job("build", |j| j.insert_after("pakage", Step::script("ls")))
        .edit_job("biuld", |j| j);
    let d = pipeline_core::validate::validate(&p);
    let text = d.to_string();
    assert!(
        text.contains("error[unknown-step]: cannot insert after step \"pakage\""),
        "{text}"
    );
    assert!(
        text.contains("  --> pipeline \"delivery\" > job \"build\"\n  = hint: did you mean \"package\"?"),
        "{text}"
    );
    assert!(text.contains("error[unknown-job]: cannot edit job \"biuld\""), "{text}");
}

#[test]
fn parameters_are_overridden() {
    let ci = RustServiceCi::new("svc").image("rust:1.96-bookworm").without_cache();
    let p = Pipeline::new("ci").on(Trigger::push()).with(&ci);
    let lint = p.find_job("lint").expect("lint");
    assert_eq!(lint.runner.image.as_deref(), Some("rust:1.96-bookworm"));
    assert!(!step_ids(&p, "lint").contains(&"cache".to_owned()));
    let gitlab = file(&render(pipeline_backends::Gitlab::new(), p), ".gitlab-ci.yml");
    assert!(gitlab.contains("image: rust:1.96-bookworm"), "{gitlab}");
}

#[test]
fn jobs_are_added_and_replaced() {
    let p = delivery()
        .job(
            Job::new("notify")
                .needs("production-deploy")
                .step(Step::script("./notify.sh"))
                .timeout_minutes(5),
        )
        .replace_job(
            "lint",
            Job::new("lint")
                .step(Step::checkout())
                .step(Step::script("make lint"))
                .timeout_minutes(5),
        );
    assert_eq!(p.find_job("lint").map(|j| j.steps.len()), Some(2));
    let workflow = file(
        &render(pipeline_backends::Github::new(), p),
        ".github/workflows/delivery.yml",
    );
    assert!(
        workflow.contains("  notify:\n    needs:\n      - production-deploy\n"),
        "{workflow}"
    );
    assert!(workflow.contains("run: make lint"));
}

#[test]
fn typed_platform_settings_reach_only_their_platform() {
    let p = delivery()
        .edit_job("lint", |j| {
            j.extend(GitlabJob {
                interruptible: Some(true),
                ..GitlabJob::default()
            })
        })
        .edit_job("build", |j| {
            j.extend(CodeBuildJob {
                compute_type: Some(ComputeType::Large),
                ..CodeBuildJob::default()
            })
        });
    let gitlab = file(&render(pipeline_backends::Gitlab::new(), p.clone()), ".gitlab-ci.yml");
    assert!(gitlab.contains("interruptible: true"), "{gitlab}");
    let aws = render(pipeline_backends::CodePipeline::new(), p.clone());
    assert!(file(&aws, "codepipeline/delivery.template.yml").contains("ComputeType: BUILD_GENERAL1_LARGE"));
    let github = file(
        &render(pipeline_backends::Github::new(), p),
        ".github/workflows/delivery.yml",
    );
    assert!(!github.contains("interruptible") && !github.contains("LARGE"));
}

#[test]
fn github_settings_choose_runners_and_grant_permissions() {
    use pipeline_backends::github::GithubJob;
    let p = delivery().edit_job("build", |j| {
        j.extend(
            GithubJob::default()
                .runs_on(["ubuntu-24.04-16core"])
                .permission(Permission::Packages, Access::Write),
        )
    });
    let workflow = file(
        &render(pipeline_backends::Github::new(), p),
        ".github/workflows/delivery.yml",
    );
    let build = &workflow[workflow.find("\n  build:\n").expect("build job")..];
    assert!(build.contains("runs-on: ubuntu-24.04-16core\n"), "{build}");
    assert!(
        build.contains("permissions:\n      contents: read\n      packages: write\n"),
        "{build}"
    );
}

#[test]
fn patches_edit_github_and_codepipeline_documents_too() {
    let p = delivery()
        .patch("github", |_, doc| {
            if let Some(root) = doc.as_map_mut() {
                root.insert("run-name", "Delivery of ${{ github.sha }}");
            }
        })
        .patch("codepipeline", |path, doc| {
            if path.ends_with(".template.yml") {
                if let Some(root) = doc.as_map_mut() {
                    root.insert("Description", "patched");
                }
            }
            if path.ends_with(".create-pipeline.json") {
                if let Some(root) = doc.as_map_mut() {
                    root.insert("patched", true);
                }
            }
        });
    let workflow = file(
        &render(pipeline_backends::Github::new(), p.clone()),
        ".github/workflows/delivery.yml",
    );
    assert!(
        workflow.contains("\nrun-name: Delivery of ${{ github.sha }}\n"),
        "{workflow}"
    );
    let aws = render(pipeline_backends::CodePipeline::new().create_pipeline_input(true), p);
    assert!(file(&aws, "codepipeline/delivery.template.yml").contains("\nDescription: patched\n"));
    assert!(!file(&aws, "codepipeline/delivery.deployment.yml").contains("patched"));
    let json = file(&aws, "codepipeline/delivery.create-pipeline.json");
    assert!(json.ends_with(",\n  \"patched\": true\n}\n"), "{json}");
}

#[test]
fn a_patch_edits_the_emitted_document_of_its_platform() {
    let p = delivery().patch("gitlab", |path, doc| {
        if path == ".gitlab-ci.yml" {
            if let Some(root) = doc.as_map_mut() {
                root.insert(
                    "default",
                    yaml::Map::from_iter([("interruptible", yaml::Value::Bool(true))]),
                );
            }
        }
    });
    let gitlab = file(&render(pipeline_backends::Gitlab::new(), p.clone()), ".gitlab-ci.yml");
    assert!(gitlab.contains("default:\n  interruptible: true\n"), "{gitlab}");
    let github = file(
        &render(pipeline_backends::Github::new(), p),
        ".github/workflows/delivery.yml",
    );
    assert!(!github.contains("interruptible"));
}

#[test]
fn policies_stop_generation_with_paths_and_write_nothing() {
    let dir = TempDir::new("policies");
    let unsafe_deploy = delivery().add("hotfix", &DeployStage::new("hotfix", "svc").tier(Tier::Production));
    let g = Generator::new("t", dir.path())
        .backends(pipeline_templates::all())
        .policies(acme_platform::policies())
        .pipeline(unsafe_deploy);
    let out = run(&g, &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("error[approval-required]: job \"hotfix-deploy\" deploys to production environment \"hotfix\" without an approval"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("error[scan-before-deploy]: job \"hotfix-deploy\" deploys without a security scan before it")
    );
    assert!(dir.files().is_empty());
    // The same pipeline without the unsafe stage passes every policy.
    let g = Generator::new("t", dir.path())
        .backends(pipeline_templates::all())
        .policies(acme_platform::policies())
        .pipeline(delivery());
    assert_eq!(run(&g, &[]).code, 0);
}

/// A service team's pipeline as a plain struct: field names become job ids.
#[derive(Clone, Debug, Pipeline)]
#[pipeline(id = "derived", on(push(branches("main"))))]
struct Derived {
    #[construct(flatten)]
    ci: RustServiceCi,
    #[construct(needs(ci))]
    staging: DeployStage,
    #[construct(needs(staging), when(not(event = "pull_request")))]
    smoke_check: Job,
}

#[test]
fn the_derive_is_sugar_over_the_same_model() {
    let ci = RustServiceCi::new("svc");
    let derived = Derived {
        staging: DeployStage::new("staging", "svc-staging").after(&ci),
        smoke_check: Job::new("ignored").step(Step::script("./check.sh")).timeout_minutes(5),
        ci: ci.clone(),
    }
    .to_pipeline();
    let by_hand = Pipeline::new("derived")
        .on(Trigger::push().branches(["main"]))
        .with(&ci)
        .add("staging", &DeployStage::new("staging", "svc-staging").after(&ci))
        .job(
            Job::new("smoke-check")
                .needs("staging-deploy")
                .when(!Condition::event(Event::PullRequest))
                .step(Step::script("./check.sh"))
                .timeout_minutes(5),
        );
    assert_eq!(derived, by_hand);
}
