//! Lowering tests: stages and run orders, matrix cells, values, triggers, failure handling, and
//! one diagnostic per feature CodePipeline cannot express.

use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use pipeline_core::{Input, Secret};

use super::model::{CfnString, ExecutionMode, Properties, StageResult, SubPart};
use super::{CodeBuildJob, CodePipeline, CodePipelineSettings, Lowered};

fn lower(p: &Pipeline) -> (Lowered, Diagnostics) {
    let mut d = Diagnostics::new();
    let lowered = CodePipeline::new().lower(p, &mut d).expect("lowers");
    (lowered, d)
}

fn clean(p: &Pipeline) -> Lowered {
    let (l, d) = lower(p);
    assert!(!d.has_errors(), "{d}");
    l
}

fn stage_names(l: &Lowered) -> Vec<&str> {
    l.pipeline()
        .expect("a pipeline")
        .stages
        .iter()
        .map(|s| s.name.as_str())
        .collect()
}

fn actions(l: &Lowered, stage: &str) -> Vec<(String, u32)> {
    l.pipeline()
        .expect("a pipeline")
        .stages
        .iter()
        .find(|s| s.name == stage)
        .map(|s| s.actions.iter().map(|a| (a.name.clone(), a.run_order)).collect())
        .unwrap_or_default()
}

fn config(l: &Lowered, action: &str, key: &str) -> Option<CfnString> {
    l.pipeline()
        .expect("a pipeline")
        .stages
        .iter()
        .flat_map(|s| &s.actions)
        .find(|a| a.name == action)
        .and_then(|a| a.configuration.get(key).cloned())
}

fn text(l: &Lowered, project: &str) -> String {
    match l.template.resources.0.get(project).map(|r| &r.properties) {
        Some(Properties::Project(p)) => p.source.build_spec.as_lit().unwrap_or_default().to_owned(),
        other => panic!("no project {project}: {other:?}"),
    }
}

fn job(id: &str) -> Job {
    Job::new(id).step(Step::script(format!("echo {id}")))
}

#[test]
fn layers_become_stages_and_approvals_run_first() {
    let p = Pipeline::new("p")
        .on(Trigger::push().branches(["main"]))
        .job(job("lint"))
        .job(job("test"))
        .job(job("build").needs("lint").needs("test"))
        .job(
            job("deploy")
                .needs("build")
                .environment(Environment::new("production").approval(Approval::new().instructions("Look first"))),
        );
    let l = clean(&p);
    assert_eq!(stage_names(&l), ["Source", "lint.test", "build", "deploy"]);
    assert_eq!(actions(&l, "lint.test"), [("lint".into(), 1), ("test".into(), 1)]);
    assert_eq!(
        actions(&l, "deploy"),
        [("approve-production".into(), 1), ("deploy".into(), 2)]
    );
    assert_eq!(
        config(&l, "approve-production", "CustomData"),
        Some(CfnString::lit("Look first"))
    );
    assert_eq!(l.pipeline().expect("a pipeline").execution_mode, ExecutionMode::Queued);
    assert_eq!(l.pipeline().expect("a pipeline").pipeline_type, "V2");
}

