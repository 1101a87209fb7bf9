//! Supply-chain practices: who wrote the code, how the artifact was built, what is in it, who
//! signed it, which secrets it was deployed with, and what changed.
//!
//! | practice | what | GitHub | GitLab | CodePipeline |
//! |---|---|---|---|---|
//! | [`SignedCommits`] | a job failing unless the commits being built (and the tag) are signed by an allowed signer | `git verify-commit` on the pull request's or push's commits | the merge request's or push's commits | the head commit |
//! | [`Provenance`] | SLSA build provenance of the built files | `actions/attest` | `RUNNER_GENERATE_ARTIFACTS_METADATA` (runner provenance) | `cosign attest-blob` with an AWS KMS key, or refused |
//! | [`Signing`] | a Sigstore signature bundle per file | `sigstore/cosign-installer`, keyless | cosign, keyless (`SIGSTORE_ID_TOKEN`) | cosign with an AWS KMS key, or refused |
//! | [`Sbom`] | an SBOM of the build, uploaded, optionally attested | `anchore/sbom-action` (+ `actions/attest` with `sbom-path`) | syft (+ `cosign attest-blob`, keyless) | syft (+ `cosign attest-blob` with a KMS key, or refused) |
//! | [`SopsDecrypt`] | secrets versioned in git, decrypted with KMS through the platform's OIDC role | `configure-aws-credentials` + sops | ID token + sops | service role + sops |
//! | [`ReleaseSummary`] | the release's change log summarised by Amazon Bedrock, never blocking unless asked | job summary + artifact | artifact | artifact |
//!
//! Why: a release should be traceable from the commit (signed by a known key) through the build
//! (provenance naming the workflow that built it) to the file users download (signed, with an
//! SBOM), without long-lived keys where the platform has an OIDC identity. Each practice is a
//! construct (a job) or a set of steps appended to the job that builds the artifact
//! (`apply(job)`), so provenance and signatures are made where the file is built.
//!
//! # A release pipeline
//!
//! Tags `v*` build once (no cache: a release must not restore a cache a pull request could
//! have written), after a signed-commit gate; the build job writes an SBOM, attests provenance
//! and signs; a summary of the release is published beside it.
//!
//! ```
//! use pipeline_templates::practices::supply_chain::{Provenance, ReleaseSummary, Sbom, SignedCommits, Signing};
//! use pipeline_core::prelude::*;
//!
//! let gate = SignedCommits::ssh(Expr::secret("ALLOWED_SIGNERS")).verify_tags();
//! let build = Job::new("build")
//!     .needs("verify-commits")
//!     .runner(Runner::linux())
//!     .timeout_minutes(30)
//!     .step(Step::checkout())
//!     .step(Step::script("cargo build --release --locked\nmkdir -p dist\ncp target/release/app dist/app\n"))
//!     .step(Step::upload("app", ["dist/app"]));
//! let build = Sbom::directory(".").attest("dist/app").codebuild_kms_key("alias/release-signing").apply(build);
//! let build = Provenance::new("dist/app").codebuild_kms_key("alias/release-signing").apply(build);
//! let build = Signing::keyless("dist/app").codebuild_kms_key("alias/release-signing").apply(build);
//! let summary = ReleaseSummary::new(AwsRole::new(Expr::var("BEDROCK_ROLE_ARN"), "us-east-1"), "amazon.nova-lite-v1:0")
//!     .after("build");
//! let release = Pipeline::new("release").on(Trigger::push().tags(["v*"])).with(&gate).job(build).with(&summary);
//!
//! let rendered = Generator::new("docs", ".")
//!     .backends(pipeline_templates::all())
//!     .pipeline(release)
//!     .render(&[])
//!     .expect("every platform");
//! let file = |path: &str| rendered.files.iter().map(|(_, f)| f).find(|f| f.path.as_str() == path).expect(path).contents.clone();
//! let github = file(".github/workflows/release.yml");
//! assert!(github.contains("uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2"));
//! assert!(github.contains("attestations: write"));
//! assert!(github.contains("id-token: write"));
//! let gitlab = file(".gitlab-ci.yml");
//! assert!(gitlab.contains("RUNNER_GENERATE_ARTIFACTS_METADATA: 'true'"));
//! assert!(gitlab.contains("SIGSTORE_ID_TOKEN:\n      aud: sigstore"));
//! let aws = file("codepipeline/release.template.yml");
//! assert!(aws.contains("awskms:///alias/release-signing"));
//! ```
//!
//! # What a platform cannot do
//!
//! CodeBuild has no OIDC identity, so keyless signing and attestations are refused there unless
//! an AWS KMS key is given (`codebuild_kms_key`); the error names the feature, the job and the
//! platform before anything is written:
//!
//! ```
//! use pipeline_templates::practices::supply_chain::Signing;
//! use pipeline_core::prelude::*;
//!
//! let build = Signing::keyless("dist/app").apply(Job::new("build").step(Step::script("make")));
//! let p = Pipeline::new("release").on(Trigger::push().tags(["v*"])).job(build);
//! let err = Generator::new("docs", ".").backend(pipeline_backends::CodePipeline::new()).pipeline(p.clone()).render(&[]).expect_err("refused");
//! assert!(err.to_string().contains("error[codepipeline-unsupported] (codepipeline): CodePipeline cannot express keyless signing (cosign with an OIDC identity: CodeBuild has none) in job \"build\""), "{err}");
//! // GitHub and GitLab sign keyless.
//! assert!(Generator::new("docs", ".").backend(pipeline_backends::Github::new()).backend(pipeline_backends::Gitlab::new()).pipeline(p).render(&[]).is_ok());
//! ```
//!
//! A practice given unusable parameters (no subject, a decrypted file that an upload would
//! publish) reports a `practice-params` problem on the job, with its path.
//!
//! # Tools, pins and checksums
//!
//! GitHub actions come from [`pipeline_backends::github::pins`] (`ATTEST`, `COSIGN_INSTALLER`,
//! `SBOM_ACTION`, `CONFIGURE_AWS_CREDENTIALS`; override them per generator with
//! [`Github::pin`](pipeline_backends::github::Github::pin)). Elsewhere, scripts download the releases in
//! [`tools`] over HTTPS and compare their SHA-256 before running them (never `curl | sh`); the
//! binaries are kept in `$HOME/.pipeline-tools/<tool>-<version>` for later steps. Script bodies
//! are minijinja templates (`templates/templates/scripts/supply-chain/`) whose values are shell-quoted;
//! values from the platform (secrets, the model id, the ref) reach them through `env` only.

