//! Script bodies of the supply-chain practices, rendered from the built-in templates
//! `supply-chain/*` of `pipeline-templates` (`templates/templates/scripts/supply-chain/`) with
//! every value quoted for the shell; what is shell code
//! on purpose (an install snippet, a glob) is built here and marked `|safe` in the template.

use pipeline_core::diagnostic::Problem;
use serde::Serialize;

use super::tools::PinnedTool;

/// Renders template `name` with `context`; a failure is a problem for the job (reported by
/// validation, with its path, before anything is written).
pub(crate) fn render(name: &str, context: impl Serialize) -> Result<String, Problem> {
    let problem = |e: String| {
        Problem::new(
            "template",
            format!("script template {name} failed: {e}"),
            "fix the practice's parameters (or its template)",
        )
    };
    crate::render_builtin(&format!("supply-chain/{name}"), context).map_err(|e| problem(e.to_string()))
}

/// A step's script from template `name`: its leading comment, then its commands in a subshell,
/// so that `set -eu`, traps, variables and `exit` stay in the step where a platform runs every
/// step of a job in one shell (GitLab).
pub(crate) fn step_body(name: &str, context: impl Serialize) -> Result<String, Problem> {
    Ok(subshell(&render(name, context)?))
}

/// `body` with its commands (after its leading comment lines) in a subshell.
pub(crate) fn subshell(body: &str) -> String {
    let split = body
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.len() + 1)
        .sum::<usize>()
        .min(body.len());
    let (comment, commands) = body.split_at(split);
    let commands = commands.trim_end_matches('\n');
    format!("{comment}(\n{commands}\n)\n")
}

/// The snippet installing `tool` (checksum-verified) and setting shell variable `variable` to
/// its path.
pub(crate) fn install(tool: &PinnedTool, variable: &str) -> Result<String, Problem> {
    #[derive(Serialize)]
    struct Install<'a> {
        name: &'a str,
        version: &'a str,
        url_amd64: &'a str,
        sha256_amd64: &'a str,
        url_arm64: &'a str,
        sha256_arm64: &'a str,
        archive_member: Option<&'a str>,
        variable: &'a str,
    }
    render(
        "install-tool.sh",
        Install {
            name: tool.name,
            version: tool.version,
            url_amd64: tool.url_amd64,
            sha256_amd64: tool.sha256_amd64,
            url_arm64: tool.url_arm64,
            sha256_arm64: tool.sha256_arm64,
            archive_member: tool.archive_member,
            variable,
        },
    )
}

/// A path pattern as one shell word that still expands its `*` and `?`: every other part is
/// single-quoted (`dist/*.zip` becomes `'dist/'*'.zip'`).
pub(crate) fn glob_word(pattern: &str) -> String {
    let mut out = String::new();
    let mut literal = String::new();
    let flush = |literal: &mut String, out: &mut String| {
        if !literal.is_empty() {
            out.push_str(&crate::shell_quote(literal));
            literal.clear();
        }
    };
    for c in pattern.chars() {
        if c == '*' || c == '?' {
            flush(&mut literal, &mut out);
            out.push(c);
        } else {
            literal.push(c);
        }
    }
    flush(&mut literal, &mut out);
    if out.is_empty() { "''".into() } else { out }
}

/// Several patterns as shell words separated by spaces.
pub(crate) fn glob_words(patterns: &[String]) -> String {
    patterns.iter().map(|p| glob_word(p)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_expand_and_the_rest_is_quoted() {
        assert_eq!(glob_word("dist/*.zip"), "dist/*.zip");
        assert_eq!(glob_word("my dist/*.zip"), "'my dist/'*.zip");
        assert_eq!(glob_word("a;b?"), "'a;b'?");
        assert_eq!(glob_words(&["a".into(), "$(x)".into()]), "a '$(x)'");
    }

    #[test]
    fn glob_words_survive_the_shell() {
        let dir = std::env::temp_dir().join(format!("supply-chain-glob-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("my dist")).expect("mkdir");
        std::fs::write(dir.join("my dist/a.zip"), "").expect("write");
        std::fs::write(dir.join("my dist/b.txt"), "").expect("write");
        let out = std::process::Command::new("sh")
            .current_dir(&dir)
            .arg("-c")
            .arg(format!("for f in {}; do echo \"$f\"; done", glob_word("my dist/*.zip")))
            .output()
            .expect("sh runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "my dist/a.zip\n");
    }

    #[test]
    fn step_bodies_run_in_a_subshell_after_their_comment() {
        assert_eq!(
            subshell("# what\n# why\nset -eu\nexit 0\n"),
            "# what\n# why\n(\nset -eu\nexit 0\n)\n"
        );
        assert_eq!(subshell("true"), "(\ntrue\n)\n");
    }

    #[test]
    fn install_snippets_quote_their_values() {
        let s = install(&super::super::tools::COSIGN, "cosign").expect("renders");
        assert!(
            s.contains("tool_home=\"${HOME:-/tmp}/.pipeline-tools/\"cosign-v3.0.6\n"),
            "{s}"
        );
        assert!(s.ends_with("cosign=\"$tool_home/\"cosign\n"), "{s}");
        assert!(
            s.contains("c956e5dfcac53d52bcf058360d579472f0c1d2d9b69f55209e256fe7783f4c74"),
            "{s}"
        );
    }
}
