//! Tests of the GitLab backend as a whole: rendering of triggers, rules and variables, several
//! pipelines, and one diagnostics test per feature GitLab cannot express.

use pipeline_core::diagnostic::{Diagnostics, Severity};
use pipeline_core::prelude::*;
use pipeline_core::{Header, RenderContext};

use super::*;

fn render(p: &Pipeline) -> (String, Diagnostics) {
    let mut d = Diagnostics::new();
    let text = Gitlab::new().render(p, &mut d).unwrap_or_default();
    (text, d)
}

fn pipeline(jobs: impl IntoIterator<Item = Job>) -> Pipeline {
    Pipeline::new("ci").on(Trigger::push().branches(["main"])).jobs(jobs)
}

fn job(id: &str) -> Job {
    Job::new(id).step(Step::checkout()).step(Step::script("make"))
}

/// The diagnostics with `code`, as (severity, message) pairs.
fn with_code(d: &Diagnostics, code: &str) -> Vec<(Severity, String)> {
    d.iter()
        .filter(|x| x.code == code)
        .map(|x| (x.severity, x.message.clone()))
        .collect()
}

/// Asserts one `gitlab-unsupported` error mentions every word of `words`, the platform and a hint.
fn assert_unsupported(p: &Pipeline, words: &[&str]) {
    let (_, d) = render(p);
    let errors: Vec<_> = d.iter().filter(|x| x.code == "gitlab-unsupported").collect();
    assert!(
        errors.iter().any(|e| e.is_error()
            && e.platform == Some("gitlab")
            && e.hint.is_some()
            && words.iter().all(|w| e.message.contains(w))),
        "no gitlab-unsupported error mentioning {words:?}:\n{d}"
    );
}

#[test]
fn minimal_pipeline() {
    let (text, d) = render(&pipeline([job("test")]));
    assert!(d.is_empty(), "{d}");
    assert_eq!(
        text,
        "workflow:
  name: ci
  rules:
    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"

stages:
  - stage-1

test:
  stage: stage-1
  timeout: '30m'
  script:
    - PIPELINE_STEPS=\"$(mktemp -d)\"
    - |
      cat > \"$PIPELINE_STEPS/step-2.sh\" <<'PIPELINE_SCRIPT'
      make
      PIPELINE_SCRIPT
      bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-2.sh\" < /dev/null
"
    );
}

#[test]
fn triggers_become_workflow_rules() {
    let p = Pipeline::new("ci")
        .on(Trigger::push().branches(["main", "release/*"]).tags(["v*"]))
        .on(Trigger::pull_request())
        .on(Trigger::schedule("0 3 * * 1"))
        .on(Trigger::manual().input(Input::boolean("dry_run", "Dry run", true)))
        .job(job("test"));
    let (text, d) = render(&p);
    assert!(
        text.contains(
            "  rules:
    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH =~ /^(main|release\\/[^\\/]*)$/ && $CI_OPEN_MERGE_REQUESTS == null
    - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_TAG =~ /^v[^\\/]*$/
    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"
    - if: $CI_PIPELINE_SOURCE == \"schedule\"
    - if: $CI_PIPELINE_SOURCE == \"web\"
"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "variables:
  dry_run:
    description: Dry run
    value: 'true'
    options:
      - 'true'
      - 'false'
"
        ),
        "{text}"
    );
    let notices = with_code(&d, "gitlab-schedule-setting");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].0, Severity::Notice);
    assert!(notices[0].1.contains("0 3 * * 1"), "{}", notices[0].1);
    assert!(!text.contains("only:") && !text.contains("except:"));
}

#[test]
fn filtered_merge_requests_keep_branch_pipelines() {
    let p = Pipeline::new("ci")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request().branches(["main"]).paths(["src/**"]))
        .job(job("test"));
    let (text, _) = render(&p);
    assert!(!text.contains("CI_OPEN_MERGE_REQUESTS"), "{text}");
    assert!(
        text.contains(
            "    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\"
      changes:
        - src/**/*
"
        ),
        "{text}"
    );
}

