//! The settings' diagnostics, the guardrails and the trust each job gets.

use pipeline_core::backend::{Backend, Header, RenderContext};
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;

use super::{AccessRole, AwsAccess, Grant};

fn ctx() -> RenderContext {
    RenderContext {
        header: Header::new("g", "s", "c"),
        root_in_repository: String::new(),
    }
}

fn assume(var: &str) -> Step {
    Step::assume_aws_role(AwsRole::new(Expr::var(var), "eu-west-1"))
}

fn deploy(env: &str, tier: Tier, var: &str) -> Job {
    Job::new(format!("{env}-deploy"))
        .environment(Environment::new(env).tier(tier))
        .step(assume(var))
        .step(Step::script("true"))
}

fn pipeline(jobs: Vec<Job>) -> Pipeline {
    let mut p = Pipeline::new("delivery")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request());
    for j in jobs {
        p = p.job(j);
    }
    p
}

fn access() -> AwsAccess {
    AwsAccess::new("api")
        .github_repository("acme/api")
        .gitlab_project("acme/api")
        .codepipeline("222222222222", "bucket")
        .role(AccessRole::new("PROD_ROLE_ARN", "111111111111", "api-prod").grant(Grant::lambda_deploy(["api"])))
}

fn generate(access: &AwsAccess, pipelines: &[Pipeline]) -> (Vec<(String, String)>, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let files = access.generate(pipelines, &ctx(), &mut diagnostics);
    (
        files.into_iter().map(|f| (f.path.to_string(), f.contents)).collect(),
        diagnostics,
    )
}

#[test]
fn each_missing_identity_is_an_error_naming_its_setting_and_nothing_is_generated() {
    let p = pipeline(vec![deploy("production", Tier::Production, "PROD_ROLE_ARN")]);
    let bare = AwsAccess::new("api").role(AccessRole::new("PROD_ROLE_ARN", "111111111111", "api-prod"));
    let (files, d) = generate(&bare, std::slice::from_ref(&p));
    assert!(files.is_empty());
    let hints: Vec<String> = d.errors().map(|e| format!("{e:?}")).collect();
    for setting in ["github_repository", "gitlab_project", "codepipeline"] {
        assert!(
            hints.iter().any(|h| h.contains(&format!("AwsAccess::{setting}("))),
            "{setting}: {hints:?}"
        );
    }
    // Only the platforms targeted need an identity.
    let (files, d) = generate(&bare.clone().platforms(["github"]).github_repository("acme/api"), &[p]);
    assert!(!d.has_errors(), "{d:?}");
    assert!(
        files
            .iter()
            .any(|(path, _)| path == "aws-access/111111111111.template.yml")
    );
}

#[test]
fn an_undeclared_role_or_a_bad_account_is_an_error() {
    let p = pipeline(vec![deploy("production", Tier::Production, "OTHER_ROLE_ARN")]);
    let (files, d) = generate(&access(), &[p]);
    assert!(files.is_empty());
    assert!(d.contains_code("aws-access-undeclared-role"), "{d:?}");
    let bad = access().role(AccessRole::new("X", "12345", "x"));
    let (_, d) = generate(
        &bad,
        &[pipeline(vec![deploy("production", Tier::Production, "PROD_ROLE_ARN")])],
    );
    assert!(d.contains_code("aws-access-account"), "{d:?}");
}

#[test]
fn a_production_role_outside_production_and_a_shared_break_glass_role_are_errors() {
    let p = pipeline(vec![
        deploy("production", Tier::Production, "PROD_ROLE_ARN"),
        Job::new("smoke")
            .step(assume("PROD_ROLE_ARN"))
            .step(Step::script("true")),
    ]);
    let (files, d) = generate(&access(), &[p]);
    assert!(files.is_empty());
    assert!(d.contains_code("aws-access-production-role"), "{d:?}");

    let glass = Job::new("run")
        .role(JobRole::new("break-glass"))
        .environment(Environment::new("break-glass"))
        .step(assume("GLASS_ROLE_ARN"));
    let other = deploy("staging", Tier::Staging, "GLASS_ROLE_ARN");
    let a = access().role(AccessRole::new("GLASS_ROLE_ARN", "111111111111", "api-glass"));
    let (_, d) = generate(&a, &[pipeline(vec![glass.clone(), other])]);
    assert!(d.contains_code("aws-access-break-glass-role"), "{d:?}");
    let (files, d) = generate(&a, &[pipeline(vec![glass])]);
    assert!(!d.has_errors(), "{d:?}");
    let template = &files
        .iter()
        .find(|(p, _)| p.ends_with("111111111111.template.yml"))
        .expect("as generated")
        .1;
    assert!(template.contains("BreakGlassAlert:"), "{template}");
    assert!(
        template.contains("- arn:aws:iam::111111111111:role/api-glass"),
        "{template}"
    );
}

