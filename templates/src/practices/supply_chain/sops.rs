//! Secrets versioned in git, decrypted with SOPS and AWS KMS.

use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use serde::Serialize;

use super::{PRACTICE_PARAMS, script, tools};

/// Decrypts SOPS-encrypted files of the repository with the AWS KMS keys named in them, using
/// an AWS role assumed through the platform's OIDC identity (GitHub:
/// `aws-actions/configure-aws-credentials` with `id-token: write`; GitLab: an ID token and
/// `aws sts assume-role-with-web-identity`; CodeBuild: `aws sts assume-role` from its service
/// role). sops v3.13.3 is downloaded and checked against its SHA-256.
///
/// The plain files are written with mode `0600` and never printed; they are refused as
/// artifacts of the job (`practice-params`), and belong in a path your `.gitignore` lists.
/// The role needs `kms:Decrypt` on the keys: name them with [`SopsDecrypt::kms_key`] and the
/// `aws-access` backend grants it.
///
/// ```
/// use pipeline_templates::practices::supply_chain::SopsDecrypt;
/// use pipeline_core::prelude::*;
///
/// let role = AwsRole::new(Expr::var("SECRETS_ROLE_ARN"), "eu-west-1").session_name("decrypt");
/// let deploy = Job::new("deploy").step(Step::checkout());
/// let deploy = SopsDecrypt::new(role).file("config/prod.enc.yaml", ".secrets/prod.yaml").apply(deploy);
/// let ids: Vec<&str> = deploy.steps.iter().filter_map(|s| s.id_str()).collect();
/// assert_eq!(ids, ["sops-credentials", "decrypt-secrets"]);
///
/// // A decrypted file is never an artifact:
/// let leaky = Job::new("deploy").step(Step::checkout()).step(Step::upload("all", [".secrets"]));
/// let leaky = SopsDecrypt::new(AwsRole::new(Expr::var("R"), "eu-west-1")).file("a.enc.json", ".secrets/a.json").apply(leaky);
/// assert_eq!(leaky.problems[0].code, "practice-params");
/// # pipeline_core::validate::assert_valid(&Pipeline::new("d").on(Trigger::push()).job(deploy.step(Step::script("./deploy.sh"))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SopsDecrypt {
    /// The AWS role allowed to decrypt with the files' KMS keys.
    pub role: AwsRole,
    /// `(encrypted file, plain file)` pairs, relative to the workspace.
    pub files: Vec<(String, String)>,
    /// The KMS keys (ARNs) the files are encrypted with, when given: the decrypt step declares
    /// `kms:Decrypt` on them ([`AwsUse::KmsDecrypt`]), so the `aws-access` backend grants it.
    pub kms_keys: Vec<String>,
}

impl SopsDecrypt {
    /// Decrypts with `role`'s credentials.
    pub fn new(role: AwsRole) -> Self {
        Self {
            role,
            files: Vec::new(),
            kms_keys: Vec::new(),
        }
    }

    /// The files are encrypted with the KMS key `arn` (as in their `sops` metadata).
    #[must_use]
    pub fn kms_key(mut self, arn: impl Into<String>) -> Self {
        self.kms_keys.push(arn.into());
        self
    }

    /// Decrypts `encrypted` into `plain`.
    #[must_use]
    pub fn file(mut self, encrypted: impl Into<String>, plain: impl Into<String>) -> Self {
        self.files.push((encrypted.into(), plain.into()));
        self
    }

