//! What `#[derive(Construct)]` expands to, observed through the pipelines it builds.

use pipeline_core::prelude::*;

fn job(id: &str) -> Job {
    Job::new(id).step(Step::script(format!("echo {id}")))
}

fn ids(p: &Pipeline) -> Vec<&str> {
    p.jobs.iter().map(|j| j.id.as_str()).collect()
}

fn get<'p>(p: &'p Pipeline, id: &str) -> &'p Job {
    p.find_job(id)
        .unwrap_or_else(|| panic!("no job {id:?} in {:?}", ids(p)))
}

/// A hand-written construct with two jobs: `deploy`, then `smoke-test`.
struct Stage;

impl Construct for Stage {
    fn build(&self, scope: &mut Scope<'_>) {
        let deploy = job("deploy");
        let smoke = job("smoke-test").needs(&deploy);
        scope.add_job(deploy);
        scope.add_job(smoke);
    }
}

#[derive(Construct)]
struct Release {
    build: Job,
    #[construct(needs(build))]
    deploy_staging: Stage,
    #[construct(needs(deploy_staging, build))]
    deploy_production: Stage,
}

fn release() -> Release {
    Release {
        build: job("ignored-id"),
        deploy_staging: Stage,
        deploy_production: Stage,
    }
}

#[test]
fn fields_are_added_in_order_under_their_names_in_kebab_case() {
    let p = Pipeline::new("p").on(Trigger::push()).with(&release());
    assert_eq!(
        ids(&p),
        [
            "build",
            "deploy-staging-deploy",
            "deploy-staging-smoke-test",
            "deploy-production-deploy",
            "deploy-production-smoke-test",
        ]
    );
}

#[test]
fn needs_join_the_last_jobs_of_one_field_to_the_first_jobs_of_another() {
    let p = Pipeline::new("p").on(Trigger::push()).with(&release());
    assert_eq!(get(&p, "deploy-staging-deploy").needs, ["build"]);
    assert_eq!(get(&p, "deploy-staging-smoke-test").needs, ["deploy-staging-deploy"]);
    assert_eq!(
        get(&p, "deploy-production-deploy").needs,
        ["deploy-staging-smoke-test", "build"]
    );
    assert!(!pipeline_core::validate::validate(&p).has_errors());
}

#[test]
fn a_derived_construct_nests_and_its_ids_are_prefixed() {
    #[derive(Construct)]
    struct Service {
        lint: Job,
        release: Release,
    }
    let service = Service {
        lint: job("lint"),
        release: release(),
    };
    let p = Pipeline::new("p").on(Trigger::push()).add("payments", &service);
    assert_eq!(
        ids(&p),
        [
            "payments-lint",
            "payments-release-build",
            "payments-release-deploy-staging-deploy",
            "payments-release-deploy-staging-smoke-test",
            "payments-release-deploy-production-deploy",
            "payments-release-deploy-production-smoke-test",
        ]
    );
    assert_eq!(
        get(&p, "payments-release-deploy-production-deploy").needs,
        ["payments-release-deploy-staging-smoke-test", "payments-release-build"]
    );
}

#[test]
fn needs_may_name_a_later_field() {
    #[derive(Construct)]
    struct Backwards {
        #[construct(needs(build))]
        test: Job,
        build: Job,
    }
    let p = Pipeline::new("p").with(&Backwards {
        test: job("t"),
        build: job("b"),
    });
    assert_eq!(ids(&p), ["test", "build"]);
    assert_eq!(get(&p, "test").needs, ["build"]);
}

#[derive(Construct)]
struct Configured {
    #[construct(
        environment = "production",
        tier = "production",
        url = "https://app.example.com",
        approval(instructions = "Check staging first", review_url = "https://example.com/change", notify),
        timeout = 25,
        role = DEPLOY,
        when(all(branch = "main", event = "push", not(tag)))
    )]
    production: Stage,
    #[construct(environment = "staging", approval, role = "load-test", when(any(failure, always)))]
    staging: Job,
    #[construct(when(input(target = "production")), role = "deploy")]
    manual: Job,
    plain: Job,
}

fn configured() -> Pipeline {
    Pipeline::new("p").with(&Configured {
        production: Stage,
        staging: job("s").role(JobRole::new("load-test")),
        manual: job("m").role(JobRole::DEPLOY),
        plain: job("plain").timeout_minutes(5),
    })
}

#[test]
fn options_apply_to_every_job_of_the_field() {
    let p = configured();
    for id in ["production-deploy", "production-smoke-test"] {
        let j = get(&p, id);
        let env = j.environment.as_ref().expect("environment");
        assert_eq!(env.name.as_str(), "production");
        assert_eq!(env.tier, Tier::Production);
        assert_eq!(env.url, Some(Expr::from("https://app.example.com")));
        assert_eq!(
            env.approval,
            Some(
                Approval::new()
                    .instructions("Check staging first")
                    .review_url("https://example.com/change")
                    .notify()
            )
        );
        assert_eq!(j.timeout_minutes, Some(25));
        assert_eq!(j.roles, [JobRole::DEPLOY]);
        assert_eq!(
            j.condition,
            Some(Condition::And(vec![
                Condition::branch("main"),
                Condition::event(Event::Push),
                !Condition::tag(),
            ]))
        );
    }
}