#[test]
fn trust_names_the_environment_or_the_refs_and_never_pull_requests() {
    let p = pipeline(vec![
        deploy("production", Tier::Production, "PROD_ROLE_ARN"),
        Job::new("report").step(assume("READ_ROLE_ARN")),
    ])
    .on(Trigger::push().tags(["v*"]));
    let a = access().role(AccessRole::new("READ_ROLE_ARN", "111111111111", "api-read"));
    let (files, d) = generate(&a, &[p]);
    assert!(!d.has_errors(), "{d:?}");
    let t = &files
        .iter()
        .find(|(p, _)| p.ends_with("111111111111.template.yml"))
        .expect("as generated")
        .1;
    for expected in [
        "repo:acme/api:environment:production:job_workflow_ref:acme/api/.github/workflows/delivery.yml@refs/heads/main",
        "repo:acme/api:ref:refs/heads/main:job_workflow_ref:acme/api/.github/workflows/delivery.yml@refs/heads/main",
        "project_path:acme/api:ref_type:branch:ref:main",
        "project_path:acme/api:ref_type:tag:ref:v*",
        "StringLike:",
        "- arn:aws:iam::222222222222:role/api-codebuild",
    ] {
        assert!(t.contains(expected), "{expected} in\n{t}");
    }
    assert!(!t.contains("pull_request"), "{t}");
    assert!(!t.contains("refs/heads/*"), "{t}");
    // The pipeline runs on pull requests with the shared CodeBuild role: a named warning.
    assert!(d.contains_code("aws-access-codebuild-pull-request"), "{d:?}");
    assert!(d.contains_code("aws-access-gitlab-environment"), "{d:?}");
    let page = &files
        .iter()
        .find(|(p, _)| p == "docs/aws-access/g.md")
        .expect("as generated")
        .1;
    assert!(page.contains("```mermaid\nflowchart LR\n"), "{page}");
    assert!(
        page.contains("| delivery | production-deploy | api-prod (PROD\\_ROLE\\_ARN) | 111111111111 |"),
        "{page}"
    );
}

#[test]
fn a_pipeline_on_every_branch_is_narrowed_to_the_default_branch_with_a_warning() {
    let p = Pipeline::new("ci")
        .on(Trigger::push())
        .job(Job::new("upload").step(assume("READ_ROLE_ARN")));
    let a = access()
        .platforms(["github"])
        .default_branch("trunk")
        .role(AccessRole::new("READ_ROLE_ARN", "111111111111", "api-read"));
    let (files, d) = generate(&a, &[p]);
    assert!(d.contains_code("aws-access-default-branch-only"), "{d:?}");
    let t = &files
        .iter()
        .find(|(p, _)| p.ends_with("111111111111.template.yml"))
        .expect("as generated")
        .1;
    assert!(t.contains("repo:acme/api:ref:refs/heads/trunk:"), "{t}");
    assert!(!t.contains("GitlabOidcProvider"), "{t}");
}

fn template(files: &[(String, String)], account: &str) -> String {
    files
        .iter()
        .find(|(p, _)| *p == AwsAccess::template_path(account))
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| panic!("no template of {account} in {files:?}"))
}

#[test]
fn a_step_s_uses_are_granted_to_the_role_in_effect_scoped_to_the_named_resources() {
    let job = Job::new("production-deploy")
        .environment(Environment::new("production").tier(Tier::Production))
        .step(assume("PROD_ROLE_ARN"))
        .step(
            Step::script("aws lambda update-alias ...")
                .uses_aws(AwsUse::lambda_deploy(["checkout-api"]))
                .uses_aws(AwsUse::read_alarms([Expr::var("API_ALARM")])),
        );
    let bare = AwsAccess::new("api")
        .platforms(["github"])
        .github_repository("acme/api")
        .role(AccessRole::new("PROD_ROLE_ARN", "111111111111", "api-prod"));
    let (files, d) = generate(&bare, &[pipeline(vec![job])]);
    assert!(!d.has_errors(), "{d:?}");
    let t = template(&files, "111111111111");
    assert!(t.contains("lambda:UpdateAlias"), "{t}");
    assert!(
        t.contains("arn:${AWS::Partition}:lambda:eu-west-1:${AWS::AccountId}:function:checkout-api:*"),
        "{t}"
    );
    // The variable's value is a parameter of the template, constrained to a name.
    assert!(t.contains("alarm:${VarApiAlarm}"), "{t}");
    assert!(t.contains("VarApiAlarm:\n    Type: String"), "{t}");
    assert!(t.contains("AllowedPattern: ^[A-Za-z0-9._:/+=@-]+$"), "{t}");
    // Nothing else: no wildcard resource, no other service.
    assert!(!t.contains("Resource:\n                  - '*'"), "{t}");
    assert!(!t.contains("cloudformation:"), "{t}");
}

