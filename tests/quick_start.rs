//! The README's quick start, followed to the letter in a new crate outside this repository.
//!
//! The `Cargo.toml` dependencies and `src/main.rs` are read from the README itself (the code
//! blocks after the `<!-- quick-start: ... -->` markers), so the test breaks when the README
//! does. Two variants, as the README offers them:
//!
//! - **git**: this repository's tracked files (as they are in the work tree) committed to a
//!   fresh git repository tagged `v0.1.0`; the README's git URL is replaced by that
//!   repository's `file://` URL, the tag is kept.
//! - **path**: the README's path dependencies, pointing at that same copy.
//!
//! Each variant is a new git repository with the crate in `pipelines/`; `cargo run` must write
//! the files the README promises at that repository's root, `cargo run -- --check` must then
//! exit 0, and the written workflow must pass actionlint (with shellcheck) and the GitLab file
//! the GitLab CI schema.
//!
//! The crates build in `target/quick-start` (shared by both variants and kept between runs),
//! with the workspace's `Cargo.lock` as a starting point so no other versions are resolved.

use std::path::{Path, PathBuf};
use std::process::Command;

use pipeline_tests::cold_build::readme_block;
use pipeline_tests::{TempDir, git, tools, workspace_root};

/// The README's path-dependency lines (inline code in the sentence after the git block).
fn readme_path_dependencies(readme: &str) -> Vec<String> {
    readme
        .split('`')
        .filter(|s| s.starts_with("pipeline-") && s.contains("path = "))
        .map(str::to_string)
        .collect()
}

fn run(mut cmd: Command, what: &str) -> tools::Output {
    // The test runs under `cargo test`: keep the outer build's variables out of the new crate.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_TERM_COLOR" {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("RUSTC_WRAPPER");
    let out = tools::output(cmd);
    assert_eq!(out.code, 0, "{what} failed:\n{}", out.text());
    out
}

/// A git repository holding this workspace's tracked files as they are now, tagged `v0.1.0`.
fn tagged_copy_of_this_repository(dir: &Path) {
    let root = workspace_root();
    let mut ls = Command::new("git");
    ls.current_dir(&root)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    let listed = run(ls, "git ls-files").stdout;
    for rel in listed.split('\0').filter(|s| !s.is_empty()) {
        let from = root.join(rel);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("create a directory");
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {rel}: {e}"));
    }
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "library"]);
    git(dir, &["tag", "v0.1.0"]);
}

/// A service repository with the quick-start crate in `pipelines/`, depending on the library
/// through `dependencies` (the `[dependencies]` table's lines).
fn service_repository(dir: &Path, dependencies: &str, main_rs: &str) -> PathBuf {
    let krate = dir.join("pipelines");
    std::fs::create_dir_all(krate.join("src")).expect("create the crate");
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"pipelines\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{dependencies}"
        ),
    )
    .expect("write Cargo.toml");
    std::fs::write(krate.join("src/main.rs"), main_rs).expect("write main.rs");
    std::fs::copy(workspace_root().join("Cargo.lock"), krate.join("Cargo.lock")).expect("copy Cargo.lock");
    git(dir, &["init", "-q"]);
    krate
}

/// `cargo run` in the crate, then `--check`, then the validators on what it wrote.
fn generate_and_validate(service: &Path, krate: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = workspace_root().join("target/quick-start");
    let cargo_run = |extra: &[&str]| {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(krate)
            .args(["run", "--quiet", "--"])
            .args(extra)
            .env("CARGO_TARGET_DIR", &target);
        cmd
    };
    run(cargo_run(&[]), "cargo run (the quick start's generator)");

    for file in [
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        "codepipeline/ci.template.yml",
    ] {
        let path = service.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the quick start did not write {file} at the repository root: {e}"));
        assert!(
            text.contains("cargo run -p pipelines"),
            "{file}: the header should name the regenerate command:\n{text}"
        );
    }
    assert!(
        !krate.join(".github").exists(),
        "files must land at the repository root, not in the crate"
    );
    run(cargo_run(&["--check"]), "cargo run -- --check right after generating");

    if let Some(mut actionlint) = tools::actionlint() {
        actionlint.arg(service.join(".github/workflows/ci.yml"));
        run(actionlint, "actionlint on the quick start's workflow");
    }
    if let Some(mut schema) = tools::command("check-jsonschema") {
        schema
            .args(["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"])
            .arg(service.join(".gitlab-ci.yml"));
        run(schema, "check-jsonschema on the quick start's GitLab file");
    }
}

#[test]
fn the_readme_quick_start_works_in_a_new_crate_with_a_git_or_a_path_dependency() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let main_rs = readme_block(&readme, "src/main.rs");
    let git_dependencies = readme_block(&readme, "Cargo.toml");
    let path_dependencies = readme_path_dependencies(&readme);
    assert_eq!(
        path_dependencies.len(),
        2,
        "the README shows a path dependency for each crate"
    );
    assert!(
        git_dependencies.contains("tag = \"v0.1.0\""),
        "the git dependency is pinned to a tag"
    );

    let tmp = TempDir::new("quick-start");
    let library = tmp.path().join("library");
    tagged_copy_of_this_repository(&library);
    let url = format!("file://{}", library.display());

    // The git dependency, pinned to the tag.
    let service = tmp.path().join("service-git");
    let dependencies = git_dependencies.replace("https://example.invalid/pipelines", &url);
    assert_ne!(
        dependencies, git_dependencies,
        "the README's git URL is the placeholder this test replaces"
    );
    let krate = service_repository(&service, &dependencies, &main_rs);
    generate_and_validate(&service, &krate);

    // The path dependency, for local work (the README's paths are relative to the crate).
    let service = tmp.path().join("service-path");
    let dependencies = format!(
        "[dependencies]\n{}\n",
        path_dependencies
            .iter()
            .map(|line| line.replace("\"../pipelines/", &format!("\"{}/", library.display())))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let krate = service_repository(&service, &dependencies, &main_rs);
    generate_and_validate(&service, &krate);
}