#[test]
fn environment_defaults_roles_are_not_repeated_and_conditions_combine() {
    let p = configured();
    let staging = get(&p, "staging");
    let env = staging.environment.as_ref().expect("environment");
    assert_eq!((env.tier, env.url.as_ref()), (Tier::Other, None));
    assert_eq!(env.approval, Some(Approval::new()));
    assert_eq!(staging.roles, [JobRole::new("load-test")]);
    assert_eq!(
        staging.condition,
        Some(Condition::Or(vec![Condition::failure(), Condition::always()]))
    );
    let manual = get(&p, "manual");
    assert_eq!(manual.roles, [JobRole::DEPLOY]);
    assert_eq!(manual.condition, Some(Condition::input_equals("target", "production")));
    let plain = get(&p, "plain");
    assert_eq!(
        (
            plain.timeout_minutes,
            &plain.environment,
            &plain.condition,
            plain.roles.len()
        ),
        (Some(5), &None, &None, 0)
    );
}

#[test]
fn when_narrows_the_jobs_own_condition() {
    #[derive(Construct)]
    struct Narrow {
        #[construct(when(branch = "main"))]
        deploy: Job,
    }
    let p = Pipeline::new("p").with(&Narrow {
        deploy: job("d").when(Condition::event(Event::Push)),
    });
    assert_eq!(
        get(&p, "deploy").condition,
        Some(Condition::event(Event::Push) & Condition::branch("main"))
    );
}

#[derive(Construct)]
struct Optional {
    build: Job,
    #[construct(needs(build), environment = "review")]
    review_app: Option<Stage>,
    #[construct(needs(build))]
    publish: Job,
}

#[test]
fn an_option_field_adds_nothing_when_none() {
    let without = Pipeline::new("p").with(&Optional {
        build: job("b"),
        review_app: None,
        publish: job("p"),
    });
    assert_eq!(ids(&without), ["build", "publish"]);
    assert_eq!(get(&without, "publish").needs, ["build"]);

    let with = Pipeline::new("p").with(&Optional {
        build: job("b"),
        review_app: Some(Stage),
        publish: job("p"),
    });
    assert_eq!(
        ids(&with),
        ["build", "review-app-deploy", "review-app-smoke-test", "publish"]
    );
    assert_eq!(get(&with, "review-app-deploy").needs, ["build"]);
    assert_eq!(
        get(&with, "review-app-smoke-test")
            .environment
            .as_ref()
            .map(|e| e.name.as_str()),
        Some("review")
    );
}

#[derive(Construct)]
struct Shapes {
    #[construct(rename = "compile")]
    build: Job,
    #[construct(flatten, needs(build), timeout = 9)]
    checks: Stage,
    #[construct(skip)]
    region: String,
    #[construct(skip)]
    _count: u32,
    r#type: Job,
    boxed: Box<dyn Construct>,
}

#[test]
fn rename_flatten_and_skip() {
    let shapes = Shapes {
        build: job("b"),
        checks: Stage,
        region: "eu-west-1".into(),
        _count: 3,
        r#type: job("t"),
        boxed: Box::new(job("x")),
    };
    assert_eq!(shapes.region, "eu-west-1");
    let p = Pipeline::new("p").with(&shapes);
    assert_eq!(ids(&p), ["compile", "deploy", "smoke-test", "type", "boxed"]);
    assert_eq!(get(&p, "deploy").needs, ["compile"]);
    assert_eq!(get(&p, "deploy").timeout_minutes, Some(9));
    assert_eq!(get(&p, "smoke-test").timeout_minutes, Some(9));
    assert_eq!(get(&p, "compile").timeout_minutes, None);
}

#[derive(Construct)]
struct Generic<B, D: Construct, P>
where
    B: Clone,
{
    build: B,
    #[construct(needs(build))]
    deploy: Option<D>,
    #[construct(skip)]
    params: P,
}

#[test]
fn generic_fields_are_bounded_by_construct_and_skipped_ones_are_not() {
    struct NotAConstruct;
    let g = Generic {
        build: job("b"),
        deploy: Some(Stage),
        params: NotAConstruct,
    };
    let _ = &g.params;
    let p = Pipeline::new("p").with(&g);
    assert_eq!(ids(&p), ["build", "deploy-deploy", "deploy-smoke-test"]);
    assert_eq!(get(&p, "deploy-deploy").needs, ["build"]);
}

#[test]
fn an_empty_struct_adds_nothing() {
    #[derive(Construct)]
    struct Nothing {}
    assert!(Pipeline::new("p").with(&Nothing {}).jobs.is_empty());
}