#[test]
fn the_last_role_of_a_chain_gets_the_uses_and_a_use_before_any_role_is_an_error() {
    let chained = Job::new("deploy")
        .environment(Environment::new("staging").tier(Tier::Staging))
        .step(Step::assume_aws_role(
            AwsRole::new(Expr::var("HUB_ROLE_ARN"), "eu-west-1").chain(Expr::var("TARGET_ROLE_ARN")),
        ))
        .step(Step::script("./deploy").uses_aws(AwsUse::codedeploy("app", "group")));
    let access = AwsAccess::new("api")
        .platforms(["github"])
        .github_repository("acme/api")
        .role(AccessRole::new("HUB_ROLE_ARN", "111111111111", "hub"))
        .role(AccessRole::new("TARGET_ROLE_ARN", "333333333333", "target"));
    let (files, d) = generate(&access, &[pipeline(vec![chained])]);
    assert!(!d.has_errors(), "{d:?}");
    assert!(!template(&files, "111111111111").contains("codedeploy:"));
    assert!(template(&files, "333333333333").contains("codedeploy:CreateDeployment"));

    let early = Job::new("deploy")
        .environment(Environment::new("staging").tier(Tier::Staging))
        .step(Step::script("./deploy").uses_aws(AwsUse::codedeploy("app", "group")))
        .step(assume("HUB_ROLE_ARN"));
    let (files, d) = generate(&access, &[pipeline(vec![early])]);
    assert!(files.is_empty());
    assert!(d.errors().any(|e| e.code == "aws-access-use-without-role"), "{d:?}");
}

#[test]
fn a_resource_name_that_would_widen_the_grant_is_refused() {
    for bad in ["api-*", "api ${AWS::AccountId}", "api?"] {
        let job = deploy("production", Tier::Production, "PROD_ROLE_ARN");
        let job = Job {
            steps: vec![
                job.steps[0].clone(),
                Step::script("x").uses_aws(AwsUse::lambda_deploy([bad])),
            ],
            ..job
        };
        let (files, d) = generate(&access(), &[pipeline(vec![job])]);
        assert!(files.is_empty(), "{bad}");
        assert!(
            d.errors()
                .any(|e| e.code == "aws-access-resource-name" && e.message.contains(bad)),
            "{bad}: {d:?}"
        );
    }
    let job = Job::new("production-deploy")
        .environment(Environment::new("production").tier(Tier::Production))
        .step(assume("PROD_ROLE_ARN"))
        .step(Step::script("x").uses_aws(AwsUse::lambda_deploy([Expr::secret("FN")])));
    let (_, d) = generate(&access(), &[pipeline(vec![job])]);
    assert!(d.errors().any(|e| e.code == "aws-access-resource-name"), "{d:?}");
}

#[test]
fn the_codebuild_role_may_write_test_reports_only_when_a_pipeline_has_them() {
    let plain = pipeline(vec![deploy("production", Tier::Production, "PROD_ROLE_ARN")]);
    let reporting = pipeline(vec![
        deploy("production", Tier::Production, "PROD_ROLE_ARN"),
        Job::new("test")
            .step(Step::script("make test"))
            .test_report(TestReport::junit("junit.xml")),
    ]);
    let template = |p: &Pipeline| {
        let (files, d) = generate(&access(), std::slice::from_ref(p));
        assert!(!d.has_errors(), "{d}");
        files
            .into_iter()
            .filter(|(_, text)| text.contains("CodeBuildServiceRole"))
            .map(|(_, text)| text)
            .collect::<String>()
    };
    let without = template(&plain);
    assert!(without.contains("CodeBuildServiceRole"), "{without}");
    assert!(!without.contains("TestReports"), "{without}");
    let with = template(&reporting);
    assert!(with.contains("Sid: TestReports"), "{with}");
    for action in [
        "codebuild:CreateReport",
        "codebuild:UpdateReport",
        "codebuild:BatchPutTestCases",
    ] {
        assert!(with.contains(action), "{with}");
    }
    assert!(with.contains(":report-group/delivery-*"), "{with}");
}

#[test]
fn a_use_before_any_role_runs_with_the_codebuild_service_role_on_codepipeline_only() {
    let sign = |step: Step| {
        pipeline(vec![
            Job::new("build").step(step),
            deploy("production", Tier::Production, "PROD_ROLE_ARN"),
        ])
    };
    let on_codebuild =
        sign(Step::script("cosign sign-blob").uses_aws_on(Platform::CodePipeline, AwsUse::kms_sign("alias/signing")));
    let (files, d) = generate(&access(), &[on_codebuild]);
    assert!(!d.has_errors(), "{d:?}");
    let t = template(&files, "222222222222");
    let codebuild = &t[t.find("CodeBuildServiceRole:").expect("the CodeBuild role")..];
    assert!(codebuild.contains("kms:Sign"), "{t}");
    assert!(codebuild.contains("kms:RequestAlias: alias/signing"), "{t}");
    assert!(!template(&files, "111111111111").contains("kms:Sign"));

    // On every platform: GitHub and GitLab jobs would have no credentials.
    let everywhere = sign(Step::script("cosign sign-blob").uses_aws(AwsUse::kms_sign("alias/signing")));
    let (files, d) = generate(&access(), &[everywhere]);
    assert!(files.is_empty());
    let platforms: Vec<Option<&str>> = d
        .errors()
        .filter(|e| e.code == "aws-access-use-without-role")
        .map(|e| e.platform)
        .collect();
    assert_eq!(platforms, [Some("github"), Some("gitlab")], "{d:?}");
}