#[test]
fn values_become_variables() {
    let build = job("build").step(Step::set_output("version", "cat VERSION"));
    let deploy = job("deploy")
        .needs(&build)
        .env("VERSION", build.output("version"))
        .env("TOKEN", Expr::secret("TOKEN"))
        .env("API_TOKEN", Expr::secret("TOKEN"))
        .env("PRICE", "$5 and ${{ x }}")
        .env(
            "TAG",
            Expr::concat(["app:".into(), Builtin::CommitSha.into(), "_x".into()]),
        )
        .env("BY", Builtin::Actor)
        .env("REGION", Expr::var("AWS_REGION_NAME"));
    let (text, d) = render(&pipeline([build, deploy]));
    assert!(!d.has_errors(), "{d}");
    assert!(
        text.contains(
            "  variables:
    API_TOKEN: $TOKEN
    PRICE: $$5 and $${{ x }}
    TAG: app:${CI_COMMIT_SHA}_x
    BY: $GITLAB_USER_LOGIN
    REGION: $AWS_REGION_NAME
"
        ),
        "{text}"
    );
    // The consumer downloads the producer's dotenv report.
    assert!(
        text.contains("  needs:\n    - job: build\n      artifacts: true\n"),
        "{text}"
    );
    // The producer writes the encoded value; the consumer's shell decodes it.
    assert!(
        text.contains(
            "printf '%s=%s\\n' BUILD_VERSION \"$pipeline_encoded\" >> \"$CI_PROJECT_DIR/.pipeline-outputs.env\""
        ),
        "{text}"
    );
    assert!(
        text.contains("  artifacts:\n    reports:\n      dotenv: .pipeline-outputs.env\n"),
        "{text}"
    );
}

#[test]
fn artifacts_from_ancestors_are_needed_with_artifacts() {
    let build = job("build").step(Step::upload("app", ["dist/app"]));
    let test = job("test").needs(&build);
    let deploy = Job::new("deploy")
        .needs(&test)
        .step(Step::download_to("app", "dist"))
        .step(Step::script("./dist/app"));
    let (text, d) = render(&pipeline([build, test, deploy]));
    assert!(d.is_empty(), "{d}");
    assert!(
        text.contains(
            "deploy:
  stage: stage-3
  needs:
    - job: test
      artifacts: false
    - job: build
      artifacts: true
"
        ),
        "{text}"
    );
    assert!(text.contains("    GIT_STRATEGY: none\n"), "{text}");
    assert!(
        text.contains("  artifacts:\n    name: app\n    paths:\n      - dist/app\n"),
        "{text}"
    );
}

