//! Provenance attestations and artifact signatures.

use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use serde::Serialize;

use super::tools::{self, PinnedTool};
use super::{PRACTICE_PARAMS, codebuild_refusal, gitlab, script};
use pipeline_backends::codepipeline::CodeBuildStep;
use pipeline_backends::github::pins;

/// The GitLab variable that makes GitLab Runner write SLSA provenance for a job's artifacts.
pub const GITLAB_PROVENANCE_VARIABLE: &str = "RUNNER_GENERATE_ARTIFACTS_METADATA";
/// The GitLab ID token cosign reads for keyless signing (audience `sigstore`).
pub const SIGSTORE_ID_TOKEN: &str = "SIGSTORE_ID_TOKEN";

/// What cosign runs: a signature or an in-toto attestation of each subject.
pub(crate) enum CosignRun<'a> {
    Sign,
    Attest {
        /// A shell word naming the predicate file.
        predicate: &'a str,
        /// cosign's `--type`.
        predicate_type: &'a str,
        /// Shell code writing the predicate (run before, with `$work` set), if any.
        predicate_script: Option<String>,
    },
}

/// A cosign script for `subjects`, signed keyless (with the platform's OIDC identity) or with
/// AWS KMS key `key`; each subject gets `<subject><suffix>` (a Sigstore bundle).
pub(crate) fn cosign_script(
    what: &str,
    run: CosignRun<'_>,
    subjects: &[String],
    key: Option<&str>,
    suffix: &str,
) -> Result<String, Problem> {
    #[derive(Serialize)]
    struct Context<'a> {
        what: &'a str,
        how: &'a str,
        version: &'a str,
        install: String,
        keyless: bool,
        key: Option<String>,
        predicate_script: Option<String>,
        predicate: Option<&'a str>,
        predicate_type: Option<&'a str>,
        subjects: String,
        patterns: String,
        suffix: &'a str,
    }
    let cosign: &PinnedTool = &tools::COSIGN;
    let (predicate, predicate_type, predicate_script) = match run {
        CosignRun::Sign => (None, None, None),
        CosignRun::Attest {
            predicate,
            predicate_type,
            predicate_script,
        } => (Some(predicate), Some(predicate_type), predicate_script),
    };
    let how = if key.is_some() {
        "an AWS KMS key"
    } else {
        "keyless: the platform's OIDC identity"
    };
    script::step_body(
        "cosign.sh",
        Context {
            what,
            how,
            version: cosign.version,
            install: script::install(cosign, "cosign")?,
            keyless: key.is_none(),
            key: key.map(kms_uri),
            predicate_script,
            predicate,
            predicate_type,
            subjects: script::glob_words(subjects),
            patterns: subjects.join(" "),
            suffix,
        },
    )
}

/// The AWS access of signing with KMS key `key` (as given to cosign): `kms:Sign` on that key.
pub(crate) fn kms_use(key: &str) -> AwsUse {
    AwsUse::kms_sign(key.strip_prefix("awskms:///").unwrap_or(key))
}

/// `step`, which signs with `key` on CodeBuild only, with that AWS access there.
pub(crate) fn signs_on_codebuild(step: Step, key: Option<&String>) -> Step {
    match key {
        Some(key) => step.uses_aws_on(Platform::CodePipeline, kms_use(key)),
        None => step,
    }
}

/// cosign's reference to an AWS KMS key (`awskms:///alias/release-signing`): a key id, alias or
/// ARN as given, or a reference that already names its scheme.
fn kms_uri(key: &str) -> String {
    if key.starts_with("awskms://") {
        key.to_owned()
    } else {
        format!("awskms:///{key}")
    }
}

fn no_subjects(what: &str) -> Problem {
    Problem::new(
        PRACTICE_PARAMS,
        format!("the {what} has no subject"),
        "name the files it covers (paths relative to the workspace; `*` and `?` allowed)",
    )
}

