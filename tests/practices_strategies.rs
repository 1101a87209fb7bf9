//! Deployment strategies, CodeDeploy and AppConfig (`pipeline_templates::practices::strategies`):
//! snapshots of every generated file per (fixture, backend), the parameter validation, and the
//! diagnostics each platform gives.

use std::time::Duration;

use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use pipeline_templates::practices::strategies::{
    AppConfig, Batch, BlueGreen, Canary, CodeDeploy, DeploymentConfig, EcsService, HealthCheck, Hooks, LambdaCode,
    LambdaFunction, Rolling, TaskDefinition,
};
use pipeline_tests::fixtures;

/// Renders `pipelines` with `backend` and snapshots every file as `<set>__<backend>__<file>`.
fn snapshot(set: &str, backend: impl Backend + 'static, pipelines: Vec<Pipeline>) {
    let name = backend.name();
    let generator = Generator::new("snapshots", ".")
        .source("tests/practices_strategies.rs")
        .regenerate_command("cargo insta review")
        .backend(backend)
        .pipelines(pipelines);
    let rendered = generator
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

macro_rules! snapshots {
    ($($test:ident: $set:literal, $fixture:expr;)*) => {$(
        mod $test {
            use super::*;

            #[test]
            fn github() {
                snapshot($set, pipeline_backends::Github::new(), vec![$fixture]);
            }

            #[test]
            fn gitlab() {
                snapshot($set, pipeline_backends::Gitlab::new(), vec![$fixture]);
            }

            #[test]
            fn codepipeline() {
                snapshot($set, pipeline_backends::CodePipeline::new(), vec![$fixture]);
            }
        }
    )*};
}

snapshots! {
    strategies: "strategies", fixtures::strategies();
    codedeploy: "codedeploy", fixtures::codedeploy();
    feature_flags: "feature_flags", fixtures::feature_flags();
}

/// Every diagnostic of `pipeline` on backend `name` (validation first, as the generator does).
fn diagnostics(pipeline: &Pipeline, name: &str) -> Diagnostics {
    let pipelines = [pipeline.clone()];
    let mut d = pipeline_core::validate::validate_all(&pipelines);
    if !d.has_errors() {
        let ctx = pipeline_core::RenderContext {
            header: pipeline_core::Header::new("t", "t.rs", "t"),
            root_in_repository: String::new(),
        };
        let _ = pipeline_tests::backend(name).generate(&pipelines, &ctx, &mut d);
    }
    d
}

fn code() -> LambdaCode {
    LambdaCode::zip("lambda", "dist/api.zip")
}

fn function() -> LambdaFunction {
    LambdaFunction::new("api", code())
}

fn with(name: &str, construct: &impl Construct) -> Pipeline {
    let build = Job::new("build")
        .step(Step::checkout())
        .step(Step::script("make"))
        .step(Step::upload("lambda", ["dist/api.zip"]));
    let mut p = Pipeline::new("p").on(Trigger::push().branches(["main"]));
    let mut scope = p.scope();
    let built = scope.add("build", &build);
    let added = scope.add(name, construct);
    scope.needs(&added, &built);
    drop(scope);
    p
}

/// The codes of the problems validation reports for the pipeline.
fn problem_codes(pipeline: &Pipeline) -> Vec<&'static str> {
    let d = pipeline_core::validate::validate(pipeline);
    d.errors().map(|d| d.code).collect()
}

#[test]
fn traffic_steps_must_increase_and_end_at_100() {
    for (steps, expected) in [
        (vec![10, 50, 100], 0),
        (vec![100], 0),
        (vec![1, 2, 3, 100], 0),
        (vec![50, 10, 100], 1),
        (vec![10, 10, 100], 1),
        (vec![10, 50], 1),
        (vec![0, 100], 1),
        (vec![10, 150], 2),
        (vec![], 1),
    ] {
        let canary = Canary::new("production", function()).steps(steps.clone()).alarm("a");
        let problems = canary.problems();
        assert_eq!(problems.len(), expected, "{steps:?}: {problems:?}");
        assert!(
            problems.iter().all(|p| p.code == "strategy-traffic-steps"),
            "{problems:?}"
        );
    }
}

#[test]
fn parameter_problems_are_reported_by_validation_with_their_path() {
    let bad = Canary::new("production", function()).steps([50, 20]).alarm("errors");
    let p = with("production", &bad);
    let report = pipeline_core::validate::validate(&p).to_string();
    assert!(report.contains("error[strategy-traffic-steps]"), "{report}");
    assert!(report.contains("job \"production-deploy\""), "{report}");
    assert!(report.contains("increase"), "{report}");
    assert!(report.contains("end at 100"), "{report}");
}

