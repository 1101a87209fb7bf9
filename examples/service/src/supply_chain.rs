// The release pipeline of `payments-api`: ACME's Rust CI built once (no caches: a release
// never restores a cache a pull request could have written), behind a signed-commit gate,
// with the supply-chain practices of `pipeline_templates::practices::supply_chain` on the job
// that builds the artifact, and a release summary written by Amazon Bedrock.

use acme_platform::RustServiceCi;
use pipeline_core::prelude::*;
use pipeline_templates::practices::supply_chain::{Provenance, ReleaseSummary, Sbom, SignedCommits, Signing};

/// The KMS key CodeBuild signs with (it has no OIDC identity for keyless signing).
const CODEBUILD_SIGNING_KEY: &str = "alias/payments-api-release-signing";

/// The release pipeline: every `v*` tag is verified (signed commits and a signed tag, against
/// the `ALLOWED_SIGNERS` secret), tested and built once; the build job writes an SBOM (attested
/// for the archive), attests the build provenance and signs the archive (keyless on GitHub and
/// GitLab, with a KMS key on CodeBuild); a summary of the changes since the previous tag is
/// published, without ever blocking the release.
pub fn release() -> Pipeline {
    let ci = RustServiceCi::new("payments-api").without_cache();
    let archive = format!("dist/{}", ci.archive());
    let gate = SignedCommits::ssh(Expr::secret("ALLOWED_SIGNERS")).verify_tags();
    let sbom = Sbom::directory(".")
        .artifact("payments-api-sbom")
        .attest(archive.as_str())
        .codebuild_kms_key(CODEBUILD_SIGNING_KEY);
    let provenance = Provenance::new(archive.as_str()).codebuild_kms_key(CODEBUILD_SIGNING_KEY);
    let signing = Signing::keyless(archive.as_str())
        .codebuild_kms_key(CODEBUILD_SIGNING_KEY)
        .artifact("payments-api-signatures");
    let summary = ReleaseSummary::new(
        AwsRole::new(Expr::var("RELEASE_NOTES_ROLE_ARN"), acme_platform::REGION).session_name("release-summary"),
        Expr::var("RELEASE_NOTES_MODEL_ID"),
    )
    .after("build");

    Pipeline::new("release")
        .name("payments-api release")
        .on(Trigger::push().tags(["v*"]))
        .env("CARGO_TERM_COLOR", "always")
        .with(&gate)
        .with(&ci)
        // The tests, the audit and the build wait for the gate: nothing runs on unsigned code.
        .edit_job("lint", |job| job.needs("verify-commits"))
        .edit_job("unit-tests", |job| job.needs("verify-commits"))
        .edit_job("integration-tests", |job| job.needs("verify-commits"))
        .edit_job("security-scan", |job| job.needs("verify-commits"))
        .edit_job("build", |job| signing.apply(provenance.apply(sbom.apply(job))))
        .with(&summary)
}
