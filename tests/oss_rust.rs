//! The open-source example (`examples/oss-rust`): its committed GitHub workflows pass actionlint
//! (with shellcheck), zizmor and GitHub's schema, its GitLab files GitLab's schema, all with zero
//! findings; CodePipeline refuses it naming the feature (macOS and Windows runners), as the
//! example says; and the cells it promises are the ones generated.

use std::path::PathBuf;

use pipeline_backends::codepipeline::CodePipeline;
use pipeline_core::diagnostic::Diagnostics;
use pipeline_tests::tools;
use pipeline_tests::workspace_root;

fn files(paths: &[&str]) -> Vec<PathBuf> {
    let root = workspace_root().join("examples/oss-rust");
    paths.iter().map(|p| root.join(p)).collect()
}

fn workflows() -> Vec<PathBuf> {
    files(&[".github/workflows/ci.yml", ".github/workflows/release.yml"])
}

#[test]
fn the_github_workflows_pass_actionlint_zizmor_and_the_schema() {
    tools::assert_github_conformance(&workflows(), &[]);
}

#[test]
fn the_gitlab_files_pass_gitlabs_schema() {
    tools::assert_gitlab_conformance(&files(&[
        ".gitlab-ci.yml",
        ".gitlab/ci/ci.yml",
        ".gitlab/ci/release.yml",
    ]));
}

/// CodePipeline refuses the example with errors naming the runners it cannot provide, the job
/// and the cell (besides the notification job that runs when a test cell failed, provenance
/// without a KMS key, and more release downloads than a CodeBuild action takes): the example
/// leaves the backend out on purpose.
#[test]
fn codepipeline_refuses_the_macos_and_windows_runners_naming_them() {
    for pipeline in oss_rust::pipelines() {
        let mut d = pipeline_core::validate::validate(&pipeline);
        assert!(!d.has_errors(), "{d}");
        let _ = CodePipeline::new().lower(&pipeline, &mut d);
        let errors: Vec<String> = d.errors().map(|e| format!("[{}] {}", e.code, e.message)).collect();
        assert!(!errors.is_empty(), "{}", pipeline.id.as_str());
        assert!(errors.iter().all(|e| e.starts_with("[codepipeline-")), "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("macos runner")) && errors.iter().any(|e| e.contains("windows runner")),
            "{errors:?}"
        );
    }
    let d = {
        let mut d = Diagnostics::new();
        let _ = CodePipeline::new().lower(&oss_rust::ci(), &mut d);
        d
    };
    assert!(
        d.errors().any(|e| e
            .message
            .contains("cell [runner=macos-arm64, rust=stable, features=default] of job \"test\"")),
        "{d}"
    );
}

/// The committed CI workflow runs the cells the example promises: three systems, the excluded
/// Windows/all-features cell absent, the MSRV and ARM cells present.
#[test]
fn the_ci_workflow_runs_the_promised_cells() {
    let ci = std::fs::read_to_string(&workflows()[0]).expect("read ci.yml");
    assert_eq!(ci.matches("- runner: ").count(), 7, "{ci}");
    for label in ["ubuntu-24.04", "macos-15", "windows-2025", "ubuntu-24.04-arm"] {
        assert!(ci.contains(&format!("runs-on: {label}\n")), "{label}: {ci}");
    }
    assert!(ci.contains(&format!("rust: '{}'", oss_rust::MSRV)), "{ci}");
    // The need's result and the branch, typed.
    assert!(
        ci.contains("if: (!cancelled() && needs.test.result == 'failure') && github.ref == 'refs/heads/main'"),
        "{ci}"
    );
    // One test command per cell, chosen by a typed condition on the cell's features value.
    assert!(
        ci.contains("if: matrix.features == 'default'\n        run: cargo test --workspace --locked\n"),
        "{ci}"
    );
    assert!(
        ci.contains("if: matrix.features == 'all'\n        run: cargo test --workspace --locked --all-features\n"),
        "{ci}"
    );
    // The toolchain step hands RUSTUP_TOOLCHAIN (and nothing else) to the later steps.
    assert!(
        ci.contains("RUSTUP_TOOLCHAIN=*) printf '%s\\n' \"$pipeline_line\" >> \"$GITHUB_ENV\" ;;"),
        "{ci}"
    );
    let gitlab = std::fs::read_to_string(&files(&[".gitlab/ci/ci.yml"])[0]).expect("read");
    assert!(
        gitlab.contains("if: $CI_COMMIT_BRANCH =~ /^main$/i\n      when: on_failure\n"),
        "{gitlab}"
    );
    assert!(
        gitlab.contains("if case \"${features:-}\" in [aA][lL][lL]) true ;; *) false ;; esac; then"),
        "{gitlab}"
    );
    assert!(
        gitlab.contains("RUSTUP_TOOLCHAIN=*) printf 'export RUSTUP_TOOLCHAIN=%q\\n'"),
        "{gitlab}"
    );
    assert!(gitlab.contains("- windows-git-bash"), "{gitlab}");
    assert!(gitlab.contains("- saas-macos-medium-m1"), "{gitlab}");
}