#[test]
fn job_conditions_become_rules_with_the_needs_conditions() {
    let build = job("build").when(Condition::tag() | Condition::branch("main"));
    let deploy = job("deploy").needs(&build).when(Condition::branch("main"));
    let notify = job("notify").needs(&deploy).when(Condition::always());
    let rollback = job("rollback").needs(&deploy).when(Condition::failure());
    let (text, d) = render(&pipeline([build, deploy, notify, rollback]));
    assert!(d.is_empty(), "{d}");
    assert!(
        text.contains(
            "deploy:
  stage: stage-2
  needs:
    - job: build
      artifacts: false
  rules:
    - if: $CI_COMMIT_BRANCH == \"main\"
"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "    - job: deploy\n      artifacts: false\n      optional: true\n  rules:\n    - when: always\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n      when: on_failure\n"),
        "{text}"
    );
}

#[test]
fn approval_is_a_manual_gate() {
    let deploy = job("deploy").when(Condition::branch("main")).environment(
        Environment::new("prod")
            .tier(Tier::Production)
            .url(Expr::concat(["https://".into(), Expr::var("HOST")]))
            .approval(Approval::new().review_url("https://dash").notify()),
    );
    let after = job("after").needs(&deploy);
    let (text, d) = render(&pipeline([deploy, after]));
    assert!(
        text.contains(
            "  rules:
    - if: $CI_COMMIT_BRANCH == \"main\"
      when: manual
  allow_failure: false
  manual_confirmation: 'Approve the deployment to prod? Review: https://dash'
  environment:
    name: prod
    url: https://$HOST
    deployment_tier: production
  resource_group: deploy-prod
"
        ),
        "{text}"
    );
    let notice = d
        .iter()
        .find(|x| x.code == "gitlab-protected-environment")
        .expect("notice");
    assert_eq!(notice.severity, Severity::Notice);
    assert!(notice.hint.as_deref().unwrap_or_default().contains("notifies"));
}

#[test]
fn runner_services_matrix_cache_timeout_retry() {
    let j = job("test")
        .runner(Runner::linux_arm64().image("rust:1").size(Size::Medium))
        .service(
            Service::new("db", "postgres:17")
                .env("POSTGRES_PASSWORD", "pw")
                .port(5432),
        )
        .matrix(Matrix::new().axis("rust", ["stable", "1.80"]).fail_fast(false))
        .env("RUST", Expr::matrix("rust"))
        .step(Step::cache(Cache::new("cargo", ["target"])))
        .timeout_minutes(90)
        .retry(2)
        .allow_failure();
    let (text, d) = render(&pipeline([j]));
    assert!(
        text.contains(
            "test:
  stage: stage-1
  image: rust:1
  services:
    - name: postgres:17
      alias: db
      variables:
        POSTGRES_PASSWORD: pw
  tags:
    - saas-linux-medium-arm64
  allow_failure: true
  timeout: '1h 30m'
  retry: 2
  parallel:
    matrix:
      - rust:
          - stable
          - '1.80'
  variables:
    RUST: $rust
  cache:
    - key: cargo
      paths:
        - target
"
        ),
        "{text}"
    );
    assert_eq!(with_code(&d, "gitlab-hosted-runner").len(), 1);
    let mut d = Diagnostics::new();
    let self_managed = Gitlab::new().hosted_runner_tags(false);
    let text = self_managed
        .render(
            &pipeline([Job::new("a").runner(Runner::linux_arm64()).step(Step::script("x"))]),
            &mut d,
        )
        .unwrap_or_default();
    assert!(!text.contains("tags:"), "{text}");
    assert_eq!(with_code(&d, "gitlab-runner")[0].0, Severity::Warning);
}

#[test]
fn gitlab_settings_override_the_portable_ones() {
    let j = job("test")
        .runner(Runner::pool(["docker"]).image("rust:1"))
        .concurrency(Concurrency::new("tests"))
        .extend(
            GitlabJob::new()
                .interruptible(false)
                .tag("big")
                .image("rust:2")
                .resource_group("mine"),
        );
    let (text, _) = render(&pipeline([j]).concurrency(Concurrency::new(Builtin::RefName).cancel_in_progress()));
    assert!(
        text.contains("  image: rust:2\n  tags:\n    - docker\n    - big\n"),
        "{text}"
    );
    assert!(
        text.contains("  resource_group: mine\n  interruptible: false\n"),
        "{text}"
    );
    assert!(
        text.contains("  auto_cancel:\n    on_new_commit: interruptible\n"),
        "{text}"
    );
}

#[test]
fn checkout_settings_are_git_variables() {
    let j = Job::new("a")
        .step(Step::checkout_with(Checkout {
            fetch_depth: Some(0),
            submodules: true,
            lfs: true,
            ..Checkout::default()
        }))
        .step(Step::script("git log"));
    let (text, _) = render(&pipeline([j]));
    assert!(
        text.contains("  variables:\n    GIT_DEPTH: '0'\n    GIT_SUBMODULE_STRATEGY: recursive\n"),
        "{text}"
    );
}

#[test]
fn aws_roles_use_an_id_token() {
    let j = Job::new("deploy").step(Step::assume_aws_role(
        AwsRole::new(Expr::var("ROLE_ARN"), "eu-west-1").chain("arn:aws:iam::222222222222:role/next"),
    ));
    let mut d = Diagnostics::new();
    let text = Gitlab::new()
        .aws_audience("https://gitlab.example.com")
        .render(&pipeline([j]), &mut d)
        .unwrap_or_default();
    assert!(
        text.contains("  id_tokens:\n    AWS_ID_TOKEN:\n      aud: https://gitlab.example.com\n"),
        "{text}"
    );
    assert!(text.contains("aws sts assume-role-with-web-identity"), "{text}");
    assert!(
        text.contains("--role-arn 'arn:aws:iam::222222222222:role/next'"),
        "{text}"
    );
    assert!(d.contains_code("gitlab-aws-oidc"));
}

#[test]
fn several_pipelines_share_a_root_file() {
    let ctx = RenderContext {
        header: Header::new("g", "s", "c"),
        root_in_repository: "svc".into(),
    };
    let a = Pipeline::new("a")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::manual().input(Input::string("who", "Who")))
        .env("X", "1")
        .job(job("build"))
        .job(job("test").needs("build"));
    let b = Pipeline::new("b").on(Trigger::schedule("0 1 * * *")).job(job("build"));
    let mut d = Diagnostics::new();
    let files = Gitlab::new().generate(&[a, b], &ctx, &mut d);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, [".gitlab-ci.yml", ".gitlab/ci/a.yml", ".gitlab/ci/b.yml"]);
    let root = &files[0].contents;
    assert!(
        root.starts_with("# Generated by g from s. Do not edit by hand.\n# Regenerate: c\n\n"),
        "{root}"
    );
    assert!(
        root.contains(
            "include:
  - local: svc/.gitlab/ci/a.yml
    rules:
      - if: $CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\"
      - if: $CI_PIPELINE_SOURCE == \"web\" && $RUN_PIPELINE == \"a\"
  - local: svc/.gitlab/ci/b.yml
    rules:
      - if: $CI_PIPELINE_SOURCE == \"schedule\" && $RUN_PIPELINE == \"b\"
"
        ),
        "{root}"
    );
    assert!(root.contains("stages:\n  - stage-1\n  - stage-2\n"), "{root}");
    assert!(root.contains("  RUN_PIPELINE:\n    description: The pipeline a manual run starts\n    value: a\n    options:\n      - a\n"), "{root}");
    assert!(root.contains("  who:\n    description: Who\n    value: ''\n"), "{root}");
    let a = &files[1].contents;
    assert!(
        a.contains("a:test:\n  stage: stage-2\n  needs:\n    - job: a:build\n"),
        "{a}"
    );
    assert!(a.contains("  variables:\n    X: '1'\n"), "{a}");
    assert!(!a.contains("workflow:"), "{a}");
    let hint = d
        .iter()
        .find(|x| x.code == "gitlab-schedule-setting")
        .and_then(|x| x.hint.clone())
        .unwrap_or_default();
    assert!(hint.contains("RUN_PIPELINE = b"), "{hint}");
}