#[test]
fn a_deployment_must_watch_something() {
    let p = with("production", &Canary::new("production", function()));
    assert_eq!(problem_codes(&p), ["strategy-health-check"]);
    let p = with(
        "staging",
        &Rolling::new("staging", function()).health_check(HealthCheck::http("https://x")),
    );
    assert!(problem_codes(&p).is_empty());
}

#[test]
fn blue_green_needs_a_probe_for_the_idle_color() {
    let alarms_only = BlueGreen::new("production", function()).alarm("errors");
    assert_eq!(problem_codes(&with("p", &alarms_only)), ["strategy-health-check"]);
    let probed = alarms_only.health_check(HealthCheck::invoke("{}"));
    assert!(problem_codes(&with("p", &probed)).is_empty());
}

#[test]
fn a_rolling_batch_is_a_share_of_the_traffic() {
    let r = Rolling::new("staging", function()).alarm("a");
    assert_eq!(r.traffic_steps(), [25, 50, 75, 100]);
    assert_eq!(r.clone().batch(Batch::Percent(30)).traffic_steps(), [30, 60, 90, 100]);
    assert_eq!(r.clone().batch(Batch::Percent(100)).traffic_steps(), [100]);
    assert_eq!(
        problem_codes(&with("s", &r.batch(Batch::Percent(120)))),
        ["strategy-batch"]
    );
}

#[test]
fn bakes_longer_than_a_job_can_run_are_refused() {
    let long = Canary::new("production", function())
        .steps([10, 20, 30, 40, 50, 100])
        .bake(Duration::from_secs(90 * 60))
        .alarm("a");
    let codes = problem_codes(&with("production", &long));
    assert_eq!(codes, ["strategy-duration"]);
    // The timeout covers every bake.
    let ok = Canary::new("production", function()).alarm("a");
    assert_eq!(ok.computed_timeout(), 5 * 3 + 15);
    let p = with("production", &ok);
    assert_eq!(
        p.find_job("production-deploy").and_then(|j| j.timeout_minutes),
        Some(30)
    );
}

#[test]
fn bad_names_are_refused() {
    let f = LambdaFunction::new("api; rm -rf /", code()).alias("123");
    let codes = problem_codes(&with("p", &Canary::new("production", f).alarm("a")));
    assert_eq!(codes, ["strategy-target", "strategy-target"]);
}

#[test]
fn codedeploy_refuses_a_configuration_of_the_other_platform_and_ecs_hooks_on_lambda() {
    let lambda = CodeDeploy::lambda("production", "app", "group", function())
        .config(DeploymentConfig::EcsCanary10Percent5Minutes)
        .hooks(Hooks::new().before_install("x"));
    assert_eq!(
        problem_codes(&with("p", &lambda)),
        ["codedeploy-config", "codedeploy-hooks"]
    );
    let ecs = CodeDeploy::ecs(
        "production",
        "app",
        "group",
        EcsService::new(TaskDefinition::Arn(Expr::var("TASK_DEFINITION_ARN")), "web", 80),
    )
    .config(DeploymentConfig::LambdaAllAtOnce);
    assert_eq!(problem_codes(&with("p", &ecs)), ["codedeploy-config"]);
    let custom = CodeDeploy::lambda("production", "app", "group", function())
        .config(DeploymentConfig::custom("Acme.Canary25Percent10Minutes", 10));
    assert!(problem_codes(&with("p", &custom)).is_empty());
    let too_many = (0..11).fold(CodeDeploy::lambda("production", "app", "group", function()), |c, n| {
        c.alarm(format!("alarm-{n}"))
    });
    assert_eq!(problem_codes(&with("p", &too_many)), ["codedeploy-alarms"]);
}

