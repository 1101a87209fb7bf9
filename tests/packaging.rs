//! The library crates are ready to publish: the metadata crates.io and docs.rs need, and each
//! package holds its sources, its README and both license files. The examples and tests stay
//! unpublished.
//!
//! `cargo package --list` (a fraction of a second, offline) checks what goes into each package;
//! the full `cargo package` also builds every package from its archive (about two minutes on a
//! 2-core machine), which is a maintainer's step before a release (see the README's "Releases
//! and semver"), not part of every test run.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates meant for crates.io.
const LIBRARIES: [&str; 4] = [
    "pipeline-core",
    "pipeline-derive",
    "pipeline-backends",
    "pipeline-templates",
];
/// The workspace members that are never published.
const UNPUBLISHED: [&str; 5] = [
    "acme-platform",
    "example-service",
    "ci",
    "pipeline-tests",
    "pipeline-import",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
        .to_path_buf()
}

fn cargo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn packages() -> Vec<serde_json::Value> {
    let metadata: serde_json::Value =
        serde_json::from_str(&cargo(&["metadata", "--no-deps", "--offline", "--format-version", "1"]))
            .expect("cargo metadata is JSON");
    metadata["packages"].as_array().expect("packages").clone()
}

fn package<'a>(packages: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    packages
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name}"))
}

#[test]
fn library_crates_have_the_metadata_crates_io_and_docs_rs_need() {
    let packages = packages();
    for name in LIBRARIES {
        let p = package(&packages, name);
        // `publish: null` means any registry; `[]` means none.
        assert!(p["publish"].is_null(), "{name} must be publishable: {}", p["publish"]);
        for field in ["description", "license", "repository", "readme", "rust_version"] {
            assert!(
                p[field].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has no {field}"
            );
        }
        assert_eq!(p["license"], "MIT OR Apache-2.0", "{name}");
        let keywords = p["keywords"].as_array().expect("keywords");
        assert!(
            (1..=5).contains(&keywords.len()),
            "{name}: crates.io takes 1 to 5 keywords"
        );
        assert!(!p["categories"].as_array().expect("categories").is_empty(), "{name}");
        assert_eq!(
            p["metadata"]["docs"]["rs"]["all-features"], true,
            "{name} has no [package.metadata.docs.rs]"
        );
        // A sibling needed by a published crate must have a version (crates.io needs one);
        // a sibling only needed by tests must not, or `cargo package` could not resolve the
        // cycle (see the comments in the manifests).
        for dep in p["dependencies"].as_array().expect("dependencies") {
            let sibling = LIBRARIES.contains(&dep["name"].as_str().unwrap_or_default());
            if !sibling {
                continue;
            }
            if dep["kind"] == "dev" {
                assert_eq!(dep["req"], "*", "{name}: dev-dependency {} has a version", dep["name"]);
            } else {
                assert_ne!(dep["req"], "*", "{name}: dependency {} has no version", dep["name"]);
            }
        }
    }
    for name in UNPUBLISHED {
        assert_eq!(
            package(&packages, name)["publish"],
            serde_json::json!([]),
            "{name} must not be published"
        );
    }
}

#[test]
fn every_library_package_holds_its_sources_readme_and_licenses() {
    for name in LIBRARIES {
        let list = cargo(&["package", "--list", "--offline", "--allow-dirty", "-p", name]);
        let files: Vec<&str> = list.lines().collect();
        for required in ["Cargo.toml", "README.md", "LICENSE-MIT", "LICENSE-APACHE", "src/lib.rs"] {
            assert!(
                files.contains(&required),
                "{name} does not package {required}: {files:?}"
            );
        }
        assert!(
            files.iter().all(|f| !f.starts_with("target/")),
            "{name} packages build output"
        );
    }
    // The license files are the root's (symbolic links), so every package has the same text.
    for dir in ["pipeline-core", "pipeline-derive", "backends", "templates"] {
        for license in ["LICENSE-MIT", "LICENSE-APACHE"] {
            let text = std::fs::read_to_string(workspace().join(dir).join(license))
                .unwrap_or_else(|e| panic!("{dir}/{license}: {e}"));
            let root = std::fs::read_to_string(workspace().join(license)).expect("root license");
            assert_eq!(text, root, "{dir}/{license}");
        }
    }
}

/// The repository URL in the manifests is a placeholder until the project has a public home:
/// it must never reach a generated file (where a user would copy it).
#[test]
fn the_repository_url_stays_out_of_generated_files() {
    let packages = packages();
    let url = package(&packages, "pipeline-core")["repository"]
        .as_str()
        .expect("a repository")
        .to_owned();
    let mut stack = vec![workspace().join("examples/service"), workspace().join(".github")];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                seen += 1;
                assert!(!text.contains(&url), "{} contains {url}", path.display());
            }
        }
    }
    assert!(seen > 10, "the generated files were not found");
}