#[test]
fn conflicting_inputs_across_pipelines_are_an_error() {
    let ctx = RenderContext {
        header: Header::new("g", "s", "c"),
        root_in_repository: String::new(),
    };
    let a = Pipeline::new("a")
        .on(Trigger::manual().input(Input::string("who", "Who")))
        .job(job("x"));
    let b = Pipeline::new("b")
        .on(Trigger::manual().input(Input::string("who", "Somebody else")))
        .job(job("x"));
    let mut d = Diagnostics::new();
    Gitlab::new().generate(&[a, b], &ctx, &mut d);
    assert!(d.errors().any(|e| e.message.contains("manual input \"who\"")), "{d}");
}

#[test]
fn step_features_become_shell() {
    let j = Job::new("a")
        .step(Step::script("make").working_directory("sub").env("A", "x"))
        .step(Step::script("flaky").continue_on_error())
        .step(Step::script("release").when(Condition::tag()))
        .step(Step::script("notify").when(Condition::failure()));
    let (text, d) = render(&pipeline([j]));
    assert!(
        text.contains("      if [ -z \"${PIPELINE_FAILED:-}\" ]; then\n      cat > \"$PIPELINE_STEPS/step-1.sh\" <<'PIPELINE_SCRIPT'\n      make\n      PIPELINE_SCRIPT\n      (cd 'sub' &&\n        export A='x' &&\n        bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-1.sh\" < /dev/null) ||\n        PIPELINE_FAILED='step 1'\n      fi\n"),
        "{text}"
    );
    assert!(
        text.contains("      bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-2.sh\" < /dev/null ||\n        echo 'step 2 failed; continuing (continue on error)' >&2\n"),
        "{text}"
    );
    assert!(
        text.contains("      if [ -z \"${PIPELINE_FAILED:-}\" ] && [ -n \"${CI_COMMIT_TAG:-}\" ]; then\n"),
        "{text}"
    );
    // The failure step runs in the job's script (not `after_script`, whose failure GitLab
    // ignores), and the job fails at the end when a step failed.
    assert!(
        text.contains(
            "    - |\n      if [ -n \"${PIPELINE_FAILED:-}\" ]; then\n      cat > \"$PIPELINE_STEPS/step-4.sh\""
        ),
        "{text}"
    );
    assert!(
        text.ends_with("    - |\n      if [ -n \"${PIPELINE_FAILED:-}\" ]; then\n        echo \"$PIPELINE_FAILED failed\" >&2\n        exit 1\n      fi\n"),
        "{text}"
    );
    assert!(
        !text.contains("after_script") && !d.contains_code("gitlab-after-script"),
        "{text}\n{d}"
    );
}

