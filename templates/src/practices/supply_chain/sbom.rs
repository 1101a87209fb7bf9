//! Software bills of materials.

use pipeline_core::diagnostic::Problem;
use pipeline_core::prelude::*;
use serde::Serialize;

use super::attestation::{CosignRun, SIGSTORE_ID_TOKEN, cosign_script, signs_on_codebuild};
use super::{PRACTICE_PARAMS, codebuild_refusal, gitlab, script, tools};
use pipeline_backends::codepipeline::CodeBuildStep;
use pipeline_backends::github::pins;

/// What the SBOM describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SbomSource {
    /// A directory: the dependencies its lock files and manifests declare (`Cargo.lock`,
    /// `package-lock.json`...).
    Directory(String),
    /// One file: a binary (Rust binaries built with `cargo auditable`, Go binaries), an archive.
    File(String),
}

/// The SBOM's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbomFormat {
    /// SPDX 2.3 JSON (`spdx-json`).
    SpdxJson,
    /// CycloneDX JSON (`cyclonedx-json`).
    CycloneDxJson,
}

impl SbomFormat {
    /// The format's name for syft and `anchore/sbom-action`.
    pub fn syft_name(self) -> &'static str {
        match self {
            SbomFormat::SpdxJson => "spdx-json",
            SbomFormat::CycloneDxJson => "cyclonedx-json",
        }
    }

    /// cosign's `--type` for an attestation of this SBOM.
    fn cosign_type(self) -> &'static str {
        match self {
            SbomFormat::SpdxJson => "spdxjson",
            SbomFormat::CycloneDxJson => "cyclonedx",
        }
    }
}

/// An SBOM of the built artifact, generated with syft and uploaded as an artifact; optionally
/// attested for the artifact it describes.
///
/// | platform | SBOM | attestation ([`Sbom::attest`]) |
/// |---|---|---|
/// | GitHub | `anchore/sbom-action` (pinned) running syft v1.42.3 | `actions/attest` (pinned) with `subject-path` and `sbom-path`, `id-token: write` and `attestations: write` |
/// | GitLab | syft v1.42.3 downloaded and checked against its SHA-256 | `cosign attest-blob` keyless (the job's `SIGSTORE_ID_TOKEN`): `<subject>.sbom.sigstore.json` |
/// | CodePipeline | the same script as GitLab | `cosign attest-blob` with [`Sbom::codebuild_kms_key`], otherwise `codepipeline-unsupported` naming the feature and the job |
///
/// ```
/// use pipeline_templates::practices::supply_chain::Sbom;
/// use pipeline_core::prelude::*;
///
/// let build = Job::new("build").step(Step::checkout()).step(Step::script("cargo build --release"));
/// let build = Sbom::directory(".").artifact("app-sbom").attest("target/release/app").apply(build);
/// let ids: Vec<&str> = build.steps.iter().filter_map(|s| s.id_str()).collect();
/// assert_eq!(ids, ["sbom", "upload-sbom", "attest-sbom"]);
/// # pipeline_core::validate::assert_valid(&Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(build));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sbom {
    /// What it describes.
    pub source: SbomSource,
    /// Its format.
    pub format: SbomFormat,
    /// Where it is written (relative to the workspace).
    pub output: String,
    /// The artifact it is uploaded as.
    pub artifact: String,
    /// The files it is attested for (none: not attested).
    pub attest: Vec<String>,
    /// The AWS KMS key CodeBuild signs the attestation with.
    pub codebuild_kms_key: Option<String>,
}

impl Sbom {
    /// An SBOM of the dependencies declared in directory `dir`.
    pub fn directory(dir: impl Into<String>) -> Self {
        Self::of(SbomSource::Directory(dir.into()))
    }

    /// An SBOM of file `path` (a binary, an archive).
    pub fn file(path: impl Into<String>) -> Self {
        Self::of(SbomSource::File(path.into()))
    }

    fn of(source: SbomSource) -> Self {
        Self {
            source,
            format: SbomFormat::SpdxJson,
            output: "sbom/sbom.spdx.json".into(),
            artifact: "sbom".into(),
            attest: Vec::new(),
            codebuild_kms_key: None,
        }
    }

    /// Writes CycloneDX JSON instead of SPDX JSON (to `sbom/sbom.cdx.json` unless
    /// [`Sbom::output`] says otherwise).
    #[must_use]
    pub fn cyclonedx(mut self) -> Self {
        self.format = SbomFormat::CycloneDxJson;
        if self.output == "sbom/sbom.spdx.json" {
            self.output = "sbom/sbom.cdx.json".into();
        }
        self
    }