/// SLSA build provenance of a built artifact, attested where it is built.
///
/// | platform | what it gets |
/// |---|---|
/// | GitHub | `actions/attest` (pinned) with `subject-path`: a signed SLSA provenance attestation stored by GitHub (`gh attestation verify`); the step declares `id-token: write`, `attestations: write` and `contents: read`, so the job's least-privilege grant includes them |
/// | GitLab | `RUNNER_GENERATE_ARTIFACTS_METADATA: "true"` on the job: GitLab Runner writes an SLSA provenance statement (`<artifact>-metadata.json`) beside the job's artifacts; the step checks the subjects exist |
/// | CodePipeline | no native provenance: with [`Provenance::codebuild_kms_key`], the build writes an SLSA predicate from CodeBuild's variables and `cosign attest-blob` signs it with the AWS KMS key into `<subject>.provenance.sigstore.json` beside the subject ([`Signing`] after it uploads every `<subject>*.sigstore.json`); without a key, generating for CodePipeline fails with `codepipeline-unsupported` naming the feature and the job |
///
/// Attestations of private repositories need GitHub Enterprise Cloud; GitLab's provenance is
/// unsigned (sign it with [`Signing`] if consumers need a signature).
///
/// ```
/// use pipeline_templates::practices::supply_chain::Provenance;
/// use pipeline_core::prelude::*;
///
/// let build = Job::new("build")
///     .step(Step::checkout())
///     .step(Step::script("make dist/app.zip"))
///     .step(Step::upload("app", ["dist/app.zip"]));
/// let build = Provenance::new("dist/app.zip").codebuild_kms_key("alias/release-signing").apply(build);
/// let StepKind::Action(attest) = &build.steps[3].kind else { panic!("an action") };
/// assert_eq!(attest.action.name, "actions/attest");
/// assert!(attest.permissions.contains(&(Permission::Attestations, Access::Write)));
/// # pipeline_core::validate::assert_valid(&Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(build));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The files attested (paths relative to the workspace; `*` and `?` allowed).
    pub subjects: Vec<String>,
    /// The AWS KMS key (id, alias or ARN) CodeBuild signs the provenance with.
    pub codebuild_kms_key: Option<String>,
}

impl Provenance {
    /// Provenance of `subject`.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subjects: vec![subject.into()],
            codebuild_kms_key: None,
        }
    }

    /// Also attests `subject`.
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subjects.push(subject.into());
        self
    }

    /// On CodeBuild, signs the provenance with this AWS KMS key (the CodeBuild service role
    /// needs `kms:Sign` and `kms:GetPublicKey` on it).
    #[must_use]
    pub fn codebuild_kms_key(mut self, key: impl Into<String>) -> Self {
        self.codebuild_kms_key = Some(key.into());
        self
    }

    /// The step (id `provenance`), without GitLab's job variable: prefer [`Provenance::apply`].
    pub fn steps(&self) -> Result<Vec<Step>, Problem> {
        if self.subjects.is_empty() {
            return Err(no_subjects("provenance attestation"));
        }
        #[derive(Serialize)]
        struct Gitlab {
            subjects: String,
            patterns: String,
        }
        let gitlab_check = script::step_body(
            "provenance-gitlab.sh",
            Gitlab {
                subjects: script::glob_words(&self.subjects),
                patterns: self.subjects.join(" "),
            },
        )?;
        let codebuild = match &self.codebuild_kms_key {
            Some(key) => {
                let predicate = script::render("provenance-codebuild.sh", ())?;
                let body = cosign_script(
                    "SLSA provenance",
                    CosignRun::Attest {
                        predicate: "\"$work/provenance.json\"",
                        predicate_type: "slsaprovenance1",
                        predicate_script: Some(predicate),
                    },
                    &self.subjects,
                    Some(key),
                    ".provenance.sigstore.json",
                )?;
                CodeBuildStep::script(body)
            }
            None => codebuild_refusal(
                "SLSA provenance attestation (CodeBuild has no native provenance and no OIDC identity for keyless signing)",
                "sign the provenance with an AWS KMS key: `Provenance::new(..).codebuild_kms_key(\"alias/release-signing\")`",
            ),
        };
        let attest = ActionStep::from(pins::ATTEST)
            .with("subject-path", self.subjects.join("\n"))
            .permission(Permission::IdToken, Access::Write)
            .permission(Permission::Attestations, Access::Write)
            .permission(Permission::Contents, Access::Read)
            .fallback(gitlab_check);
        let step = Step::action(attest)
            .id("provenance")
            .name("Attest build provenance")
            .extend(codebuild);
        Ok(vec![signs_on_codebuild(step, self.codebuild_kms_key.as_ref())])
    }

    /// Appends the provenance steps to `job` (the job that builds the subjects, after they are
    /// built) and sets GitLab's provenance variable on it.
    pub fn apply(&self, mut job: Job) -> Job {
        match self.steps() {
            Ok(steps) => job.steps.extend(steps),
            Err(p) => job.problems.push(p),
        }
        gitlab(&mut job)
            .variables
            .insert(GITLAB_PROVENANCE_VARIABLE.into(), "true".into());
        job
    }
}