#[test]
fn every_predefined_codedeploy_configuration_has_its_aws_name() {
    use DeploymentConfig::*;
    let names: Vec<String> = [
        LambdaAllAtOnce,
        LambdaCanary10Percent5Minutes,
        LambdaCanary10Percent10Minutes,
        LambdaCanary10Percent15Minutes,
        LambdaCanary10Percent30Minutes,
        LambdaLinear10PercentEvery1Minute,
        LambdaLinear10PercentEvery2Minutes,
        LambdaLinear10PercentEvery3Minutes,
        LambdaLinear10PercentEvery10Minutes,
        EcsAllAtOnce,
        EcsCanary10Percent5Minutes,
        EcsCanary10Percent15Minutes,
        EcsLinear10PercentEvery1Minutes,
        EcsLinear10PercentEvery3Minutes,
    ]
    .iter()
    .map(|c| c.name().into_owned())
    .collect();
    assert_eq!(
        names,
        [
            "CodeDeployDefault.LambdaAllAtOnce",
            "CodeDeployDefault.LambdaCanary10Percent5Minutes",
            "CodeDeployDefault.LambdaCanary10Percent10Minutes",
            "CodeDeployDefault.LambdaCanary10Percent15Minutes",
            "CodeDeployDefault.LambdaCanary10Percent30Minutes",
            "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
            "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
            "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
            "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
            "CodeDeployDefault.ECSAllAtOnce",
            "CodeDeployDefault.ECSCanary10Percent5Minutes",
            "CodeDeployDefault.ECSCanary10Percent15Minutes",
            "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
            "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        ]
    );
}

#[test]
fn appconfig_refuses_a_path_outside_the_repository() {
    let p = AppConfig::new("production", "../flags.json").release_pipeline("flags", "main");
    assert_eq!(problem_codes(&p), ["appconfig-file"]);
}

#[test]
fn the_rollback_job_follows_the_platform() {
    let p = fixtures::strategies();
    // GitHub: a job conditioned on the deploy job's failure.
    let out = pipeline_tests::render(&set(p.clone()), "github").expect("renders");
    let workflow = &out[0].contents;
    assert!(
        workflow.contains("if: (failure() && contains(needs.*.result, 'failure')) && github.ref == 'refs/heads/main'"),
        "{workflow}"
    );
    // GitLab: `when: on_failure`.
    let out = pipeline_tests::render(&set(p.clone()), "gitlab").expect("renders");
    assert!(out[0].contents.contains("when: on_failure"), "{}", out[0].contents);
    // CodePipeline: the deploy stages roll back, and the backend says the job's steps do not run.
    let out = pipeline_tests::render(&set(p.clone()), "codepipeline").expect("renders");
    let template = out
        .iter()
        .find(|f| f.path.as_str().ends_with("template.yml"))
        .expect("template");
    // Staging and the worker deploy in one layer, so in one stage: its rollback redeploys both.
    assert_eq!(
        template.contents.matches("Result: ROLLBACK").count(),
        2,
        "{}",
        template.contents
    );
    let d = diagnostics(&p, "codepipeline");
    let notices: Vec<String> = d
        .iter()
        .filter(|d| d.code == "codepipeline-rollback")
        .map(|d| d.path.to_string())
        .collect();
    assert_eq!(notices.len(), 3, "{d}");
    assert!(notices.iter().any(|n| n.contains("production-rollback")), "{notices:?}");
}

#[test]
fn the_rollback_job_is_not_on_the_success_path() {
    let p = fixtures::strategies();
    let prod = p.find_job("production-deploy").expect("job");
    assert_eq!(prod.needs, ["staging-deploy"]);
    for id in ["staging-rollback", "production-rollback", "worker-rollback"] {
        let job = p.find_job(id).expect("rollback job");
        assert!(job.has_role(&JobRole::ROLLBACK));
        assert_eq!(job.needs.len(), 1);
    }
}

#[test]
fn a_rollback_job_that_something_needs_is_refused_on_codepipeline() {
    let mut p = with("production", &Canary::new("production", function()).alarm("a"));
    p = p.job(
        Job::new("after-rollback")
            .needs("production-rollback")
            .step(Step::script("echo rolled back")),
    );
    let d = diagnostics(&p, "codepipeline");
    assert!(d.contains_code("codepipeline-unsupported"), "{d}");
    assert!(d.to_string().contains("rollback job"), "{d}");
    // GitHub and GitLab express it.
    assert!(!diagnostics(&p, "github").has_errors());
    assert!(!diagnostics(&p, "gitlab").has_errors());
}

#[test]
fn without_rollback_there_is_no_rollback_job() {
    let p = with(
        "production",
        &Canary::new("production", function()).alarm("a").without_rollback(),
    );
    assert!(p.find_job("production-rollback").is_none());
}

#[test]
fn every_fixture_renders_on_every_platform_without_errors() {
    for p in [
        fixtures::strategies(),
        fixtures::codedeploy(),
        fixtures::feature_flags(),
    ] {
        for backend in ["github", "gitlab", "codepipeline"] {
            let d = diagnostics(&p, backend);
            assert!(!d.has_errors(), "{} on {backend}:\n{d}", p.id);
        }
    }
}

fn set(p: Pipeline) -> pipeline_tests::PipelineSet {
    pipeline_tests::PipelineSet {
        name: "t",
        pipelines: vec![p],
    }
}

#[test]
fn the_example_service_follows_acme_policies_on_every_platform() {
    let mut pipelines = fixtures::service_strategies();
    pipelines.push(example_service::delivery());
    let generator = Generator::new("example", ".")
        .backends(pipeline_templates::all())
        .policies(acme_platform::policies())
        .pipelines(pipelines);
    let rendered = generator.render(&[]).unwrap_or_else(|d| panic!("{d}"));
    let delivery = rendered
        .files
        .iter()
        .find(|(_, f)| f.path.as_str() == ".github/workflows/delivery.yml")
        .map(|(_, f)| f.contents.as_str())
        .expect("the delivery workflow");
    // The example's production stage is the canary.
    assert!(
        delivery.contains("AdditionalVersionWeights={$candidate=0.1}"),
        "{delivery}"
    );
    assert!(delivery.contains("production-rollback:"), "{delivery}");
    let p = example_service::delivery();
    assert_eq!(
        p.find_job("production-deploy").map(|j| j.needs.clone()),
        Some(vec!["build".into(), "staging-deploy".into()])
    );
}

/// The deploy scripts really run: each script step of a job runs in `bash -eo pipefail` (as on
/// GitHub and CodeBuild, one process per step) against a fake AWS CLI that keeps a Lambda alias,
/// its versions and the alarms as files, with `sleep` and `date` sped up.
mod scripts_run {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    const FAKE_AWS: &str = r#"#!/usr/bin/env bash
# A fake AWS CLI for the strategy scripts: Lambda aliases, versions and CloudWatch alarms kept
# as files under $FAKE_AWS.
set -euo pipefail
s="$FAKE_AWS"
echo "aws $*" >> "$s/calls"
service="$1"; op="$2"; shift 2
declare -A a=()
pos=()
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --alarm-names) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do names+=("$1"); shift; done ;;
    --alarm-types) shift; while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do shift; done ;;
    --*) k="${1#--}"; if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then a[$k]="$2"; shift 2; else a[$k]=true; shift; fi ;;
    *) pos+=("$1"); shift ;;
  esac