#[test]
fn actions_run_their_fallback() {
    let node = Action::new(
        "actions/setup-node",
        "820762786026740c76f36085b0efc47a31fe5020",
        "v7.0.0",
    );
    let j = Job::new("a").step(Step::action(ActionStep::new(node).fallback("node --version")));
    let (text, d) = render(&pipeline([j]));
    assert!(text.contains("      node --version\n      PIPELINE_SCRIPT\n"), "{text}");
    assert!(d.is_empty(), "{d}");
}

#[test]
fn artifacts_of_several_uploads_are_merged_with_a_warning() {
    let j = job("a")
        .step(Step::upload("app", ["dist/app"]))
        .step(Step::from(Upload::new("logs", ["logs"]).retention_days(1)).when(Condition::always()));
    let (text, d) = render(&pipeline([j]));
    assert!(
        text.contains("  artifacts:\n    paths:\n      - dist/app\n      - logs\n    when: always\n"),
        "{text}"
    );
    assert_eq!(with_code(&d, "gitlab-artifacts-merged").len(), 1);
}

#[test]
fn lossy_features_are_warnings() {
    let build = job("build").step(Step::upload("app", ["target/app"]));
    let test = Job::new("test")
        .needs(&build)
        .matrix(Matrix::new().axis("x", ["1", "2"]).fail_fast(true).max_parallel(1))
        .concurrency(Concurrency::new("t").cancel_in_progress())
        .step(Step::download("app"))
        .step(Step::script("ls target"));
    let p = pipeline([build, test])
        .concurrency(Concurrency::new("ci"))
        .on(Trigger::manual().input(Input::string("why", "Why").required()));
    let (_, d) = render(&p);
    assert!(!d.has_errors(), "{d}");
    for code in ["gitlab-matrix", "gitlab-concurrency", "gitlab-input-required"] {
        let found = with_code(&d, code);
        assert!(!found.is_empty(), "no {code}:\n{d}");
        assert!(found.iter().all(|(s, _)| *s == Severity::Warning), "{code}: {found:?}");
    }
    assert_eq!(with_code(&d, "gitlab-matrix").len(), 2);
    assert_eq!(with_code(&d, "gitlab-concurrency").len(), 2);
}

// One test per feature GitLab cannot express: a `gitlab-unsupported` error naming the
// feature, the job and GitLab, with a hint.