/// Who signs: the platform's OIDC identity (keyless, through Sigstore's Fulcio and Rekor) or an
/// AWS KMS key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// Keyless signing with the job's OIDC identity; CodeBuild has none, so it signs with
    /// `codebuild_kms_key` or the step is refused there.
    Keyless {
        /// The AWS KMS key (id, alias or ARN) CodeBuild signs with.
        codebuild_kms_key: Option<String>,
    },
    /// Signing with an AWS KMS key on every platform (the job needs AWS credentials: give an
    /// [`AwsRole`] with [`Signing::role`]).
    AwsKms {
        /// The key's id, alias (`alias/release-signing`) or ARN.
        key: String,
    },
}

/// Signs built artifacts with cosign (`cosign sign-blob`): one Sigstore bundle
/// (`<subject>.sigstore.json`: signature, certificate or key reference, transparency-log entry)
/// per subject, uploaded as an artifact with every other bundle of the subjects written before
/// (`<subject>*.sigstore.json`: the cosign attestations of [`Provenance`] and
/// [`Sbom`](super::Sbom) on platforms without native attestations).
///
/// | platform | keyless (default) | AWS KMS |
/// |---|---|---|
/// | GitHub | `sigstore/cosign-installer` (pinned, cosign v3.0.6) with `id-token: write`, then `cosign sign-blob --yes --bundle` | the same with `--key awskms:///<key>` after the role step |
/// | GitLab | cosign v3.0.6 downloaded and checked against its SHA-256, the job's `id_tokens: SIGSTORE_ID_TOKEN` (`aud: sigstore`) | the same with `--key awskms:///<key>` |
/// | CodePipeline | no OIDC identity: signs with [`Signing::codebuild_kms_key`] when given, otherwise `codepipeline-unsupported` naming the feature and the job | `--key awskms:///<key>` with the role assumed from the CodeBuild service role |
///
/// Keyless signing goes through the public Sigstore instance (Fulcio issues a short-lived
/// certificate for the job's identity, Rekor logs the signature publicly): GitLab.com's
/// identities are accepted; a self-managed GitLab must be trusted by the Fulcio it uses. KMS
/// signatures are logged in Rekor too (cosign's default). Subjects should not match the bundles
/// themselves (`dist/*` with bundles written into `dist/` by an earlier run).
///
/// Verify a keyless bundle with `cosign verify-blob --bundle app.zip.sigstore.json
/// --certificate-identity-regexp '^https://github.com/OWNER/REPO/' --certificate-oidc-issuer
/// https://token.actions.githubusercontent.com app.zip` (GitLab: `https://gitlab.com`).
///
/// ```
/// use pipeline_templates::practices::supply_chain::Signing;
/// use pipeline_core::prelude::*;
///
/// let build = Job::new("build").step(Step::script("make dist/app.zip"));
/// let build = Signing::keyless("dist/app.zip").artifact("app-signatures").apply(build);
/// let ids: Vec<&str> = build.steps.iter().filter_map(|s| s.id_str()).collect();
/// assert_eq!(ids, ["install-cosign", "sign", "upload-signatures"]);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(build));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signing {
    /// The files signed (relative to the workspace; `*` and `?` allowed).
    pub subjects: Vec<String>,
    /// Who signs.
    pub signer: Signer,
    /// The AWS role assumed first (for [`Signer::AwsKms`]).
    pub role: Option<AwsRole>,
    /// The artifact the bundles are uploaded as.
    pub artifact: String,
}

impl Signing {
    /// Keyless signing of `subject` with the platform's OIDC identity.
    pub fn keyless(subject: impl Into<String>) -> Self {
        Self {
            subjects: vec![subject.into()],
            signer: Signer::Keyless {
                codebuild_kms_key: None,
            },
            role: None,
            artifact: "signatures".into(),
        }
    }