done
get() { cat "$s/$1" 2>/dev/null || true; }
case "$service $op" in
  "lambda get-alias")
    n="${a[name]}"; [ -f "$s/alias-$n-version" ] || { echo "ResourceNotFoundException" >&2; exit 254; }
    case "${a[query]}" in
      FunctionVersion) get "alias-$n-version" ;;
      RoutingConfig.AdditionalVersionWeights) w="$(get "alias-$n-weights")"; echo "${w:-None}" ;;
      Description) get "alias-$n-description" ;;
    esac ;;
  "lambda update-alias"|"lambda create-alias")
    n="${a[name]}"
    [ -n "${a[function-version]:-}" ] && printf '%s' "${a[function-version]}" > "$s/alias-$n-version"
    if [ -n "${a[routing-config]:-}" ]; then
      case "${a[routing-config]}" in
        *'{}'*) : > "$s/alias-$n-weights" ;;
        *) printf '%s' "${a[routing-config]#AdditionalVersionWeights=}" > "$s/alias-$n-weights" ;;
      esac
    fi
    [ -n "${a[description]:-}" ] && printf '%s' "${a[description]}" > "$s/alias-$n-description"
    get "alias-$n-version"; echo ;;
  "lambda update-function-code")
    f="${a[zip-file]#fileb://}"; sha="$(sha256sum "$f" | cut -c1-16)"; printf '%s' "$sha" > "$s/latest"; echo "$sha" ;;
  "lambda wait") ;;
  "lambda publish-version")
    last="$(get versions)"; latest="$(get latest)"
    if [ -n "$last" ] && [ "$(get "version-$last")" = "$latest" ]; then echo "$last"; else
      n=$(( ${last:-0} + 1 )); printf '%s' "$n" > "$s/versions"; printf '%s' "$latest" > "$s/version-$n"; echo "$n"; fi ;;
  "lambda get-function-configuration") get "version-${a[qualifier]}"; echo ;;
  "lambda invoke") echo None ;;
  "deploy create-deployment")
    printf '%s' "${a[revision]}" > "$s/revision"
    printf '%s' "${a[auto-rollback-configuration]}" > "$s/auto-rollback"
    printf '%s' "${a[override-alarm-configuration]:-}" > "$s/alarm-configuration"
    echo d-123 ;;
  "deploy wait") [ ! -e "$s/deployment-fails" ] ;;
  "deploy get-deployment")
    case "${a[query]}" in
      deploymentInfo.status) if [ -e "$s/deployment-fails" ]; then echo Failed; else echo Succeeded; fi ;;
      deploymentInfo.description) echo "pipeline-run=$(cat "$s/deployment-run")" ;;
      *) echo "alarm payments-events-errors fired	rolled back to version 1" ;;
    esac ;;
  "deploy list-deployments") cat "$s/in-progress" 2>/dev/null || true; echo ;;
  "deploy stop-deployment") echo "${a[deployment-id]} ${a[auto-rollback-enabled]}" > "$s/stopped"; echo Pending ;;
  "appconfig list-deployments") if [ -e "$s/in-progress" ]; then cat "$s/in-progress"; else echo None; fi ;;
  "appconfig stop-deployment") echo "${a[deployment-number]} ${a[allow-revert]}" > "$s/stopped"; echo ROLLED_BACK ;;
  "ecs register-task-definition") echo "arn:aws:ecs:eu-west-1:111111111111:task-definition/web:7" ;;
  "appconfig update-environment") printf '%s' "${a[monitors]}" > "$s/monitors"; echo READY_FOR_DEPLOYMENT ;;
  "appconfig create-hosted-configuration-version") cp "${a[content]#fileb://}" "$s/hosted"; printf '%s' "${a[version-label]}" > "$s/label"; echo 3 ;;
  "appconfig start-deployment") printf '%s' "${a[configuration-version]} ${a[deployment-strategy-id]}" > "$s/started"; echo 5 ;;
  "appconfig get-deployment")
    case "${a[query]}" in
      State) first="$(head -n1 "$s/states")"; tail -n +2 "$s/states" > "$s/states.next"; mv "$s/states.next" "$s/states"; echo "${first:-COMPLETE}" ;;
      *) echo "Alarm FlagsErrors fired" ;;
    esac ;;
  "cloudwatch describe-alarms")
    if [ -n "${a[state-value]:-}" ]; then
      out=(); for n in "${names[@]}"; do grep -qx "$n" "$s/alarming" 2>/dev/null && out+=("$n"); done; echo "${out[*]:-}"
    else
      c=0; for n in "${names[@]}"; do grep -qx "$n" "$s/alarms" && c=$((c + 1)); done; echo "$c"
    fi ;;
  *) echo "fake aws: unsupported $service $op" >&2; exit 2 ;;
