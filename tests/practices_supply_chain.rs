//! The supply-chain practices (`pipeline_templates::practices::supply_chain`) on every platform:
//! one snapshot per (fixture, backend) file, what each platform gets, and every refusal.
//! Conformance (actionlint, zizmor, schemas, gitlab-ci-local, cfn-lint, botocore, YAML
//! read-back) runs on the fixtures through `pipeline_tests::pipeline_sets()`.

use example_service::supply_chain as example_supply_chain;

use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use pipeline_templates::practices::supply_chain::{
    PRACTICE_PARAMS, Provenance, ReleaseSummary, Sbom, SbomSource, SignedCommits, Signing, SopsDecrypt,
};
use pipeline_tests::fixtures;

/// Renders `pipelines` with `backend` and snapshots every file as `<set>__<backend>__<file>`.
fn snapshot(set: &str, backend: impl Backend + 'static, pipelines: Vec<Pipeline>) {
    let name = backend.name();
    let rendered = Generator::new("snapshots", ".")
        .source("tests/practices_supply_chain.rs")
        .regenerate_command("cargo insta review")
        .backend(backend)
        .pipelines(pipelines)
        .render(&[])
        .unwrap_or_else(|d| panic!("{set} does not render on {name}:\n{d}"));
    assert!(!rendered.files.is_empty());
    for (_, file) in rendered.files {
        let file_name = file.path.as_str().replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("{set}__{name}__{}", file_name.trim_start_matches('_')),
            file.contents
        );
    }
}

/// Renders with the given backends; the files by path, or the diagnostics.
fn render(backends: Vec<Box<dyn Backend>>, pipeline: Pipeline) -> Result<Vec<(String, String)>, Diagnostics> {
    Generator::new("t", ".")
        .backends(backends)
        .pipeline(pipeline)
        .render(&[])
        .map(|r| {
            r.files
                .into_iter()
                .map(|(_, f)| (f.path.to_string(), f.contents))
                .collect()
        })
}

fn file(files: &[(String, String)], path: &str) -> String {
    files
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| panic!("no {path} in {:?}", files.iter().map(|(p, _)| p).collect::<Vec<_>>()))
}

fn github() -> Vec<Box<dyn Backend>> {
    vec![Box::new(pipeline_backends::Github::new())]
}

fn gitlab() -> Vec<Box<dyn Backend>> {
    vec![Box::new(pipeline_backends::Gitlab::new())]
}

fn codepipeline() -> Vec<Box<dyn Backend>> {
    vec![Box::new(pipeline_backends::CodePipeline::new())]
}

/// A tag-triggered pipeline with one build job edited by `practice`.
fn built_with(practice: impl FnOnce(Job) -> Job) -> Pipeline {
    let build = Job::new("build")
        .timeout_minutes(20)
        .step(Step::checkout())
        .step(Step::script("make dist/app"))
        .step(Step::upload("app", ["dist/app"]));
    Pipeline::new("release")
        .on(Trigger::push().tags(["v*"]))
        .job(practice(build))
}

// Snapshots: the two fixtures on each platform, and the example service's release pipeline.

#[test]
fn supply_chain_release_github() {
    snapshot(
        "supply_chain_release",
        pipeline_backends::Github::new(),
        vec![fixtures::supply_chain_release()],
    );
}

#[test]
fn supply_chain_release_gitlab() {
    snapshot(
        "supply_chain_release",
        pipeline_backends::Gitlab::new(),
        vec![fixtures::supply_chain_release()],
    );
}

#[test]
fn supply_chain_release_codepipeline() {
    snapshot(
        "supply_chain_release",
        pipeline_backends::CodePipeline::new(),
        vec![fixtures::supply_chain_release()],
    );
}

#[test]
fn supply_chain_delivery_github() {
    snapshot(
        "supply_chain_delivery",
        pipeline_backends::Github::new(),
        vec![fixtures::supply_chain_delivery()],
    );
}

#[test]
fn supply_chain_delivery_gitlab() {
    snapshot(
        "supply_chain_delivery",
        pipeline_backends::Gitlab::new(),
        vec![fixtures::supply_chain_delivery()],
    );
}

#[test]
fn supply_chain_delivery_codepipeline() {
    snapshot(
        "supply_chain_delivery",
        pipeline_backends::CodePipeline::new(),
        vec![fixtures::supply_chain_delivery()],
    );
}

#[test]
fn example_service_release_github() {
    snapshot(
        "example_service_release",
        pipeline_backends::Github::new(),
        vec![example_supply_chain::release()],
    );
}