mod attestation;
mod release_summary;
mod sbom;
mod script;
mod signed_commits;
mod sops;
pub mod tools;

pub use attestation::{GITLAB_PROVENANCE_VARIABLE, Provenance, SIGSTORE_ID_TOKEN, Signer, Signing};
pub use release_summary::{DEFAULT_PROMPT, ReleaseSummary};
pub use sbom::{Sbom, SbomFormat, SbomSource};
pub use signed_commits::{SignatureFormat, SignedCommits};
pub use sops::SopsDecrypt;

use pipeline_core::Job;

use pipeline_backends::codepipeline::CodeBuildStep;
use pipeline_backends::gitlab::GitlabJob;

/// The code of a problem with a practice's parameters.
pub const PRACTICE_PARAMS: &str = "practice-params";

/// The job's GitLab settings, added when it has none (so a practice adds to what the job's
/// author set rather than replacing it).
fn gitlab(job: &mut Job) -> &mut GitlabJob {
    if job.extensions.get::<GitlabJob>().is_none() {
        job.extensions.insert(GitlabJob::new());
    }
    job.extensions
        .get_mut::<GitlabJob>()
        .unwrap_or_else(|| unreachable!("inserted above"))
}

/// A step CodeBuild refuses: `feature` (CodeBuild has no equivalent), with `hint`.
fn codebuild_refusal(feature: &str, hint: &str) -> CodeBuildStep {
    CodeBuildStep::unsupported(feature, hint)
}