    /// Signing of `subject` with AWS KMS key `key` on every platform.
    pub fn aws_kms(subject: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            signer: Signer::AwsKms { key: key.into() },
            ..Self::keyless(subject)
        }
    }

    /// Also signs `subject`.
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subjects.push(subject.into());
        self
    }

    /// With keyless signing, signs with this AWS KMS key on CodeBuild (the service role needs
    /// `kms:Sign` and `kms:GetPublicKey`).
    #[must_use]
    pub fn codebuild_kms_key(mut self, key: impl Into<String>) -> Self {
        if let Signer::Keyless { codebuild_kms_key } = &mut self.signer {
            *codebuild_kms_key = Some(key.into());
        }
        self
    }

    /// Assumes `role` before signing (the credentials a KMS key needs).
    #[must_use]
    pub fn role(mut self, role: AwsRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Names the artifact the bundles are uploaded as.
    #[must_use]
    pub fn artifact(mut self, name: impl Into<String>) -> Self {
        self.artifact = name.into();
        self
    }

    /// The steps: optionally the role, then `install-cosign`, `sign` and `upload-signatures`.
    /// [`Signing::apply`] also asks GitLab for the Sigstore ID token.
    pub fn steps(&self) -> Result<Vec<Step>, Problem> {
        if self.subjects.is_empty() {
            return Err(no_subjects("signature"));
        }
        let (key, keyless) = match &self.signer {
            Signer::Keyless { .. } => (None, true),
            Signer::AwsKms { key } => (Some(key.as_str()), false),
        };
        let sign = cosign_script("Signatures", CosignRun::Sign, &self.subjects, key, ".sigstore.json")?;
        let codebuild = match &self.signer {
            Signer::Keyless {
                codebuild_kms_key: Some(k),
            } => CodeBuildStep::script(cosign_script(
                "Signatures",
                CosignRun::Sign,
                &self.subjects,
                Some(k),
                ".sigstore.json",
            )?),
            Signer::Keyless {
                codebuild_kms_key: None,
            } => codebuild_refusal(
                "keyless signing (cosign with an OIDC identity: CodeBuild has none)",
                "sign with an AWS KMS key on CodeBuild, `Signing::keyless(..).codebuild_kms_key(\"alias/release-signing\")`, or everywhere, `Signing::aws_kms(..)`",
            ),
            Signer::AwsKms { .. } => CodeBuildStep::default(),
        };
        let mut installer = ActionStep::from(pins::COSIGN_INSTALLER)
            .with("cosign-release", tools::COSIGN.version)
            .fallback(script::subshell(&format!(
                "# Installs cosign (the next step uses it).\nset -eu\n{}",
                script::install(&tools::COSIGN, "cosign")?
            )));
        if keyless {
            // The sign step after it signs with the job's OIDC token.
            installer = installer.permission(Permission::IdToken, Access::Write);
        }
        let mut steps = Vec::new();
        if let Some(role) = &self.role {
            steps.push(Step::assume_aws_role(role.clone()).id("signing-credentials"));
        }
        steps.push(Step::action(installer).id("install-cosign").name("Install cosign"));
        let mut sign = Step::script(sign).id("sign").name("Sign with cosign").extend(codebuild);
        sign = match &self.signer {
            Signer::Keyless { codebuild_kms_key } => signs_on_codebuild(sign, codebuild_kms_key.as_ref()),
            Signer::AwsKms { key } => sign.uses_aws(kms_use(key)),
        };
        steps.push(sign);
        // Every Sigstore bundle of the subjects: the signatures, and the attestations written
        // before (provenance and SBOM on platforms without native attestations).
        let bundles: Vec<String> = self.subjects.iter().map(|s| format!("{s}*.sigstore.json")).collect();
        steps.push(Step::upload(self.artifact.as_str(), bundles).id("upload-signatures"));
        Ok(steps)
    }

    /// Appends the signing steps to `job` (after the subjects are built) and, for keyless
    /// signing, asks GitLab for the `SIGSTORE_ID_TOKEN` ID token (audience `sigstore`).
    pub fn apply(&self, mut job: Job) -> Job {
        match self.steps() {
            Ok(steps) => job.steps.extend(steps),
            Err(p) => job.problems.push(p),
        }
        if matches!(self.signer, Signer::Keyless { .. }) {
            gitlab(&mut job)
                .id_tokens
                .insert(SIGSTORE_ID_TOKEN.into(), "sigstore".into());
        }
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script_of(step: &Step) -> &str {
        match &step.kind {
            StepKind::Script(s) => s,
            StepKind::Action(a) => a.fallback.as_deref().unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    /// The signing script with a stand-in cosign on `PATH`: it uses that cosign (the pinned
    /// version) instead of downloading one, signs every file a glob matches, and refuses to sign
    /// without an OIDC token or without a file.
    #[test]
    fn the_signing_script_signs_every_matching_file() {
        let dir = std::env::temp_dir().join(format!("signing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("mkdir");
        std::fs::create_dir_all(dir.join("my dist")).expect("mkdir");
        std::fs::write(dir.join("my dist/a.zip"), "a").expect("write");
        std::fs::write(dir.join("my dist/b.zip"), "b").expect("write");
        std::fs::write(
            dir.join("bin/cosign"),
            "#!/bin/sh\ncase \"$1\" in\n  version) echo 'GitVersion:    v3.0.6' ;;\n  sign-blob) shift; while [ \"$1\" != --bundle ]; do shift; done; printf 'bundle of %s\\n' \"$3\" > \"$2\" ;;\n  *) exit 9 ;;\nesac\n",
        )
        .expect("write");
        let steps = Signing::keyless("my dist/*.zip").steps().expect("steps");
        std::fs::write(dir.join("sign.sh"), script_of(&steps[1])).expect("write");
        let run = |token: Option<&str>| {
            let mut cmd = std::process::Command::new("sh");
            cmd.current_dir(&dir)
                .arg("-c")
                .arg("chmod +x bin/cosign && sh sign.sh")
                .env("PATH", format!("{}:/usr/bin:/bin", dir.join("bin").display()))
                .env("HOME", dir.join("home"))
                .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
                .env_remove("SIGSTORE_ID_TOKEN");
            if let Some(t) = token {
                cmd.env("SIGSTORE_ID_TOKEN", t);
            }
            cmd.output().expect("sh runs")
        };
        let out = run(None);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("keyless signing needs the platform's OIDC token"));
        let out = run(Some("token"));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for f in ["a", "b"] {
            let bundle = std::fs::read_to_string(dir.join(format!("my dist/{f}.zip.sigstore.json"))).expect("bundle");
            assert_eq!(bundle, format!("bundle of my dist/{f}.zip\n"));
        }
        // Nothing was downloaded: the cosign on PATH is the pinned release.
        assert!(!dir.join("home/.pipeline-tools").exists());
        std::fs::remove_dir_all(dir.join("my dist")).expect("rm");
        let out = run(Some("token"));
        assert!(String::from_utf8_lossy(&out.stderr).contains("error: no file matches my dist/*.zip"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn codebuild_gets_a_kms_script_or_a_refusal() {
        let keyless = Signing::keyless("app.zip").steps().expect("steps");
        let refusal = keyless[1].extensions.get::<CodeBuildStep>().expect("settings");
        assert!(refusal.unsupported.is_some() && refusal.script.is_none());
        let kms = Signing::keyless("app.zip")
            .codebuild_kms_key("alias/k")
            .steps()
            .expect("steps");
        let script = kms[1].extensions.get::<CodeBuildStep>().and_then(|s| s.script.clone());
        assert!(script.is_some_and(|s| s.contains("--key awskms:///alias/k")));
        assert_eq!(kms_uri("awskms://host/alias/k"), "awskms://host/alias/k");
        // KMS everywhere: the portable script already signs with the key.
        let everywhere = Signing::aws_kms("app.zip", "alias/k").steps().expect("steps");
        assert!(script_of(&everywhere[1]).contains("--key awskms:///alias/k"));
        assert_eq!(
            everywhere[1].extensions.get::<CodeBuildStep>(),
            Some(&CodeBuildStep::default())
        );
        let StepKind::Action(installer) = &everywhere[0].kind else {
            panic!("installer")
        };
        assert!(installer.permissions.is_empty(), "no OIDC token needed for KMS");
    }

    #[test]
    fn the_codebuild_provenance_is_json() {
        let steps = Provenance::new("app.zip")
            .codebuild_kms_key("alias/k")
            .steps()
            .expect("steps");
        let body = steps[0]
            .extensions
            .get::<CodeBuildStep>()
            .and_then(|s| s.script.clone())
            .expect("script");
        let start = body.find("# SLSA provenance of this CodeBuild").expect("predicate");
        let end = body.find("found=0").expect("loop");
        let predicate = format!(
            "work=\"$(mktemp -d)\"\n{}cat \"$work/provenance.json\"\n",
            &body[start..end]
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(predicate)
            .env("CODEBUILD_SOURCE_REPO_URL", "https://example.com/a\"b\\c")
            .env("CODEBUILD_RESOLVED_SOURCE_VERSION", "0123abc")
            .output()
            .expect("sh runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(r#""uri": "https://example.com/a\"b\\c""#), "{text}");
        assert!(text.contains(r#""gitCommit": "0123abc""#), "{text}");
    }
}
