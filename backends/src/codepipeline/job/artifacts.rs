//! Artifacts: CodePipeline's names for them, where an upload is staged in the workspace, and
//! the buildspec's `artifacts`.

use crate::codepipeline::buildspec::{self, SecondaryArtifact};

/// The buildspec `artifacts` of the uploaded artifacts: the primary artifact for one, secondary
/// artifacts (named like the action's output artifacts) for several.
pub(super) fn artifacts(outputs: &[String]) -> Option<buildspec::Artifacts> {
    match outputs {
        [] => None,
        [one] => Some(buildspec::Artifacts {
            files: vec!["**/*".into()],
            base_directory: Some(stage_dir(one)),
            ..buildspec::Artifacts::default()
        }),
        many => Some(buildspec::Artifacts {
            secondary_artifacts: many
                .iter()
                .map(|name| {
                    let artifact = SecondaryArtifact {
                        files: vec!["**/*".into()],
                        base_directory: Some(stage_dir(name)),
                        discard_paths: None,
                    };
                    (name.clone(), artifact)
                })
                .collect(),
            ..buildspec::Artifacts::default()
        }),
    }
}

/// The CodePipeline artifact name of a portable artifact: `-` becomes `_`, because CodeBuild
/// names the directory of an input artifact `$CODEBUILD_SRC_DIR_<name>`, a shell variable.
pub(crate) fn artifact_name(name: &str) -> String {
    name.replace('-', "_")
}

/// Where an uploaded artifact is staged in the workspace.
pub(crate) fn stage_dir(artifact: &str) -> String {
    format!(".pipeline-artifacts/{artifact}")
}

/// The command staging `paths` as artifact `name`: each file keeps its path relative to the
/// workspace (docs/SEMANTICS.md, section 7).
pub(crate) fn stage_command(name: &str, paths: &[String]) -> String {
    crate::shell::stage_artifact(name, paths, &stage_dir(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_keeps_paths_relative_to_the_workspace() {
        let c = stage_command("pkg", &["dist/a.zip".into(), "dist/a.zip.sha256".into()]);
        assert!(
            c.starts_with("rm -rf .pipeline-artifacts/pkg && mkdir -p .pipeline-artifacts/pkg && (\n"),
            "{c}"
        );
        assert!(
            c.ends_with("tar -cf - dist/a.zip dist/a.zip.sha256 | tar -xf - -C .pipeline-artifacts/pkg\n)"),
            "{c}"
        );
    }
}