#[test]
fn matrix_cells_are_actions_with_their_values_and_parallel_limit() {
    let p = Pipeline::new("p").on(Trigger::manual()).job(
        Job::new("test")
            .matrix(
                Matrix::new()
                    .axis("rust", ["stable", "1.85"])
                    .axis("os", ["linux"])
                    .max_parallel(1),
            )
            .env("RUST", Expr::matrix("rust"))
            .step(Step::script("cargo test")),
    );
    let l = clean(&p);
    assert_eq!(
        actions(&l, "test"),
        [("test-stable-linux".into(), 1), ("test-1_85-linux".into(), 2)]
    );
    assert_eq!(
        config(&l, "test-1_85-linux", "EnvironmentVariables"),
        Some(CfnString::lit(r#"[{"name":"RUST","value":"1.85","type":"PLAINTEXT"}]"#))
    );
    // one project for all cells
    assert_eq!(
        l.template
            .resources
            .0
            .values()
            .filter(|r| r.kind == "AWS::CodeBuild::Project")
            .count(),
        1
    );
    assert_eq!(
        l.pipeline().expect("a pipeline").execution_mode,
        ExecutionMode::Parallel
    );
}

#[test]
fn outputs_are_exported_and_read_through_the_namespace() {
    let build = Job::new("build").step(Step::set_output("version", "cat VERSION"));
    let deploy = Job::new("deploy")
        .needs(&build)
        .env("VERSION", build.output("version"))
        .step(Step::script("./deploy.sh"));
    let p = Pipeline::new("p").on(Trigger::manual()).jobs([build, deploy]);
    let l = clean(&p);
    let ns = l.pipeline().expect("a pipeline").stages[1].actions[0].namespace.clone();
    assert_eq!(ns.as_deref(), Some("build"));
    assert!(text(&l, "BuildProject").contains("exported-variables:\n    - version\n"));
    assert!(text(&l, "BuildProject").contains("version=\"$(bash --noprofile --norc -eo pipefail"));
    assert_eq!(
        config(&l, "deploy", "EnvironmentVariables"),
        Some(CfnString::lit(
            r##"[{"name":"VERSION_1","value":"#{build.version}","type":"PLAINTEXT"}]"##
        ))
    );
    // The value arrives encoded and is decoded before the steps run.
    assert!(
        text(&l, "DeployProject").contains(r#"printf -v VERSION_1 '%b' "${VERSION_1//%/\\x}""#)
            && text(&l, "DeployProject").contains(r#"export VERSION="${VERSION_1}""#),
        "{}",
        text(&l, "DeployProject")
    );
}

#[test]
fn values_land_where_they_are_known() {
    let p = Pipeline::new("p")
        .on(Trigger::manual().input(Input::choice("target", "Where", ["staging", "production"])))
        .secret(Secret::new("DB").aws_parameter_store("/ci/db"))
        .secret(Secret::new("TOKEN").aws_secrets_manager("ci/token", Some("value")))
        .job(
            Job::new("j")
                .env("LIT", "on")
                .env("DB", Expr::secret("DB"))
                .env("HOST", Expr::var("REGISTRY_HOST"))
                .env(
                    "URL",
                    Expr::concat(["https://".into(), Expr::var("REGISTRY_HOST"), "/x".into()]),
                )
                .env(
                    "IMAGE",
                    Expr::concat([Expr::var("REGISTRY_HOST"), ":".into(), Builtin::CommitSha.into()]),
                )
                .env("TARGET", Expr::input("target"))
                .env("DIR", Expr::concat([Builtin::Workspace.into(), "/out".into()]))
                .step(
                    Step::script("./run.sh")
                        .env("TOKEN", Expr::secret("TOKEN"))
                        .env("MODE", "fast"),
                ),
        );
    let l = clean(&p);
    let spec = text(&l, "JProject");
    assert!(spec.contains("variables:\n    LIT: 'on'\n"), "{spec}");
    assert!(spec.contains("parameter-store:\n    DB: /ci/db\n"), "{spec}");
    assert!(
        spec.contains("secrets-manager:\n    STEP1_TOKEN: ci/token:value\n"),
        "{spec}"
    );
    assert!(spec.contains("export DIR=\"${CODEBUILD_SRC_DIR}/out\""), "{spec}");
    assert!(spec.contains("TOKEN=\"$STEP1_TOKEN\" MODE=fast bash"), "{spec}");
    let Some(Properties::Project(project)) = l.template.resources.0.get("JProject").map(|r| &r.properties) else {
        panic!("no project");
    };
    let env: Vec<(&str, &CfnString)> = project
        .environment
        .environment_variables
        .iter()
        .map(|v| (v.name.as_str(), &v.value))
        .collect();
    assert_eq!(
        env,
        [
            ("HOST", &CfnString::Ref("RegistryHost".into())),
            (
                "URL",
                &CfnString::Sub(vec![
                    SubPart::Text("https://".into()),
                    SubPart::Ref("RegistryHost".into()),
                    SubPart::Text("/x".into())
                ])
            ),
        ]
    );
    assert_eq!(
        config(&l, "j", "EnvironmentVariables"),
        Some(CfnString::Sub(vec![
            SubPart::Text(r#"[{"name":"IMAGE","value":""#.into()),
            SubPart::Ref("RegistryHost".into()),
            SubPart::Text(
                r##":#{SourceVariables.CommitId}","type":"PLAINTEXT"},{"name":"TARGET","value":"#{variables.target}","type":"PLAINTEXT"}]"##
                    .into()
            ),
        ]))
    );
    assert!(l.template.parameters.0.contains_key("RegistryHost"));
}

#[test]
fn triggers_split_tags_from_branches_and_map_negations_to_excludes() {
    let p = Pipeline::new("p")
        .on(Trigger::push()
            .branches(["main", "release/**", "!release/old"])
            .tags(["v*"])
            .paths(["src/**"]))
        .on(Trigger::pull_request())
        .job(job("a"));
    let (l, d) = lower(&p);
    assert!(d.contains_code("codepipeline-trigger-filter"), "{d}");
    let git = &l.pipeline().expect("a pipeline").triggers[0].git_configuration;
    assert_eq!(git.push.len(), 2);
    let branches = git.push[0].branches.as_ref().expect("branches");
    assert_eq!(branches.includes, ["main", "release/**"]);
    assert_eq!(branches.excludes, ["release/old"]);
    assert_eq!(
        git.push[0].file_paths.as_ref().map(|f| f.includes.clone()),
        Some(vec!["src/**".to_owned()])
    );
    assert_eq!(
        git.push[1].tags.as_ref().map(|t| t.includes.clone()),
        Some(vec!["v*".to_owned()])
    );
    assert!(git.push[1].file_paths.is_none());
    assert_eq!(
        git.pull_request[0].branches.as_ref().map(|b| b.includes.clone()),
        Some(vec!["**".to_owned()])
    );
    assert_eq!(config(&l, "Source", "DetectChanges"), Some(CfnString::lit("false")));
}

/// Ref patterns are GitHub's (`?` is "zero or one of the preceding character", `+` "one or
/// more"); CodePipeline's globs read `?` as one character and `+` literally, so each pattern is
/// translated, or refused when a glob cannot say it.
#[test]
fn ref_patterns_are_translated_to_codepipeline_globs() {
    let p = Pipeline::new("p")
        .on(Trigger::push()
            .branches(["rc-1?", "!old-[^0-9]*"])
            .tags(["v[0-9]+*", "v1.2?"]))
        .on(Trigger::pull_request().branches(["{main}"]))
        .job(job("a"));
    let l = clean(&p);
    let git = &l.pipeline().expect("a pipeline").triggers[0].git_configuration;
    let branches = git.push[0].branches.as_ref().expect("branches");
    assert_eq!(branches.includes, ["rc-{1,}"]);
    assert_eq!(branches.excludes, ["old-[!0-9]*"]);
    assert_eq!(
        git.push[1].tags.as_ref().map(|t| t.includes.clone()),
        Some(vec!["v[0-9]*".to_owned(), "v1.{2,}".to_owned()])
    );
    assert_eq!(
        git.pull_request[0].branches.as_ref().map(|b| b.includes.clone()),
        Some(vec!["\\{main\\}".to_owned()])
    );

    let semver = Pipeline::new("p")
        .on(Trigger::push().tags(["v[0-9]+.[0-9]+.[0-9]+"]))
        .job(job("a"));
    let (_, d) = lower(&semver);
    let e = d
        .iter()
        .find(|d| d.code == "codepipeline-unsupported")
        .unwrap_or_else(|| panic!("{d}"));
    assert!(
        e.is_error() && e.message.contains("v[0-9]+.[0-9]+.[0-9]+") && e.message.contains("'+'"),
        "{e}"
    );
    assert_eq!(e.path.to_string(), "pipeline \"p\" > trigger 1 > tags");
    assert!(
        e.hint.as_deref().is_some_and(|h| h.contains("v[0-9]*.[0-9]*.[0-9]*")),
        "{e}"
    );
}

#[test]
fn retry_and_rollback_are_stage_failure_settings() {
    let deploy = job("deploy").environment(Environment::new("prod")).retry(1);
    let rollback = job("rollback")
        .needs(&deploy)
        .when(Condition::failure() & Condition::branch("main"));
    let p = Pipeline::new("p")
        .on(Trigger::manual())
        .job(job("test").retry(2))
        .job(deploy.needs("test"))
        .job(rollback);
    let (l, d) = lower(&p);
    assert!(!d.has_errors(), "{d}");
    assert!(d.contains_code("codepipeline-retry"), "{d}");
    assert!(d.contains_code("codepipeline-rollback"), "{d}");
    assert_eq!(stage_names(&l), ["Source", "test", "deploy"]);
    let results: Vec<Option<StageResult>> = l
        .pipeline()
        .expect("a pipeline")
        .stages
        .iter()
        .map(|s| s.on_failure.as_ref().map(|f| f.result))
        .collect();
    assert_eq!(results, [None, Some(StageResult::Retry), Some(StageResult::Rollback)]);
}

#[test]
fn execution_mode_follows_concurrency_and_settings() {
    let base = || Pipeline::new("p").on(Trigger::manual()).job(job("a"));
    assert_eq!(
        clean(&base()).pipeline().expect("a pipeline").execution_mode,
        ExecutionMode::Parallel
    );
    let queued = base().concurrency(Concurrency::new("p"));
    assert_eq!(
        clean(&queued).pipeline().expect("a pipeline").execution_mode,
        ExecutionMode::Queued
    );
    let cancel = base().concurrency(Concurrency::new("p").cancel_in_progress());
    assert_eq!(
        clean(&cancel).pipeline().expect("a pipeline").execution_mode,
        ExecutionMode::Superseded
    );
    let set = cancel.extend(CodePipelineSettings::new().execution_mode(ExecutionMode::Queued));
    assert_eq!(
        clean(&set).pipeline().expect("a pipeline").execution_mode,
        ExecutionMode::Queued
    );
}

#[test]
fn job_conditions_guard_the_job_and_its_dependents() {
    let p = Pipeline::new("p")
        .on(Trigger::manual().input(Input::boolean("dry_run", "Dry run", false)))
        .job(job("a").when(Condition::branch("main")))
        .job(job("b").needs("a").when(!Condition::input_equals("dry_run", "true")));
    let l = clean(&p);
    let b = text(&l, "BProject");
    assert!(
        b.contains("if ! [ \"$PIPELINE_INPUT_dry_run\" = true ] && [ \"$PIPELINE_BRANCH_NAME\" = main ]; then PIPELINE_RUN_JOB=true"),
        "{b}"
    );
    assert!(b.contains("if [ \"$PIPELINE_RUN_JOB\" = true ]; then\n"), "{b}");
    let env = config(&l, "b", "EnvironmentVariables")
        .and_then(|v| v.as_lit().map(str::to_owned))
        .unwrap_or_default();
    assert!(
        env.contains("#{variables.dry_run}") && env.contains("#{SourceVariables.BranchName}"),
        "{env}"
    );
}

#[test]
fn schedules_become_eventbridge_rules_with_a_role_parameter() {
    let p = Pipeline::new("p").on(Trigger::schedule("0 6 1 * 1")).job(job("a"));
    let (l, d) = lower(&p);
    assert!(d.contains_code("codepipeline-schedule"), "{d}");
    let rules: Vec<&str> = l
        .template
        .resources
        .0
        .iter()
        .filter(|(_, r)| r.kind == "AWS::Events::Rule")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(rules, ["Schedule1", "Schedule2"]);
    assert!(l.template.parameters.0.contains_key("ScheduleRoleArn"));
}

#[test]
fn settings_fill_parameters_and_the_create_pipeline_input() {
    let p = Pipeline::new("p").on(Trigger::manual()).job(job("a")).extend(
        CodePipelineSettings::new()
            .artifact_bucket("my-bucket")
            .pipeline_role_arn("arn:aws:iam::111122223333:role/pipeline"),
    );
    let l = clean(&p);
    assert_eq!(
        l.template
            .parameters
            .0
            .get("ArtifactBucket")
            .and_then(|p| p.default.clone()),
        Some("my-bucket".into())
    );
    let json = CodePipeline::new().render_create_pipeline(&l).expect("json");
    assert!(json.contains("\"location\": \"my-bucket\""), "{json}");
    assert!(
        json.contains("\"roleArn\": \"arn:aws:iam::111122223333:role/pipeline\""),
        "{json}"
    );
    assert!(json.contains("\"ProjectName\": \"p-a\""), "{json}");
    assert!(!json.contains("Fn::") && !json.contains("\"Ref\""), "{json}");
}

#[test]
fn services_run_with_docker_beside_a_job_container() {
    let p = Pipeline::new("p").on(Trigger::manual()).job(
        Job::new("it")
            .runner(Runner::linux().image("rust:1.95-bookworm"))
            .service(
                Service::new("db", "postgres:17")
                    .env("POSTGRES_PASSWORD", "pw")
                    .port(5432),
            )
            .env("DATABASE_URL", "postgres://db")
            .step(Step::script("cargo test").working_directory("crates/x")),
    );
    let (l, d) = lower(&p);
    assert!(d.contains_code("codepipeline-services"), "{d}");
    let spec = text(&l, "ItProject");
    assert!(
        spec.contains("docker run -d --name db --network pipeline -e POSTGRES_PASSWORD=pw -p 5432:5432 postgres:17"),
        "{spec}"
    );
    assert!(
        spec.contains("--entrypoint sleep rust:1.95-bookworm infinity"),
        "{spec}"
    );
    assert!(
        spec.contains("docker exec -w \"$CODEBUILD_SRC_DIR\"/crates/x -e DATABASE_URL pipeline-job bash"),
        "{spec}"
    );
    let Some(Properties::Project(project)) = l.template.resources.0.get("ItProject").map(|r| &r.properties) else {
        panic!("no project");
    };
    assert!(project.environment.privileged_mode);
    assert_eq!(project.environment.image, super::job::STANDARD_X64);
}

#[test]
fn a_codebuild_extension_sets_image_compute_type_and_install_commands() {
    let p = Pipeline::new("p").on(Trigger::manual()).job(
        job("a").extend(
            CodeBuildJob::new()
                .image("public.ecr.aws/docker/library/rust:1.95")
                .compute_type(super::model::ComputeType::Large)
                .privileged()
                .install(["apt-get install -y protobuf-compiler"]),
        ),
    );
    let l = clean(&p);
    let Some(Properties::Project(project)) = l.template.resources.0.get("AProject").map(|r| &r.properties) else {
        panic!("no project");
    };
    assert_eq!(project.environment.image, "public.ecr.aws/docker/library/rust:1.95");
    assert_eq!(project.environment.compute_type, super::model::ComputeType::Large);
    assert!(project.environment.privileged_mode);
    assert!(text(&l, "AProject").contains("install:\n    commands:\n      - apt-get install -y protobuf-compiler\n"));
}

/// One error per feature CodePipeline cannot express, each naming the feature and the job.
#[test]
fn every_unsupported_feature_is_an_error_naming_feature_and_job() {
    let cases: Vec<(&str, Pipeline, &str)> = vec![
        (
            "event condition",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(job("a").when(Condition::event(Event::Push))),
            "the condition `event == push` in job \"a\"",
        ),
        (
            "tag condition",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(job("a").when(Condition::tag())),
            "the condition `tag`",
        ),
        (
            "event name",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(job("a").env("EV", Builtin::EventName)),
            "the built-in `event name`",
        ),
        (
            "always job",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(job("a"))
                .job(job("b").needs("a").when(Condition::always())),
            "job \"b\" running after a failed or cancelled job",
        ),
        (
            "failure job after a build",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(job("a"))
                .job(job("b").needs("a").when(Condition::failure())),
            "job \"b\" running when a job that is not a deploy failed",
        ),
        (
            "action without fallback",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(Job::new("a").step(Step::action(Action::new(
                    "actions/setup-node",
                    "820762786026740c76f36085b0efc47a31fe5020",
                    "v7.0.0",
                )))),
            "the action actions/setup-node (without a fallback script) in job \"a\"",
        ),
        (
            "upload in a matrix job",
            Pipeline::new("p").on(Trigger::manual()).job(
                Job::new("a")
                    .matrix(Matrix::new().axis("x", ["1", "2"]))
                    .step(Step::upload("out", ["out"])),
            ),
            "artifact \"out\" uploaded by a matrix job",
        ),
        (
            "schedule needing both day fields",
            Pipeline::new("p").on(Trigger::schedule("0 6 */2 * 1")).job(job("a")),
            "the schedule \"0 6 */2 * 1\"",
        ),
        (
            "output named like an AWS variable",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(Job::new("a").step(Step::set_output("AWS_X", "echo"))),
            "output \"AWS_X\"",
        ),
        (
            "services with a CodeBuildJob image",
            Pipeline::new("p").on(Trigger::manual()).job(
                job("a")
                    .service(Service::new("db", "postgres:17"))
                    .extend(CodeBuildJob::new().image("x:1")),
            ),
            "service containers with a `CodeBuildJob` image",
        ),
        (
            "literal #{ next to a variable",
            Pipeline::new("p")
                .on(Trigger::manual())
                .job(job("a").env("X", Expr::concat(["#{x}".into(), Builtin::CommitSha.into()]))),
            "literal text containing `#{`",
        ),
        (
            "literal #{ split across pieces next to a variable",
            Pipeline::new("p").on(Trigger::manual()).job(job("a").env(
                "X",
                Expr::Concat(vec!["#".into(), "{x}".into(), Builtin::CommitSha.into()]),
            )),
            "literal text containing `#{`",
        ),
    ];
    for (what, p, feature) in cases {
        let mut d = Diagnostics::new();
        let _ = CodePipeline::new().lower(&p, &mut d);
        let errors: Vec<_> = d.errors().collect();
        assert!(
            errors.iter().any(|e| e.code == "codepipeline-unsupported"
                && e.message.contains(feature)
                && e.platform == Some("codepipeline")
                && e.hint.is_some()),
            "{what}: expected an error about {feature:?}, got:\n{d}"
        );
    }
}

#[test]
fn limits_and_variable_values_are_checked() {
    let many: Vec<String> = (0..9).map(|i| format!("b{i}")).collect();
    let p = Pipeline::new("p").on(Trigger::push().branches(many)).job(job("a"));
    let (_, d) = lower(&p);
    assert!(d.contains_code("codepipeline-limit"), "{d}");
    let filters = Pipeline::new("p")
        .on(Trigger::push().branches(["a"]).tags(["v*"]))
        .on(Trigger::push().branches(["b"]).tags(["w*"]))
        .job(job("a"));
    let (_, d) = lower(&filters);
    assert!(d.contains_code("codepipeline-limit"), "{d}");
    let bad = Pipeline::new("p")
        .on(Trigger::manual().input(Input::string("why", "Why").default_value("a reason")))
        .job(job("a"));
    let (_, d) = lower(&bad);
    assert!(d.contains_code("codepipeline-invalid-variable"), "{d}");
    assert!(d.contains_code("codepipeline-free-text-input"), "{d}");
    let choice = Pipeline::new("p")
        .on(Trigger::manual().input(Input::choice("target", "Target", ["staging", "production"])))
        .job(job("a"));
    assert!(!lower(&choice).1.contains_code("codepipeline-free-text-input"));
    let reserved = Pipeline::new("p")
        .on(Trigger::manual())
        .job(job("a").env("PIPELINE_FAILED", "x"));
    let (_, d) = lower(&reserved);
    assert!(d.contains_code("codepipeline-reserved-name"), "{d}");
}

#[test]
fn every_buildspec_passes_the_structural_check() {
    let p = Pipeline::new("p").on(Trigger::manual()).job(
        Job::new("b")
            .step(Step::upload("one", ["a"]))
            .step(Step::upload("two", ["b", "c/d"]))
            .step(Step::cache(Cache::new("k", ["target"]))),
    );
    let l = clean(&p);
    let spec = text(&l, "BProject");
    assert!(spec.contains("secondary-artifacts:\n    one:\n"), "{spec}");
    assert!(
        spec.contains("key: k-x86_64-$CODEBUILD_RESOLVED_SOURCE_VERSION"),
        "{spec}"
    );
}

#[test]
fn the_actor_is_read_from_the_execution_record() {
    let p = Pipeline::new("p").on(Trigger::manual()).job(
        job("a")
            .env("WHO", Builtin::Actor)
            .step(Step::script("echo \"$WHO\"").env("BY", Builtin::Actor)),
    );
    let (l, d) = lower(&p);
    assert!(!d.has_errors(), "{d}");
    assert!(d.contains_code("codepipeline-actor"), "{d}");
    let spec = text(&l, "AProject");
    let lookup = spec.find("PIPELINE_TRIGGER=\"$(aws codepipeline get-pipeline-execution --pipeline-name \"$PIPELINE_NAME\" --pipeline-execution-id \"$PIPELINE_EXECUTION_ID\" --query 'pipelineExecution.trigger.[triggerType,triggerDetail]' --output text)\"");
    let export = spec.find("export WHO=\"${PIPELINE_ACTOR}\"");
    assert!(lookup.is_some() && export.is_some() && lookup < export, "{spec}");
    assert!(spec.contains("StartPipelineExecution*) PIPELINE_ACTOR="), "{spec}");
    assert!(spec.contains("BY=\"${PIPELINE_ACTOR}\" bash"), "{spec}");
    let template = CodePipeline::new().render_template(&l).expect("renders");
    assert!(
        template.contains(
            "\\\"name\\\":\\\"PIPELINE_EXECUTION_ID\\\",\\\"value\\\":\\\"#{codepipeline.PipelineExecutionId}\\\""
        ) || template.contains("PIPELINE_EXECUTION_ID"),
        "{template}"
    );
    assert!(
        template.contains("Name: PIPELINE_NAME\n") || template.contains("- Name: PIPELINE_NAME"),
        "{template}"
    );
    let reserved = Pipeline::new("p")
        .on(Trigger::manual())
        .job(job("a").env("PIPELINE_ACTOR", "x"));
    assert!(lower(&reserved).1.contains_code("codepipeline-reserved-name"));
}

/// The pipeline is held once, as the template's first resource: `Lowered::pipeline` reads it
/// there (an edit of the template is what the create-pipeline input describes), and a template
/// edited to hold none is an error of the create-pipeline input, not a panic.
#[test]
fn the_pipeline_is_the_templates_first_resource_and_the_create_pipeline_input_follows_edits() {
    let p = Pipeline::new("p")
        .on(Trigger::push().branches(["main"]))
        .job(job("a"))
        .job(job("b").needs("a"));
    let mut l = clean(&p);
    let first = l.template.resources.0.first().map(|(id, r)| (id.as_str(), r.kind));
    assert_eq!(first, Some(("Pipeline", "AWS::CodePipeline::Pipeline")));
    let backend = CodePipeline::new();
    let json = backend.render_create_pipeline(&l).expect("renders");
    assert!(json.contains("\"name\": \"a\""), "{json}");

    let Some(Properties::Pipeline(pipeline)) = l.template.resources.0.get_mut("Pipeline").map(|r| &mut r.properties)
    else {
        panic!("no pipeline resource");
    };
    pipeline.stages[1].name = "renamed".into();
    assert_eq!(stage_names(&l), ["Source", "renamed", "b"]);
    let json = backend.render_create_pipeline(&l).expect("renders");
    assert!(json.contains("\"name\": \"renamed\""), "{json}");

    l.template.resources.0.shift_remove("Pipeline");
    assert!(l.pipeline().is_none());
    let err = backend.render_create_pipeline(&l).expect_err("no pipeline");
    assert!(err.contains("no Pipeline resource"), "{err}");
}