esac
"#;
    /// Every call moves the clock 30 seconds on.
    const FAKE_DATE: &str = "#!/usr/bin/env bash\nn=$(cat \"$FAKE_AWS/clock\" 2>/dev/null || echo 1000000)\nn=$((n + 30))\necho \"$n\" > \"$FAKE_AWS/clock\"\necho \"$n\"\n";
    const FAKE_SLEEP: &str = "#!/usr/bin/env bash\n";
    const FAKE_CURL: &str = "#!/usr/bin/env bash\n[ ! -e \"$FAKE_AWS/curl-fails\" ]\n";

    struct World {
        dir: pipeline_tests::TempDir,
    }

    impl World {
        /// Alias `live` on version 1 running `old`; the zip to deploy holds `code`.
        fn new(code: &str) -> Self {
            let dir = pipeline_tests::TempDir::new("strategies-run");
            let w = World { dir };
            for (name, body) in [
                ("aws", FAKE_AWS),
                ("date", FAKE_DATE),
                ("sleep", FAKE_SLEEP),
                ("curl", FAKE_CURL),
            ] {
                w.write(&format!("bin/{name}"), body);
                let path = w.path().join("bin").join(name);
                let status = Command::new("chmod").arg("+x").arg(&path).status().expect("chmod");
                assert!(status.success());
            }
            w.write("work/dist/payments-api.zip", code);
            w.write("work/dist/old.zip", "old");
            let old = Command::new("sha256sum")
                .arg(w.path().join("work/dist/old.zip"))
                .output()
                .expect("sha256sum");
            let sha: String = String::from_utf8_lossy(&old.stdout).chars().take(16).collect();
            w.write("aws/version-1", &sha);
            w.write("aws/versions", "1");
            w.write("aws/alias-live-version", "1");
            w.write("aws/alias-live-description", "deployed by hand");
            w.write("aws/alarms", "payments-api-errors\npayments-latency\n");
            w
        }

        fn path(&self) -> &Path {
            self.dir.path()
        }

        fn write(&self, rel: &str, text: &str) {
            let path = self.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }

        fn read(&self, rel: &str) -> String {
            std::fs::read_to_string(self.path().join(rel)).unwrap_or_default()
        }

        /// The alias: (version, weights).
        fn alias(&self) -> (String, String) {
            (self.read("aws/alias-live-version"), self.read("aws/alias-live-weights"))
        }

        /// Runs the script steps of `job` in order until one fails; its exit code and output.
        fn run(&self, job: &Job) -> (i32, String) {
            let path = format!(
                "{}:{}",
                self.path().join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            );
            let mut log = String::new();
            for step in &job.steps {
                let StepKind::Script(body) = &step.kind else { continue };
                let mut command = Command::new("bash");
                // The job's values: literals as they are, configuration variables as `var-<NAME>`.
                for (name, value) in job.env.iter() {
                    match value {
                        Expr::Literal(v) => command.env(name.as_str(), v),
                        Expr::Var(v) => command.env(name.as_str(), format!("var-{}", v.as_str())),
                        _ => &mut command,
                    };
                }
                let out = command
                    .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", body])
                    .current_dir(self.path().join("work"))
                    .env("PATH", &path)
                    .env("FAKE_AWS", self.path().join("aws"))
                    .env("DEPLOY_RUN_ID", "4242")
                    .env("DEPLOY_ALARM_1", "payments-api-errors")
                    .env("DEPLOY_ALARM_2", "payments-latency")
                    .output()
                    .expect("bash runs");
                log.push_str(&format!("## {}\n", step.id_str().unwrap_or("?")));
                log.push_str(&String::from_utf8_lossy(&out.stdout));
                log.push_str(&String::from_utf8_lossy(&out.stderr));
                let code = out.status.code().unwrap_or(-1);
                if code != 0 {
                    return (code, log);
                }
            }
            (0, log)
        }
    }

    fn canary() -> Pipeline {
        let canary = Canary::new(
            "production",
            LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")),
        )
        .steps([10, 50, 100])
        .bake(Duration::from_secs(120))
        .alarm("payments-api-errors")
        .alarm(Expr::var("LATENCY_ALARM"))
        .health_check(HealthCheck::http("https://payments.example.com/health"));
        with("production", &canary)
    }

    fn job<'p>(p: &'p Pipeline, id: &str) -> &'p Job {
        p.find_job(id).unwrap_or_else(|| panic!("no job {id}"))
    }

    /// Runs the script steps of `job` in one shell, as GitLab runs a job's `script:` entries.
    fn run_in_one_shell(w: &World, job: &Job) -> (i32, String) {
        let mut joined = job.clone();
        let bodies: Vec<String> = job
            .steps
            .iter()
            .filter_map(|s| match &s.kind {
                StepKind::Script(b) => Some(b.clone()),
                _ => None,
            })
            .collect();
        joined.steps = vec![Step::script(bodies.join("\n"))];
        w.run(&joined)
    }

    #[test]
    fn in_one_shell_as_on_gitlab_the_steps_behave_the_same() {
        let w = World::new("new code");
        let p = canary();
        let (code, log) = run_in_one_shell(&w, job(&p, "production-deploy"));
        assert_eq!((code, w.alias()), (0, ("2".into(), String::new())), "{log}");
        let w = World::new("new code");
        w.write("aws/alarming", "payments-api-errors\n");
        let (code, log) = run_in_one_shell(&w, job(&p, "production-deploy"));
        assert_eq!((code, w.alias()), (1, ("1".into(), String::new())), "{log}");
        let (code, log) = run_in_one_shell(&w, job(&p, "production-rollback"));
        assert_eq!(code, 0, "{log}");
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    #[test]
    fn codedeploy_gets_a_json_revision_with_this_runs_versions() {
        let w = World::new("new code");
        let events = CodeDeploy::lambda(
            "production",
            "payments",
            "payments-api",
            LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")),
        )
        .hooks(Hooks::new().before_allow_traffic("pre-traffic"))
        .alarm("payments-api-errors");
        let p = with("production", &events);
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 0, "{log}");
        let revision = json(&w.read("aws/revision"));
        assert_eq!(revision["revisionType"], "AppSpecContent");
        let appspec = json(revision["appSpecContent"]["content"].as_str().expect("content"));
        let properties = &appspec["Resources"][0]["Function"]["Properties"];
        assert_eq!(properties["CurrentVersion"], "1", "{appspec}");
        assert_eq!(properties["TargetVersion"], "2", "{appspec}");
        assert_eq!(appspec["Hooks"][0]["BeforeAllowTraffic"], "pre-traffic");
        assert_eq!(
            json(&w.read("aws/auto-rollback"))["events"],
            serde_json::json!(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
        );
        assert_eq!(
            json(&w.read("aws/alarm-configuration"))["alarms"][0]["name"],
            "payments-api-errors"
        );
        assert!(log.contains("CodeDeploy deployment d-123 succeeded"), "{log}");
        // CodeDeploy moves the alias itself: the job did not.
        assert_eq!(w.alias(), ("1".into(), String::new()));
    }

    #[test]
    fn a_failed_codedeploy_deployment_fails_the_job_with_codedeploys_reason() {
        let w = World::new("new code");
        w.write("aws/deployment-fails", "");
        let events = CodeDeploy::lambda(
            "production",
            "payments",
            "payments-api",
            LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")),
        );
        let p = with("production", &events);
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 1, "{log}");
        assert!(log.contains("rolled back to version 1"), "{log}");
        assert!(log.contains("CodeDeploy deployment d-123 ended Failed"), "{log}");
    }

    #[test]
    fn an_ecs_codedeploy_revision_carries_the_registered_task_definition() {
        let w = World::new("new code");
        w.write("work/deploy/taskdef.json", "{}");
        let web = CodeDeploy::ecs(
            "production",
            "web",
            "web-production",
            EcsService::new(TaskDefinition::File("deploy/taskdef.json".into()), "web", 8080),
        );
        let p = with("production", &web);
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 0, "{log}");
        let revision = json(&w.read("aws/revision"));
        let appspec = json(revision["appSpecContent"]["content"].as_str().expect("content"));
        let properties = &appspec["Resources"][0]["TargetService"]["Properties"];
        assert_eq!(
            properties["TaskDefinition"],
            "arn:aws:ecs:eu-west-1:111111111111:task-definition/web:7"
        );
        assert_eq!(properties["LoadBalancerInfo"]["ContainerPort"], 8080);
    }

    fn flags() -> Pipeline {
        AppConfig::new("production", "config/flags.json")
            .rollback_alarm("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:FlagsErrors")
            .release_pipeline("flags", "main")
    }

    fn appconfig_world() -> World {
        let w = World::new("unused");
        w.write("work/config/flags.json", "{\"checkout\": {\"enabled\": true}}\n");
        w
    }

    #[test]
    fn appconfig_deploys_the_file_and_waits_for_completion() {
        let w = appconfig_world();
        w.write("aws/states", "DEPLOYING\nBAKING\nCOMPLETE\n");
        let p = flags();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 0, "{log}");
        assert_eq!(w.read("aws/hosted"), w.read("work/config/flags.json"));
        assert_eq!(w.read("aws/label"), "pipeline-run-4242");
        assert_eq!(w.read("aws/started"), "3 AppConfig.Canary10Percent20Minutes");
        assert_eq!(
            w.read("aws/monitors"),
            "AlarmArn=arn:aws:cloudwatch:eu-west-1:111111111111:alarm:FlagsErrors"
        );
        assert!(log.contains("AppConfig deployment 5 is BAKING"), "{log}");
        assert!(log.contains("AppConfig deployment 5 is complete"), "{log}");
    }

    #[test]
    fn an_appconfig_rollback_fails_the_job() {
        let w = appconfig_world();
        w.write("aws/states", "DEPLOYING\nROLLING_BACK\nROLLED_BACK\n");
        let (code, log) = w.run(job(&flags(), "production-deploy"));
        assert_eq!(code, 1, "{log}");
        assert!(log.contains("Alarm FlagsErrors fired"), "{log}");
        assert!(
            log.contains("AppConfig rolled deployment 5 back (ROLLED_BACK)"),
            "{log}"
        );
    }

    #[test]
    fn the_codedeploy_rollback_job_stops_only_this_runs_deployment() {
        let events = CodeDeploy::lambda(
            "production",
            "payments",
            "payments-api",
            LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")),
        );
        let p = with("production", &events);
        let rollback = job(&p, "production-rollback");
        let w = World::new("new code");
        w.write("aws/in-progress", "d-123");
        w.write("aws/deployment-run", "4242");
        let (code, log) = w.run(rollback);
        assert_eq!((code, w.read("aws/stopped").trim()), (0, "d-123 true"), "{log}");
        // Another run's deployment is left alone.
        let w = World::new("new code");
        w.write("aws/in-progress", "d-999");
        w.write("aws/deployment-run", "1");
        let (code, log) = w.run(rollback);
        assert_eq!((code, w.read("aws/stopped")), (0, String::new()), "{log}");
        assert!(log.contains("No deployment of this run is in progress"), "{log}");
    }

    #[test]
    fn the_appconfig_rollback_job_stops_this_runs_deployment() {
        let w = appconfig_world();
        w.write("aws/in-progress", "5");
        let (code, log) = w.run(job(&flags(), "production-rollback"));
        assert_eq!((code, w.read("aws/stopped").trim()), (0, "5 true"), "{log}");
        let w = appconfig_world();
        let (code, log) = w.run(job(&flags(), "production-rollback"));
        assert_eq!((code, w.read("aws/stopped")), (0, String::new()), "{log}");
    }

    #[test]
    fn a_healthy_canary_ends_with_all_the_traffic_on_the_new_version() {
        let w = World::new("new code");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 0, "{log}");
        assert_eq!(w.alias(), ("2".into(), String::new()), "{log}");
        assert!(log.contains("Version 2 now receives 10% of the traffic"), "{log}");
        assert!(log.contains("Healthy for 2m: 50% of the traffic"), "{log}");
        let calls = w.read("aws/calls");
        assert!(
            calls.contains("--routing-config AdditionalVersionWeights={2=0.1}"),
            "{calls}"
        );
        assert!(
            calls.contains("--routing-config AdditionalVersionWeights={2=0.5}"),
            "{calls}"
        );
    }

    #[test]
    fn an_alarm_during_a_bake_sends_the_traffic_back_and_the_rollback_job_finds_nothing_left() {
        let w = World::new("new code");
        w.write("aws/alarming", "payments-latency\n");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 1, "{log}");
        assert!(log.contains("## monitor-10"), "{log}");
        assert!(log.contains("Alarm in ALARM state: payments-latency"), "{log}");
        assert_eq!(w.alias(), ("1".into(), String::new()), "{log}");
        let (code, log) = w.run(job(&p, "production-rollback"));
        assert_eq!((code, w.alias()), (0, ("1".into(), String::new())), "{log}");
    }

    #[test]
    fn failing_health_checks_roll_back_after_the_threshold() {
        let w = World::new("new code");
        w.write("aws/curl-fails", "");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 1, "{log}");
        assert_eq!(log.matches("Health check failed").count(), 3, "{log}");
        assert_eq!(w.alias(), ("1".into(), String::new()));
    }

    #[test]
    fn the_rollback_job_undoes_a_promoted_version() {
        let w = World::new("new code");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!((code, w.alias().0.as_str()), (0, "2"), "{log}");
        // Something failed after the promotion (the job was marked failed): the rollback job runs.
        let (code, log) = w.run(job(&p, "production-rollback"));
        assert_eq!(code, 0, "{log}");
        assert_eq!(w.alias(), ("1".into(), String::new()), "{log}");
    }

    #[test]
    fn the_rollback_job_leaves_an_alias_this_run_did_not_touch() {
        let w = World::new("new code");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-rollback"));
        assert_eq!(code, 0, "{log}");
        assert!(log.contains("This run did not change alias live"), "{log}");
        assert!(!w.read("aws/calls").contains("update-alias"));
    }

    #[test]
    fn redeploying_the_running_code_shifts_nothing() {
        let w = World::new("old");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 0, "{log}");
        assert!(log.contains("Version 1 already runs this code"), "{log}");
        assert!(!w.read("aws/calls").contains("AdditionalVersionWeights={"), "{log}");
        assert_eq!(w.alias(), ("1".into(), String::new()));
    }

    #[test]
    fn blue_green_switches_after_the_idle_color_is_healthy_and_keeps_the_old_one() {
        let w = World::new("new code");
        let bg = BlueGreen::new(
            "production",
            LambdaFunction::new("payments-api", LambdaCode::zip("lambda", "dist/payments-api.zip")),
        )
        .health_check(HealthCheck::invoke("{}"))
        .alarm("payments-api-errors")
        .bake(Duration::from_secs(60));
        let p = with("production", &bg);
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 0, "{log}");
        assert_eq!(w.alias(), ("2".into(), String::new()), "{log}");
        assert_eq!(w.read("aws/alias-live-idle-version"), "1", "{log}");
        let (code, log) = w.run(job(&p, "production-rollback"));
        assert_eq!((code, w.alias().0.as_str()), (0, "1"), "{log}");
    }

    #[test]
    fn a_missing_alarm_fails_before_any_traffic_moves() {
        let w = World::new("new code");
        w.write("aws/alarms", "payments-api-errors\n");
        let p = canary();
        let (code, log) = w.run(job(&p, "production-deploy"));
        assert_eq!(code, 1, "{log}");
        assert!(log.contains("## publish"), "{log}");
        assert!(log.contains("Found 1 of the 2 alarm(s) to watch"), "{log}");
        assert!(!w.read("aws/calls").contains("update-function-code"), "{log}");
    }

    #[test]
    fn an_alarm_deleted_during_the_deployment_rolls_it_back() {
        let w = World::new("new code");
        let p = canary();
        let deploy = job(&p, "production-deploy");
        // Publish and the first shift, then the alarm disappears.
        let mut first = deploy.clone();
        first.steps.truncate(deploy.step_index("monitor-10").expect("step"));
        let (code, log) = w.run(&first);
        assert_eq!((code, w.alias().1.as_str()), (0, "{2=0.1}"), "{log}");
        w.write("aws/alarms", "payments-api-errors\n");
        let mut rest = deploy.clone();
        rest.steps.drain(..deploy.step_index("monitor-10").expect("step"));
        let (code, log) = w.run(&rest);
        assert_eq!(code, 1, "{log}");
        assert_eq!(w.alias(), ("1".into(), String::new()), "{log}");
    }
}