#[test]
fn unsupported_action_without_fallback() {
    let a = Action::new("actions/attest", "1e69f48acb82d1966a394da916b4c1698aa569d6", "v4.2.2");
    assert_unsupported(
        &pipeline([Job::new("sign").step(Step::action(a))]),
        &["GitLab", "actions/attest", "\"sign\""],
    );
}

#[test]
fn unsupported_negated_status() {
    assert_unsupported(
        &pipeline([job("a").when(!Condition::failure())]),
        &["GitLab", "negate a job status", "\"a\""],
    );
    assert_unsupported(
        &pipeline([job("b").step(Step::script("x").when(!Condition::always()))]),
        &["GitLab", "negate a job status", "step condition", "\"b\""],
    );
}

#[test]
fn unsupported_approval_with_status_or_allow_failure() {
    let env = || Environment::new("prod").approval(Approval::new());
    assert_unsupported(
        &pipeline([
            job("a"),
            job("d").needs("a").environment(env()).when(Condition::always()),
        ]),
        &["GitLab", "approval", "\"d\"", "on_failure"],
    );
    assert_unsupported(
        &pipeline([job("d").environment(env()).allow_failure()]),
        &["GitLab", "approval", "\"d\"", "allows failure"],
    );
}

#[test]
fn a_step_after_a_failure_step_keeps_its_place() {
    let j = Job::new("a")
        .step(Step::script("notify").when(Condition::failure()))
        .step(Step::script("more"));
    let (text, d) = render(&pipeline([j]));
    assert!(!d.has_errors(), "{d}");
    let notify = text.find("notify").expect("notify");
    let more = text.find("more").expect("more");
    assert!(notify < more, "{text}");
}

#[test]
fn unsupported_conditional_upload_and_cache() {
    let j = job("a").step(Step::upload("x", ["x"]).when(Condition::tag()));
    assert_unsupported(&pipeline([j]), &["GitLab", "artifacts:", "\"a\""]);
    let j = job("b").step(Step::cache(Cache::new("c", ["t"])).when(Condition::branch("main")));
    assert_unsupported(&pipeline([j]), &["GitLab", "cache:", "\"b\""]);
}

#[test]
fn unsupported_cache_limits() {
    let files: Vec<String> = (0..11).map(|i| format!("f{i}.lock")).collect();
    let j = job("a").step(Step::cache(Cache::new("c", ["t"]).hash_files(files)));
    assert_unsupported(&pipeline([j]), &["GitLab", "10 files", "\"a\""]);
    let j = (0..5).fold(job("b"), |j, i| j.step(Step::cache(Cache::new(format!("c{i}"), ["t"]))));
    assert_unsupported(&pipeline([j]), &["GitLab", "4 caches", "\"b\""]);
}

#[test]
fn unsupported_checkout_options() {
    let j = Job::new("a")
        .step(Step::checkout().when(Condition::tag()))
        .step(Step::script("x"));
    assert_unsupported(&pipeline([j]), &["GitLab", "checkout", "\"a\""]);
    let j = Job::new("b")
        .step(Step::checkout())
        .step(Step::checkout_with(Checkout {
            fetch_depth: Some(0),
            ..Checkout::default()
        }))
        .step(Step::script("x"));
    assert_unsupported(&pipeline([j]), &["GitLab", "twice", "\"b\""]);
}

#[test]
fn unsupported_aws_step_options() {
    let j = Job::new("a")
        .step(Step::assume_aws_role(AwsRole::new("arn:aws:iam::111111111111:role/x", "eu-west-1")).continue_on_error());
    assert_unsupported(&pipeline([j]), &["GitLab", "AWS role", "\"a\""]);
}

#[test]
fn unsupported_excluded_paths() {
    let p = Pipeline::new("ci")
        .on(Trigger::push().paths(["src/**", "!src/generated/**"]))
        .job(job("a"));
    assert_unsupported(&p, &["GitLab", "exclude", "!src/generated/**", "\"ci\""]);
}

