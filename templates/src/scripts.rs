//! The script templates of the library's built-in constructs (the delivery practices of
//! `pipeline_templates::practices`), by name (`<area>/<file>`, e.g. `drift/definition-check.sh`).
//! Every template is rendered with [`render_script`](crate::render_script): values are quoted for
//! the shell unless a template marks them `|safe`.

/// Every built-in script template: name and source.
pub const SCRIPTS: &[(&str, &str)] = &[
    (
        "drift/break-glass-audit.sh",
        include_str!("../templates/scripts/drift/break-glass-audit.sh.j2"),
    ),
    (
        "drift/cloudformation-drift.sh",
        include_str!("../templates/scripts/drift/cloudformation-drift.sh.j2"),
    ),
    (
        "drift/definition-check.sh",
        include_str!("../templates/scripts/drift/definition-check.sh.j2"),
    ),
    (
        "drift/drift-verdict.sh",
        include_str!("../templates/scripts/drift/drift-verdict.sh.j2"),
    ),
    (
        "drift/terraform-drift.sh",
        include_str!("../templates/scripts/drift/terraform-drift.sh.j2"),
    ),
    (
        "drift/terraform-install.sh",
        include_str!("../templates/scripts/drift/terraform-install.sh.j2"),
    ),
    (
        "strategies/appconfig-deploy.sh",
        include_str!("../templates/scripts/strategies/appconfig-deploy.sh.j2"),
    ),
    (
        "strategies/appconfig-rollback.sh",
        include_str!("../templates/scripts/strategies/appconfig-rollback.sh.j2"),
    ),
    (
        "strategies/codedeploy-deploy.sh",
        include_str!("../templates/scripts/strategies/codedeploy-deploy.sh.j2"),
    ),
    (
        "strategies/codedeploy-ecs-register.sh",
        include_str!("../templates/scripts/strategies/codedeploy-ecs-register.sh.j2"),
    ),
    (
        "strategies/codedeploy-lambda.sh",
        include_str!("../templates/scripts/strategies/codedeploy-lambda.sh.j2"),
    ),
    (
        "strategies/codedeploy-rollback.sh",
        include_str!("../templates/scripts/strategies/codedeploy-rollback.sh.j2"),
    ),
    (
        "strategies/health.sh",
        include_str!("../templates/scripts/strategies/health.sh.j2"),
    ),
    (
        "strategies/lambda-idle.sh",
        include_str!("../templates/scripts/strategies/lambda-idle.sh.j2"),
    ),
    (
        "strategies/lambda-promote.sh",
        include_str!("../templates/scripts/strategies/lambda-promote.sh.j2"),
    ),
    (
        "strategies/lambda-publish.sh",
        include_str!("../templates/scripts/strategies/lambda-publish.sh.j2"),
    ),
    (
        "strategies/lambda-restore.sh",
        include_str!("../templates/scripts/strategies/lambda-restore.sh.j2"),
    ),
    (
        "strategies/lambda-rollback.sh",
        include_str!("../templates/scripts/strategies/lambda-rollback.sh.j2"),
    ),
    (
        "strategies/lambda-shift.sh",
        include_str!("../templates/scripts/strategies/lambda-shift.sh.j2"),
    ),
    (
        "strategies/lambda-state.sh",
        include_str!("../templates/scripts/strategies/lambda-state.sh.j2"),
    ),
    (
        "strategies/lambda-switch.sh",
        include_str!("../templates/scripts/strategies/lambda-switch.sh.j2"),
    ),
    (
        "strategies/monitor.sh",
        include_str!("../templates/scripts/strategies/monitor.sh.j2"),
    ),
    (
        "strategies/verify.sh",
        include_str!("../templates/scripts/strategies/verify.sh.j2"),
    ),
    (
        "supply-chain/cosign.sh",
        include_str!("../templates/scripts/supply-chain/cosign.sh.j2"),
    ),
    (
        "supply-chain/install-tool.sh",
        include_str!("../templates/scripts/supply-chain/install-tool.sh.j2"),
    ),
    (
        "supply-chain/provenance-codebuild.sh",
        include_str!("../templates/scripts/supply-chain/provenance-codebuild.sh.j2"),
    ),
    (
        "supply-chain/provenance-gitlab.sh",
        include_str!("../templates/scripts/supply-chain/provenance-gitlab.sh.j2"),
    ),
    (
        "supply-chain/release-summary.sh",
        include_str!("../templates/scripts/supply-chain/release-summary.sh.j2"),
    ),
    (
        "supply-chain/sbom.sh",
        include_str!("../templates/scripts/supply-chain/sbom.sh.j2"),
    ),
    (
        "supply-chain/sops-decrypt.sh",
        include_str!("../templates/scripts/supply-chain/sops-decrypt.sh.j2"),
    ),
    (
        "supply-chain/verify-commits.sh",
        include_str!("../templates/scripts/supply-chain/verify-commits.sh.j2"),
    ),
];

/// The source of built-in script template `name`.
///
/// ```
/// let source = pipeline_templates::builtin_script("drift/definition-check.sh").expect("exists");
/// assert!(source.contains("out of date"));
/// assert!(pipeline_templates::builtin_script("nope.sh").is_none());
/// ```
pub fn builtin_script(name: &str) -> Option<&'static str> {
    SCRIPTS.iter().find(|(n, _)| *n == name).map(|(_, source)| *source)
}

/// Renders built-in script template `name` with `context`.
///
/// # Errors
/// When there is no such template, or it fails to render (an undefined value, a syntax error);
/// the error names the template.
pub fn render_builtin(name: &str, context: impl serde::Serialize) -> Result<String, crate::Error> {
    match builtin_script(name) {
        Some(source) => crate::render_script(name, source, context),
        None => Err(crate::script::unknown(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let mut env = minijinja::Environment::new();
        for (name, source) in SCRIPTS {
            if let Err(e) = env.add_template(name, source) {
                panic!("{name}: {e}");
            }
        }
        let mut names: Vec<&str> = SCRIPTS.iter().map(|(n, _)| *n).collect();
        names.dedup();
        assert_eq!(names.len(), SCRIPTS.len());
    }
}
