//! `#[derive(Pipeline)]`: `ToPipeline` from the struct's options, fields added at the root.

use pipeline_core::prelude::*;
use pipeline_core::validate::validate;

fn job(id: &str) -> Job {
    Job::new(id)
        .step(Step::checkout())
        .step(Step::script(format!("make {id}")))
}

/// Checks, then deploys.
#[derive(Construct)]
struct DeployStage {
    #[construct(role = "deploy")]
    deploy: Job,
    #[construct(needs(deploy))]
    smoke_test: Job,
}

#[derive(Pipeline)]
#[pipeline(
    id = "delivery",
    name = "Delivery",
    on(
        push(branches("main", "release/*"), tags("v*"), paths("src/**")),
        pull_request(branches("main"), paths("src/**", "Cargo.lock")),
        schedule("0 3 * * 1-5"),
        manual
    ),
    timeout = 30
)]
struct Delivery {
    lint: Job,
    unit_tests: Job,
    #[construct(needs(lint, unit_tests), role = BUILD)]
    build: Job,
    #[construct(needs(build), environment = "staging", tier = "staging", when(branch = "main"))]
    staging: DeployStage,
    #[construct(
        needs(staging),
        environment = "production",
        tier = "production",
        url = "https://payments.example.com",
        approval,
        when(all(branch = "main", event = "push"))
    )]
    production: DeployStage,
}

fn delivery() -> Delivery {
    Delivery {
        lint: job("lint"),
        unit_tests: job("test"),
        build: job("build"),
        staging: DeployStage {
            deploy: job("deploy"),
            smoke_test: job("smoke"),
        },
        production: DeployStage {
            deploy: job("deploy"),
            smoke_test: job("smoke"),
        },
    }
}

#[test]
fn to_pipeline_sets_id_name_triggers_and_timeout() {
    let p = delivery().to_pipeline();
    assert_eq!(p.id.as_str(), "delivery");
    assert_eq!(p.name, "Delivery");
    assert_eq!(p.default_timeout_minutes, 30);
    assert_eq!(
        p.triggers,
        [
            Trigger::push()
                .branches(["main", "release/*"])
                .tags(["v*"])
                .paths(["src/**"])
                .into(),
            Trigger::pull_request()
                .branches(["main"])
                .paths(["src/**", "Cargo.lock"])
                .into(),
            Trigger::schedule("0 3 * * 1-5"),
            Trigger::manual().into(),
        ]
    );
}

#[test]
fn fields_are_added_at_the_root_and_the_pipeline_is_valid() {
    let p = delivery().to_pipeline();
    let ids: Vec<&str> = p.jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "lint",
            "unit-tests",
            "build",
            "staging-deploy",
            "staging-smoke-test",
            "production-deploy",
            "production-smoke-test",
        ]
    );
    let find = |id: &str| p.find_job(id).expect(id);
    assert_eq!(find("build").needs, ["lint", "unit-tests"]);
    assert_eq!(find("build").roles, [JobRole::BUILD]);
    assert_eq!(find("staging-deploy").needs, ["build"]);
    assert_eq!(find("production-deploy").needs, ["staging-smoke-test"]);
    assert_eq!(find("production-smoke-test").needs, ["production-deploy"]);
    assert!(
        find("production-smoke-test")
            .environment
            .as_ref()
            .expect("env")
            .requires_approval()
    );
    assert_eq!(find("production-deploy").roles, [JobRole::DEPLOY]);
    let diagnostics = validate(&p);
    assert!(!diagnostics.has_errors(), "{diagnostics}");
}

#[test]
fn the_same_as_the_builder_api() {
    let d = delivery();
    let by_hand = Pipeline::new("delivery")
        .name("Delivery")
        .on(Trigger::push()
            .branches(["main", "release/*"])
            .tags(["v*"])
            .paths(["src/**"]))
        .on(Trigger::pull_request()
            .branches(["main"])
            .paths(["src/**", "Cargo.lock"]))
        .on(Trigger::schedule("0 3 * * 1-5"))
        .on(Trigger::manual())
        .default_timeout_minutes(30)
        .with(&d);
    assert_eq!(d.to_pipeline(), by_hand);
}

#[test]
fn minimal_pipeline() {
    #[derive(Pipeline)]
    #[pipeline(id = "ci", on(push, pull_request))]
    struct Ci {
        test: Job,
    }
    let p = Ci { test: job("t") }.to_pipeline();
    assert_eq!((p.id.as_str(), p.name.as_str()), ("ci", "ci"));
    assert_eq!(p.triggers, [Trigger::push().into(), Trigger::pull_request().into()]);
    assert_eq!(p.jobs[0].id.as_str(), "test");
    assert!(!validate(&p).has_errors());
}

#[test]
fn a_derived_pipeline_is_also_a_construct() {
    #[derive(Pipeline)]
    #[pipeline(id = "ci", on(push))]
    struct Ci<T> {
        test: T,
    }
    let ci = Ci { test: job("t") };
    let p = Pipeline::new("outer").add("ci", &ci);
    assert_eq!(p.jobs[0].id.as_str(), "ci-test");
    assert_eq!(ci.to_pipeline().jobs[0].id.as_str(), "test");
}
