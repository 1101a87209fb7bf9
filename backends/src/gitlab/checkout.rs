//! Checkouts of another repository, ref or directory on GitLab: GitLab fetches only the project
//! itself, at the commit being built, before the job's script, so these become a script step
//! that fetches the repository over HTTPS from the same GitLab instance. Every value reaches the
//! script as an environment variable (data, never script text); the token is sent as an HTTP
//! header for this GitLab instance only and is not stored in the clone (as GitHub's
//! `persist-credentials: false`).

use pipeline_core::{Checkout, Expr, Step};

/// The fetch script (bash) of a checkout of another repository, ref or directory: the values
/// reach it as `PIPELINE_CHECKOUT_*` environment variables. Defaults: the project itself
/// (`$CI_PROJECT_PATH`), at the commit being built, or another repository's default branch; one
/// commit deep; the job token. Public so that the importer recognises the step it generates.
pub const FETCH: &str = r#"pipeline_repository="${PIPELINE_CHECKOUT_REPOSITORY:-$CI_PROJECT_PATH}"
if [ -n "${PIPELINE_CHECKOUT_REF:-}" ]; then pipeline_ref="$PIPELINE_CHECKOUT_REF"
elif [ -n "${PIPELINE_CHECKOUT_REPOSITORY:-}" ]; then pipeline_ref=HEAD
else pipeline_ref="$CI_COMMIT_SHA"; fi
pipeline_auth="$(printf '%s:%s' "$PIPELINE_CHECKOUT_USER" "${PIPELINE_CHECKOUT_TOKEN:-$CI_JOB_TOKEN}" | base64 | tr -d '\n')"
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.$CI_SERVER_URL/.extraHeader" GIT_CONFIG_VALUE_0="Authorization: Basic $pipeline_auth"
pipeline_depth=()
if [ "$PIPELINE_CHECKOUT_DEPTH" != 0 ]; then pipeline_depth=(--depth "$PIPELINE_CHECKOUT_DEPTH"); fi
mkdir -p -- "${PIPELINE_CHECKOUT_PATH:-.}"
cd -- "${PIPELINE_CHECKOUT_PATH:-.}" || exit 1
if [ ! -e .git ]; then git init -q; fi
git fetch -q --no-tags ${pipeline_depth[@]+"${pipeline_depth[@]}"} "$CI_SERVER_URL/$pipeline_repository.git" "$pipeline_ref"
git checkout -q --force FETCH_HEAD
if [ "$PIPELINE_CHECKOUT_SUBMODULES" = true ]; then git submodule update -q --init --recursive ${pipeline_depth[@]+"${pipeline_depth[@]}"}; fi
if [ "$PIPELINE_CHECKOUT_LFS" = true ]; then git lfs pull; fi
"#;

/// The script step that performs checkout `c` of `step` (its id, name, condition and failure
/// handling kept).
pub(super) fn fetch_step(step: &Step, c: &Checkout) -> Step {
    let mut s = Step::script(FETCH);
    s.id = step.id.clone();
    s.name = step.name.clone();
    s.condition = step.condition.clone();
    s.continue_on_error = step.continue_on_error;
    s.env = step.env.clone();
    if let Some(repo) = &c.repository {
        s = s.env("PIPELINE_CHECKOUT_REPOSITORY", repo.as_str());
    }
    if let Some(r) = &c.git_ref {
        s = s.env("PIPELINE_CHECKOUT_REF", r.as_str());
    }
    if let Some(p) = &c.path {
        s = s.env("PIPELINE_CHECKOUT_PATH", p.as_str());
    }
    // GitLab accepts the job token as `gitlab-ci-token`, access tokens under any other name.
    let user = match &c.token {
        Some(Expr::Secret(_)) => "oauth2",
        _ => "gitlab-ci-token",
    };
    s = s.env("PIPELINE_CHECKOUT_USER", user);
    if let Some(token) = &c.token {
        s = s.env("PIPELINE_CHECKOUT_TOKEN", token.clone());
    }
    s = s.env("PIPELINE_CHECKOUT_DEPTH", c.fetch_depth.unwrap_or(1).to_string());
    s = s.env("PIPELINE_CHECKOUT_SUBMODULES", c.submodules.to_string());
    s.env("PIPELINE_CHECKOUT_LFS", c.lfs.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::FETCH;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.email=t@example.com",
                "-c",
                "user.name=t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("git: {e}"));
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The fetch script against a repository served from disk: a tag one commit deep into a
    /// directory, the project's own commit with its whole history, and another repository's
    /// default branch; the token never lands in the clone's configuration.
    #[test]
    fn the_fetch_script_checks_out_refs_into_directories_without_keeping_the_token() {
        let root = std::env::temp_dir().join(format!("pipeline-gitlab-fetch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (src, srv, work) = (root.join("src"), root.join("srv/acme"), root.join("work"));
        for d in [&src, &srv, &work] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        git(&src, &["init", "-q"]);
        for (n, file) in ["one", "two", "three"].iter().enumerate() {
            std::fs::write(src.join(file), "x").unwrap_or_else(|e| panic!("{e}"));
            git(&src, &["add", "."]);
            git(&src, &["commit", "-q", "-m", file]);
            if n == 1 {
                git(&src, &["tag", "v2.1.0"]);
            }
        }
        let first = git(&src, &["rev-parse", "HEAD~2"]);
        git(&root, &["clone", "-q", "--bare", "src", "srv/acme/tools.git"]);
        let run = |vars: &[(&str, &str)]| {
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", FETCH])
                .current_dir(&work)
                .env("CI_SERVER_URL", format!("file://{}", root.join("srv").display()))
                .env("CI_PROJECT_PATH", "acme/tools")
                .env("CI_JOB_TOKEN", "job-token")
                .env("CI_COMMIT_SHA", &first)
                .env("PIPELINE_CHECKOUT_USER", "gitlab-ci-token")
                .env("PIPELINE_CHECKOUT_SUBMODULES", "false")
                .env("PIPELINE_CHECKOUT_LFS", "false");
            for (k, v) in vars {
                cmd.env(k, v);
            }
            let out = cmd.output().unwrap_or_else(|e| panic!("bash: {e}"));
            assert!(
                out.status.success(),
                "{vars:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            ("PIPELINE_CHECKOUT_REPOSITORY", "acme/tools"),
            ("PIPELINE_CHECKOUT_REF", "v2.1.0"),
            ("PIPELINE_CHECKOUT_PATH", "tagged"),
            ("PIPELINE_CHECKOUT_TOKEN", "secret-token"),
            ("PIPELINE_CHECKOUT_DEPTH", "1"),
        ]);
        assert_eq!(git(&work.join("tagged"), &["log", "--format=%s"]), "two");
        assert!(!git(&work.join("tagged"), &["config", "--list", "--local"]).contains("token"));
        run(&[("PIPELINE_CHECKOUT_PATH", "own"), ("PIPELINE_CHECKOUT_DEPTH", "0")]);
        assert_eq!(git(&work.join("own"), &["log", "--format=%s"]), "one");
        run(&[
            ("PIPELINE_CHECKOUT_REPOSITORY", "acme/tools"),
            ("PIPELINE_CHECKOUT_PATH", "default"),
            ("PIPELINE_CHECKOUT_DEPTH", "1"),
        ]);
        assert_eq!(git(&work.join("default"), &["log", "--format=%s"]), "three");
        let _ = std::fs::remove_dir_all(&root);
    }
}