#[test]
fn example_service_release_gitlab() {
    snapshot(
        "example_service_release",
        pipeline_backends::Gitlab::new(),
        vec![example_supply_chain::release()],
    );
}

#[test]
fn example_service_release_codepipeline() {
    snapshot(
        "example_service_release",
        pipeline_backends::CodePipeline::new(),
        vec![example_supply_chain::release()],
    );
}

// What each platform gets.

#[test]
fn github_grants_exactly_what_the_practices_need() {
    let files = render(github(), fixtures::supply_chain_release()).expect("renders");
    let yaml = file(&files, ".github/workflows/supply-chain-release.yml");
    // The build job: checkout (contents: read), attestations (attestations + id-token), keyless
    // signing (id-token); nothing else.
    let build =
        &yaml[yaml.find("\n  build:\n").expect("build job")..yaml.find("\n  release-summary:\n").expect("summary")];
    assert!(
        build
            .contains("    permissions:\n      attestations: write\n      contents: read\n      id-token: write\n    "),
        "{build}"
    );
    assert!(build.contains("uses: actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2"));
    assert!(build.contains("uses: anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610 # v0.24.0"));
    assert!(build.contains("uses: sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6 # v4.1.2"));
    assert!(
        build.contains("subject-path: dist/app\n          sbom-path: sbom/sbom.spdx.json"),
        "{build}"
    );
    // The gate reads the signers from a secret through env, and the ref for the tag.
    let gate = &yaml[yaml.find("\n  verify-commits:\n").expect("gate")..yaml.find("\n  build:\n").expect("build")];
    assert!(gate.contains("fetch-depth: 0"), "{gate}");
    assert!(
        gate.contains("COMMIT_SIGNERS: ${{ secrets.ALLOWED_SIGNERS }}"),
        "{gate}"
    );
    assert!(gate.contains("REF_NAME: ${{ github.ref_name }}"), "{gate}");
    assert!(gate.contains("    permissions:\n      contents: read\n"), "{gate}");
    // The summary: its own role (id-token), continue-on-error, the job summary when present.
    let summary = &yaml[yaml.find("\n  release-summary:\n").expect("summary")..];
    assert!(
        summary.contains("    permissions:\n      contents: read\n      id-token: write\n"),
        "{summary}"
    );
    assert!(summary.contains("    continue-on-error: true\n"), "{summary}");
    assert!(summary.contains("GITHUB_STEP_SUMMARY"), "{summary}");
}