    /// Writes the SBOM to `path`.
    #[must_use]
    pub fn output(mut self, path: impl Into<String>) -> Self {
        self.output = path.into();
        self
    }

    /// Names the artifact it is uploaded as.
    #[must_use]
    pub fn artifact(mut self, name: impl Into<String>) -> Self {
        self.artifact = name.into();
        self
    }

    /// Attests the SBOM for `subject` (the built file it describes).
    #[must_use]
    pub fn attest(mut self, subject: impl Into<String>) -> Self {
        self.attest.push(subject.into());
        self
    }

    /// On CodeBuild, signs the SBOM attestation with this AWS KMS key.
    #[must_use]
    pub fn codebuild_kms_key(mut self, key: impl Into<String>) -> Self {
        self.codebuild_kms_key = Some(key.into());
        self
    }

    /// The steps: `sbom`, `upload-sbom`, and `attest-sbom` when attested. [`Sbom::apply`] also
    /// asks GitLab for the Sigstore ID token an attestation needs.
    pub fn steps(&self) -> Result<Vec<Step>, Problem> {
        let (input, target, source) = match &self.source {
            SbomSource::Directory(d) => ("path", d, format!("dir:{d}")),
            SbomSource::File(f) => ("file", f, format!("file:{f}")),
        };
        if target.trim().is_empty() || self.output.trim().is_empty() {
            return Err(Problem::new(
                PRACTICE_PARAMS,
                "the SBOM has an empty source or output path",
                "give the directory or file it describes and where to write it",
            ));
        }
        #[derive(Serialize)]
        struct Context<'a> {
            install: String,
            target: &'a str,
            source: &'a str,
            format: &'a str,
            output: &'a str,
        }
        let body = script::step_body(
            "sbom.sh",
            Context {
                install: script::install(&tools::SYFT, "syft")?,
                target,
                source: &source,
                format: self.format.syft_name(),
                output: &self.output,
            },
        )?;
        let action = ActionStep::from(pins::SBOM_ACTION)
            .with(input, target.as_str())
            .with("format", self.format.syft_name())
            .with("output-file", self.output.as_str())
            .with("syft-version", tools::SYFT.version)
            .with("upload-artifact", "false")
            .with("upload-release-assets", "false")
            .fallback(body);
        let mut steps = vec![
            Step::action(action).id("sbom").name("Generate the SBOM"),
            Step::upload(self.artifact.as_str(), [self.output.clone()]).id("upload-sbom"),
        ];
        if !self.attest.is_empty() {
            let predicate = script::glob_word(&self.output);
            let keyless = cosign_script(
                "SBOM attestation",
                CosignRun::Attest {
                    predicate: &predicate,
                    predicate_type: self.format.cosign_type(),
                    predicate_script: None,
                },
                &self.attest,
                None,
                ".sbom.sigstore.json",
            )?;
            let codebuild = match &self.codebuild_kms_key {
                Some(key) => CodeBuildStep::script(cosign_script(
                    "SBOM attestation",
                    CosignRun::Attest {
                        predicate: &predicate,
                        predicate_type: self.format.cosign_type(),
                        predicate_script: None,
                    },
                    &self.attest,
                    Some(key),
                    ".sbom.sigstore.json",
                )?),
                None => codebuild_refusal(
                    "SBOM attestation (cosign with an OIDC identity: CodeBuild has none)",
                    "sign the attestation with an AWS KMS key on CodeBuild: `Sbom::..(..).codebuild_kms_key(\"alias/release-signing\")`, or leave the SBOM unattested",
                ),
            };
            let attest = ActionStep::from(pins::ATTEST)
                .with("subject-path", self.attest.join("\n"))
                .with("sbom-path", self.output.as_str())
                .permission(Permission::IdToken, Access::Write)
                .permission(Permission::Attestations, Access::Write)
                .permission(Permission::Contents, Access::Read)
                .fallback(keyless);
            let step = Step::action(attest)
                .id("attest-sbom")
                .name("Attest the SBOM")
                .extend(codebuild);
            steps.push(signs_on_codebuild(step, self.codebuild_kms_key.as_ref()));
        }
        Ok(steps)
    }

    /// Appends the SBOM steps to `job` (after the subjects are built); an attested SBOM asks
    /// GitLab for the `SIGSTORE_ID_TOKEN` ID token (audience `sigstore`).
    pub fn apply(&self, mut job: Job) -> Job {
        match self.steps() {
            Ok(steps) => job.steps.extend(steps),
            Err(p) => job.problems.push(p),
        }
        if !self.attest.is_empty() {
            gitlab(&mut job)
                .id_tokens
                .insert(SIGSTORE_ID_TOKEN.into(), "sigstore".into());
        }
        job
    }
}