#[test]
fn unsupported_large_matrix() {
    let values: Vec<String> = (0..15).map(|i| i.to_string()).collect();
    let j = job("a").matrix(Matrix::new().axis("x", values.clone()).axis("y", values));
    assert_unsupported(&pipeline([j]), &["GitLab", "225 matrix cells", "\"a\""]);
}

#[test]
fn unsupported_colliding_outputs() {
    let a = job("a-b").step(Step::set_output("c", "echo 1"));
    let b = job("a").step(Step::set_output("b_c", "echo 2"));
    assert_unsupported(&pipeline([a, b]), &["GitLab", "A_B_C", "\"a\"", "\"a-b\""]);
}

#[test]
fn unsupported_too_many_rules() {
    let wide = (0..7).fold(Condition::branch("x"), |c, i| {
        c & (Condition::input_equals(format!("i{i}"), "1") | Condition::input_equals(format!("j{i}"), "1"))
    });
    let inputs = (0..7).fold(Trigger::manual(), |t, i| {
        t.input(Input::string(format!("i{i}"), "i"))
            .input(Input::string(format!("j{i}"), "j"))
    });
    assert_unsupported(&pipeline([job("w").when(wide)]).on(inputs), &["GitLab rules", "\"w\""]);
}

#[test]
fn reserved_job_names_are_errors() {
    for name in ["image", "variables", "workflow", "pages"] {
        let (_, d) = render(&pipeline([job(name)]));
        let e = d
            .iter()
            .find(|x| x.code == "gitlab-reserved-job-name")
            .unwrap_or_else(|| panic!("{name}: {d}"));
        assert!(e.is_error() && e.message.contains(name), "{e}");
        // `pages` is a job name GitLab gives a meaning (Pages deployment), not a keyword.
        assert_eq!(e.message.contains("keyword"), name != "pages", "{e}");
        assert_eq!(e.message.contains("Pages deployment"), name == "pages", "{e}");
    }
}

#[test]
fn an_output_behind_a_gate_has_no_error() {
    let build = job("build").step(Step::set_output("v", "echo 1"));
    let deploy = job("deploy")
        .needs(&build)
        .env("V", build.output("v"))
        .environment(Environment::new("production").approval(Approval::new()));
    let (_, d) = render(&pipeline([build, deploy]));
    assert!(!d.has_errors(), "{d}");
}

#[test]
fn patches_edit_the_emitted_documents() {
    let p = pipeline([job("a")]).patch("gitlab", |file, doc| {
        if let Some(job) = doc
            .as_map_mut()
            .and_then(|m| m.get_mut("a"))
            .and_then(|j| j.as_map_mut())
        {
            job.insert("coverage", format!("/total: {file}/"));
        }
    });
    let (text, _) = render(&p);
    assert!(text.contains("  coverage: '/total: .gitlab-ci.yml/'\n"), "{text}");
    let ignored = pipeline([job("a")]).patch("github", |_, doc| *doc = pipeline_core::yaml::Value::Null);
    assert!(render(&ignored).0.contains("a:\n  stage: stage-1\n"));
}

#[test]
fn unsupported_run_id_in_a_resource_group() {
    let j = job("a").concurrency(Concurrency::new(Expr::concat(["run-".into(), Builtin::RunId.into()])));
    assert_unsupported(
        &pipeline([j]),
        &["GitLab", "$CI_PIPELINE_ID", "resource_group", "\"a\""],
    );
}

#[test]
fn a_checkout_only_job_has_a_script() {
    // GitLab refuses a job with an empty `script:`; a job whose steps GitLab does itself
    // succeeds after them.
    let build = job("build").step(Step::upload("app", ["dist/app"]));
    let clone = Job::new("clone").step(Step::checkout());
    let fetch = Job::new("fetch")
        .needs(&build)
        .step(Step::checkout())
        .step(Step::download("app"));
    let (text, d) = render(&pipeline([build, clone, fetch]));
    assert!(!d.has_errors(), "{d}");
    assert!(!text.contains("script: []"), "{text}");
    assert_eq!(text.matches("script:\n    - 'true'\n").count(), 2, "{text}");
}