#[test]
fn gitlab_gets_runner_provenance_and_a_sigstore_token() {
    let files = render(gitlab(), fixtures::supply_chain_release()).expect("renders");
    let yaml = file(&files, ".gitlab-ci.yml");
    assert!(
        yaml.contains("    RUNNER_GENERATE_ARTIFACTS_METADATA: 'true'\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("  id_tokens:\n    SIGSTORE_ID_TOKEN:\n      aud: sigstore\n"),
        "{yaml}"
    );
    // cosign and syft are downloaded and checked, never piped into a shell.
    assert!(yaml.contains("c956e5dfcac53d52bcf058360d579472f0c1d2d9b69f55209e256fe7783f4c74"));
    assert!(yaml.contains("0d6be741479eddd2c8644a288990c04f3df0d609bbc1599a005532a9dff63509"));
    assert!(!yaml.contains("| sh") && !yaml.contains("| bash"), "{yaml}");
    // The gate gets the whole history.
    assert!(yaml.contains("GIT_DEPTH: '0'"), "{yaml}");
}

#[test]
fn codebuild_signs_and_attests_with_the_kms_key() {
    let files = render(codepipeline(), fixtures::supply_chain_release()).expect("renders");
    let template = file(&files, "codepipeline/supply-chain-release.template.yml");
    assert!(template.contains("--key awskms:///alias/release-signing"), "{template}");
    assert!(template.contains("attest-blob --yes --key awskms:///alias/release-signing --predicate \"$work/provenance.json\" --type slsaprovenance1"), "{template}");
    assert!(template.contains("--type spdxjson"), "{template}");
    // The gate clones the repository with its history.
    assert!(template.contains("CODEBUILD_CLONE_REF"), "{template}");
}

#[test]
fn sops_decrypts_through_each_platforms_oidc_role() {
    let p = fixtures::supply_chain_delivery();
    let gh = file(
        &render(github(), p.clone()).expect("github"),
        ".github/workflows/supply-chain-delivery.yml",
    );
    let deploy = &gh[gh.find("\n  deploy:\n").expect("deploy")..];
    assert!(
        deploy.contains("uses: aws-actions/configure-aws-credentials@"),
        "{deploy}"
    );
    assert!(deploy.contains("id-token: write"), "{deploy}");
    assert!(
        deploy.contains("\"$sops\" --decrypt --output .secrets/staging.yaml config/staging.enc.yaml"),
        "{deploy}"
    );
    let gl = file(&render(gitlab(), p.clone()).expect("gitlab"), ".gitlab-ci.yml");
    assert!(gl.contains("aws sts assume-role-with-web-identity"), "{gl}");
    let aws = file(
        &render(codepipeline(), p).expect("codepipeline"),
        "codepipeline/supply-chain-delivery.template.yml",
    );
    assert!(aws.contains("aws sts assume-role --role-arn"), "{aws}");
    assert!(
        aws.contains("e5bec3346a873ae91d871550f3e698c1aad962aff462a080e40f25fde17fef6b"),
        "{aws}"
    );
}

// Refusals, each naming the feature, the job and the platform.

fn codepipeline_refusal(p: Pipeline) -> String {
    let d = render(codepipeline(), p.clone()).expect_err("CodePipeline refuses it");
    // The other platforms take it.
    render(github(), p.clone()).unwrap_or_else(|d| panic!("github: {d}"));
    render(gitlab(), p).unwrap_or_else(|d| panic!("gitlab: {d}"));
    assert!(d.contains_code("codepipeline-unsupported"), "{d}");
    d.to_string()
}

#[test]
fn codepipeline_refuses_keyless_signing_without_a_kms_key() {
    let d = codepipeline_refusal(built_with(|j| Signing::keyless("dist/app").apply(j)));
    assert!(
        d.contains("CodePipeline cannot express keyless signing (cosign with an OIDC identity: CodeBuild has none) in job \"build\""),
        "{d}"
    );
    assert!(d.contains("codebuild_kms_key"), "{d}");
    assert!(
        d.contains("pipeline \"release\" > job \"build\" > step 5 \"sign\""),
        "{d}"
    );
}

#[test]
fn codepipeline_refuses_provenance_without_a_kms_key() {
    let d = codepipeline_refusal(built_with(|j| Provenance::new("dist/app").apply(j)));
    assert!(d.contains("SLSA provenance attestation (CodeBuild has no native provenance and no OIDC identity for keyless signing) in job \"build\""), "{d}");
    assert!(d.contains("step 4 \"provenance\""), "{d}");
}

#[test]
fn codepipeline_refuses_an_sbom_attestation_without_a_kms_key() {
    let d = codepipeline_refusal(built_with(|j| Sbom::directory(".").attest("dist/app").apply(j)));
    assert!(
        d.contains("SBOM attestation (cosign with an OIDC identity: CodeBuild has none) in job \"build\""),
        "{d}"
    );
    // An SBOM without attestation is fine everywhere.
    render(pipeline_templates::all(), built_with(|j| Sbom::directory(".").apply(j))).expect("renders");
}

#[test]
fn kms_signing_runs_everywhere() {
    let p = built_with(|j| {
        Signing::aws_kms("dist/app", "arn:aws:kms:eu-west-1:111111111111:key/1234")
            .role(AwsRole::new("arn:aws:iam::111111111111:role/signer", "eu-west-1"))
            .apply(j)
    });
    let files = render(pipeline_templates::all(), p).expect("every platform");
    let gh = file(&files, ".github/workflows/release.yml");
    assert!(
        gh.contains("--key awskms:///arn:aws:kms:eu-west-1:111111111111:key/1234"),
        "{gh}"
    );
    // No keyless signing: no Sigstore token on GitLab, only the role's.
    let gl = file(&files, ".gitlab-ci.yml");
    assert!(!gl.contains("SIGSTORE_ID_TOKEN:"), "{gl}");
}

#[test]
fn unusable_parameters_are_problems_with_a_path() {
    let no_subject = Provenance {
        subjects: Vec::new(),
        codebuild_kms_key: None,
    };
    let empty_sbom = Sbom {
        source: SbomSource::Directory(String::new()),
        ..Sbom::directory(".")
    };
    let leaky = |j: Job| {
        SopsDecrypt::new(AwsRole::new(Expr::var("ROLE_ARN"), "eu-west-1"))
            .file("secrets.enc.json", "dist/app/secrets.json")
            .apply(j)
    };
    for (what, edit, message) in [
        (
            "provenance",
            Box::new(move |j| no_subject.apply(j)) as Box<dyn FnOnce(Job) -> Job>,
            "the provenance attestation has no subject",
        ),
        (
            "sbom",
            Box::new(move |j| empty_sbom.apply(j)),
            "the SBOM has an empty source or output path",
        ),
        (
            "sops",
            Box::new(leaky),
            "the decrypted file \"dist/app/secrets.json\" would be uploaded with artifact \"app\"",
        ),
        (
            "no files",
            Box::new(|j| SopsDecrypt::new(AwsRole::new(Expr::var("ROLE_ARN"), "eu-west-1")).apply(j)),
            "the SOPS step decrypts no file",
        ),
    ] {
        let d = render(github(), built_with(edit)).expect_err(what);
        assert!(d.contains_code(PRACTICE_PARAMS), "{what}: {d}");
        assert!(d.to_string().contains(message), "{what}: {d}");
        assert!(d.to_string().contains("job \"build\""), "{what}: {d}");
    }
}

#[test]
fn practices_add_to_the_jobs_gitlab_settings() {
    use pipeline_backends::gitlab::GitlabJob;
    let job = Job::new("build")
        .extend(GitlabJob::new().tag("docker"))
        .step(Step::script("make"));
    let job = Signing::keyless("dist/app").apply(Provenance::new("dist/app").apply(job));
    let settings = job.extensions.get::<GitlabJob>().expect("settings");
    assert_eq!(settings.tags, ["docker"]);
    assert_eq!(
        settings
            .variables
            .get("RUNNER_GENERATE_ARTIFACTS_METADATA")
            .map(String::as_str),
        Some("true")
    );
    assert_eq!(
        settings.id_tokens.get("SIGSTORE_ID_TOKEN").map(String::as_str),
        Some("sigstore")
    );
}

#[test]
fn the_release_summary_never_blocks_unless_asked() {
    let role = AwsRole::new(Expr::var("ROLE_ARN"), "us-east-1");
    let p = Pipeline::new("r")
        .on(Trigger::push().tags(["v*"]))
        .job(Job::new("build").step(Step::script("make")))
        .with(&ReleaseSummary::new(role.clone(), "amazon.nova-lite-v1:0").after("build"));
    let files = render(pipeline_templates::all(), p).expect("every platform");
    let gl = file(&files, ".gitlab-ci.yml");
    assert!(gl.contains("  allow_failure: true\n"), "{gl}");
    let aws = file(&files, "codepipeline/r.template.yml");
    assert!(aws.contains("it is allowed to fail"), "{aws}");
    let gate = ReleaseSummary::new(role, "m").blocking().job();
    assert!(!gate.allow_failure && gate.steps.iter().all(|s| !s.continue_on_error));
}

#[test]
fn the_gate_is_a_security_scan_before_deploys() {
    let mut out = Diagnostics::new();
    let p = fixtures::supply_chain_delivery();
    pipeline_core::policy::ScanBeforeDeploy.check(&p, &mut out);
    assert!(!out.has_errors(), "{out}");
    assert!(
        p.find_job("verify-commits")
            .is_some_and(|j| j.has_role(&JobRole::SECURITY_SCAN))
    );
    let _ = SignedCommits::gpg(Expr::var("KEYS"));
}

/// The example's release pipeline renders on every platform under ACME's policies (which allow
/// the owners of the supply-chain actions, `anchore` and `sigstore`, besides GitHub, AWS and
/// Docker).
#[test]
fn the_example_release_passes_acmes_policies_on_every_platform() {
    let rendered = Generator::new("t", ".")
        .backends(pipeline_templates::all())
        .policies(acme_platform::policies())
        .pipeline(example_supply_chain::release())
        .render(&[])
        .unwrap_or_else(|d| panic!("{d}"));
    assert!(
        rendered
            .files
            .iter()
            .any(|(_, f)| f.path.as_str() == ".github/workflows/release.yml")
    );
    let p = example_supply_chain::release();
    // The build needs them, so it runs after the gate too.
    for job in ["lint", "unit-tests", "integration-tests", "security-scan"] {
        assert!(
            p.find_job(job)
                .is_some_and(|j| j.needs.iter().any(|n| n.as_str() == "verify-commits")),
            "{job}"
        );
    }
    assert!(
        p.jobs
            .iter()
            .all(|j| j.steps.iter().all(|s| !matches!(s.kind, StepKind::Cache(_))))
    );
}