    /// The steps: `sops-credentials` (the role) and `decrypt-secrets`.
    pub fn steps(&self) -> Result<Vec<Step>, Problem> {
        if self.files.is_empty() {
            return Err(Problem::new(
                PRACTICE_PARAMS,
                "the SOPS step decrypts no file",
                "add `.file(\"config/prod.enc.yaml\", \".secrets/prod.yaml\")`",
            ));
        }
        #[derive(Serialize)]
        struct File<'a> {
            input: &'a str,
            output: &'a str,
        }
        #[derive(Serialize)]
        struct Context<'a> {
            install: String,
            files: Vec<File<'a>>,
        }
        let body = script::step_body(
            "sops-decrypt.sh",
            Context {
                install: script::install(&tools::SOPS, "sops")?,
                files: self
                    .files
                    .iter()
                    .map(|(input, output)| File { input, output })
                    .collect(),
            },
        )?;
        let decrypt = Step::script(body).id("decrypt-secrets").name("Decrypt SOPS files");
        Ok(vec![
            Step::assume_aws_role(self.role.clone()).id("sops-credentials"),
            if self.kms_keys.is_empty() {
                decrypt
            } else {
                decrypt.uses_aws(AwsUse::kms_decrypt(self.kms_keys.iter().map(String::as_str)))
            },
        ])
    }

    /// Appends the steps to `job`; a plain file that one of the job's uploads would publish is
    /// a problem of the job.
    pub fn apply(&self, mut job: Job) -> Job {
        for (_, plain) in &self.files {
            let plain_path = plain.trim_start_matches("./");
            let leaked = job.steps.iter().find_map(|s| match &s.kind {
                StepKind::Upload(u) => u
                    .paths
                    .iter()
                    .find(|p| covers(p, plain_path))
                    .map(|p| (u.artifact.clone(), p.clone())),
                _ => None,
            });
            if let Some((artifact, path)) = leaked {
                job.problems.push(Problem::new(
                    PRACTICE_PARAMS,
                    format!(
                        "the decrypted file {plain:?} would be uploaded with artifact {:?} (path {path:?})",
                        artifact.as_str()
                    ),
                    "decrypt into a path no upload includes",
                ));
            }
        }
        match self.steps() {
            Ok(steps) => job.steps.extend(steps),
            Err(p) => job.problems.push(p),
        }
        job
    }
}

/// Whether upload path `pattern` would include file `path` (the path itself, a parent directory,
/// or a glob).
fn covers(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    if pattern == "." || pattern.is_empty() || pattern == "**" || pattern == path {
        return true;
    }
    if path.starts_with(&format!("{pattern}/")) {
        return true;
    }
    glob_match(pattern.as_bytes(), path.as_bytes())
}

/// `*` (also across `/`, as upload globs with `**` do) and `?`.
fn glob_match(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob_match(&p[1..], s) || (!s.is_empty() && glob_match(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob_match(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob_match(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_covering_a_plain_file_are_found() {
        assert!(covers(".secrets", ".secrets/a.json"));
        assert!(covers("./.secrets/", ".secrets/a.json"));
        assert!(covers("**/*.json", ".secrets/a.json"));
        assert!(covers(".", ".secrets/a.json"));
        assert!(!covers("dist", ".secrets/a.json"));
        assert!(!covers("*.yaml", ".secrets/a.json"));
    }

    #[test]
    fn the_script_installs_sops_and_keeps_plain_files_private() {
        let steps = SopsDecrypt::new(AwsRole::new(Expr::var("R"), "eu-west-1"))
            .file("config/prod.enc.yaml", ".secrets/it's.yaml")
            .steps()
            .expect("steps");
        let StepKind::Script(body) = &steps[1].kind else {
            panic!("script")
        };
        assert!(body.contains("umask 077"), "{body}");
        assert!(
            body.contains("\"$sops\" --decrypt --output '.secrets/it'\\''s.yaml' config/prod.enc.yaml"),
            "{body}"
        );
        assert!(body.contains("e5bec3346a873ae91d871550f3e698c1aad962aff462a080e40f25fde17fef6b"));
        assert!(!body.contains("cat "), "never printed: {body}");
        assert!(matches!(steps[0].kind, StepKind::AssumeRole(_)));
    }

    #[test]
    fn no_file_is_a_problem() {
        let job = SopsDecrypt::new(AwsRole::new(Expr::var("R"), "eu-west-1")).apply(Job::new("j"));
        assert_eq!(job.problems.len(), 1);
        assert!(job.problems[0].message.contains("decrypts no file"));
    }
}
